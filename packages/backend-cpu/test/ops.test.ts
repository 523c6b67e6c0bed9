/** The shared op conformance suite on the CPU backend. */
import '@tapeflow/backend-cpu';
import { runConformance } from '@tapeflow/conformance/ava';
import { opsSuites } from '@tapeflow/conformance';

runConformance('cpu', opsSuites);
