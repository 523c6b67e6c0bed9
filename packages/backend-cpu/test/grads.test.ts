// The gradient conformance suites of @tapeflow/autograd, on the CPU backend (float64 central differences).
import '@tapeflow/backend-cpu';
import { runConformance } from '@tapeflow/conformance/ava';
import { gradSuites } from '@tapeflow/conformance';

runConformance('cpu', gradSuites);
