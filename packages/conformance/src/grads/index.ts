/**
 * The gradient conformance suites. Backend-agnostic: every backend's test runs them
 * (e.g. packages/backend-cpu/test/grads.test.ts: runConformance('cpu', gradSuites)).
 */
import type { SuiteDef } from '../harness.js';
import { opGradSuite } from './op_grads.js';
import { higherOrderSuite } from './higher_order.js';
import { apiSuite } from './api.js';
import { traceSuite } from './trace.js';
import { optimizerSuite } from './optimizers.js';
import { optimizerApiSuite } from './optimizer_api.js';
import { tapeMemorySuite } from './tape_memory.js';
import { tf1OpGradSuite } from './op_grads_tf1.js';
import { gradRegressionSuite } from './regressions.js';

export const gradSuites: Record<string, SuiteDef> = {
  'grad ops': opGradSuite,
  'grad higher-order': higherOrderSuite,
  'grad api': apiSuite,
  'grad trace': traceSuite,
  'grad optimizers': optimizerSuite,
  'grad optimizer api': optimizerApiSuite,
  'grad tape memory': tapeMemorySuite,
  'grad ops tf1': tf1OpGradSuite,
  'grad regressions': gradRegressionSuite,
};
