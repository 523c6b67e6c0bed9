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
import { tapeMemorySuite } from './tape_memory.js';

export const gradSuites: Record<string, SuiteDef> = {
  'grad ops': opGradSuite,
  'grad higher-order': higherOrderSuite,
  'grad api': apiSuite,
  'grad trace': traceSuite,
  'grad optimizers': optimizerSuite,
  'grad tape memory': tapeMemorySuite,
};
