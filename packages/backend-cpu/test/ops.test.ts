/** The shared op conformance suite on the CPU backend. */
import '@tapeflow/backend-cpu';
import { runConformance } from '../../core/test/conformance/ava.js';
import { opsSuites } from '../../core/test/conformance/ops/index.js';

runConformance('cpu', opsSuites);
