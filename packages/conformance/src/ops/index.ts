/**
 * The op conformance suites: every backend runs these unchanged, e.g.
 * `runConformance('cpu', opsSuites)` under ava, or the browser runner for webgl.
 * Case names read `<suite> › <op>: <what>` and are kept stable (CI output refers to them).
 */
import type { SuiteDef } from '../harness.js';
import { binarySuite } from './binary.js';
import { chainsSuite } from './chains.js';
import { creationSuite } from './creation.js';
import { errorsSuite } from './errors.js';
import { fusedSuite } from './fused.js';
import { immutabilitySuite } from './immutability.js';
import { logicSuite } from './logic.js';
import { matmulSuite } from './matmul.js';
import { memorySuite } from './memory.js';
import { nnSuite } from './nn.js';
import { randomSuite } from './random.js';
import { reduceSuite } from './reduce.js';
import { reshapeSuite } from './reshape.js';
import { slicingSuite } from './slicing.js';
import { unarySuite } from './unary.js';

export const opsSuites: Record<string, SuiteDef> = {
  creation: creationSuite,
  unary: unarySuite,
  binary: binarySuite,
  logic: logicSuite,
  reduce: reduceSuite,
  matmul: matmulSuite,
  reshape: reshapeSuite,
  slicing: slicingSuite,
  chains: chainsSuite,
  nn: nnSuite,
  fused: fusedSuite,
  random: randomSuite,
  memory: memorySuite,
  errors: errorsSuite,
  immutability: immutabilitySuite,
};
