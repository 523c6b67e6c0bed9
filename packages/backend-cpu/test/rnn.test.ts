/** The @tapeflow/rnn conformance suites on the CPU backend. */
import '@tapeflow/backend-cpu';
import { runConformance } from '../../core/test/conformance/ava.js';
import { rnnSuites } from '../../rnn/test/conformance/index.js';

runConformance('cpu', rnnSuites);
