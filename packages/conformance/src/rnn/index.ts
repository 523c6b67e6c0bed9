/** The rnn conformance suites, run unchanged on every backend (see packages/backend-cpu/test/rnn.test.ts). */
import type { SuiteDef } from '../harness.js';
import { cellSuite } from './cells.js';
import { unrollerSuite } from './unrollers.js';
import { recomputeSuite } from './recompute.js';
import { tf1ApiSuite } from './tf1_api.js';
import { rnnRegressionSuite } from './regressions.js';
import { sequenceKernelSuite } from './sequence_kernels.js';

export const rnnSuites: Record<string, SuiteDef> = {
  'rnn cells': cellSuite,
  'rnn unrollers': unrollerSuite,
  'rnn recompute': recomputeSuite,
  'rnn tf1 api': tf1ApiSuite,
  'rnn regressions': rnnRegressionSuite,
  'rnn sequence kernels': sequenceKernelSuite,
};
