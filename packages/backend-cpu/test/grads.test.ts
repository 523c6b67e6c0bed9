// The gradient conformance suites of @tapeflow/autograd, on the CPU backend (float64 central differences).
import '@tapeflow/backend-cpu';
import { runConformance } from '../../core/test/conformance/ava.js';
import { gradSuites } from '../../autograd/test/conformance/index.js';

runConformance('cpu', gradSuites);
