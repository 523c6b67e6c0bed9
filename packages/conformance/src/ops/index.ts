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
import { mathSuite } from './math.js';
import { randomTf1Suite } from './random_tf1.js';
import { gatherNdSuite } from './gather_nd.js';
import { lossesSuite } from './losses.js';
import { cumsumSuite } from './cumsum.js';
import { reduceTf1Suite } from './reduce_tf1.js';
import { argMinMaxSuite } from './arg_min_max.js';
import { elementwiseTf1Suite } from './elementwise_tf1.js';
import { matmulSuite } from './matmul.js';
import { memorySuite } from './memory.js';
import { nnSuite } from './nn.js';
import { randomSuite } from './random.js';
import { reduceSuite } from './reduce.js';
import { regressionsSuite } from './regressions.js';
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
  math: mathSuite,
  'elementwise tf1': elementwiseTf1Suite,
  'arg min max': argMinMaxSuite,
  'reduce tf1': reduceTf1Suite,
  cumsum: cumsumSuite,
  losses: lossesSuite,
  'gather nd': gatherNdSuite,
  'random tf1': randomTf1Suite,
  regressions: regressionsSuite,
};
