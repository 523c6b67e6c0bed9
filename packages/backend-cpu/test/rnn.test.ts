/** The @tapeflow/rnn conformance suites on the CPU backend. */
import '@tapeflow/backend-cpu';
import { runConformance } from '@tapeflow/conformance/ava';
import { rnnSuites } from '@tapeflow/conformance';

runConformance('cpu', rnnSuites);
