/**
 * The gradient rule table: one rule per kernel of core's KernelDefs, by kernel name. The type
 * is exhaustive, so adding a kernel to core without a rule here is a compile error. Composite
 * ops (softmax, mean, tile, clipByValue, ...) need no rules: the tape records their primitives.
 */
import type { Tensor } from '@tapeflow/core';
import type { GradTable, FusedGradTable, Vjp, WalkRule } from './types.js';
import { unaryGrads } from './unary.js';
import { binaryGrads } from './binary.js';
import { reduceGrads } from './reduce.js';
import { matmulGrads } from './matmul.js';
import { movementGrads } from './movement.js';
import { gatherGrads } from './gather.js';
import { sequenceGrads } from './sequence.js';
import { fusedGrads } from './fused.js';
import { mathGrads } from './math.js';
import { argMinMaxGrads } from './arg_min_max.js';
import { cumsumGrads } from './cumsum.js';

export const GRADIENTS: GradTable = {
  ...unaryGrads,
  ...binaryGrads,
  ...reduceGrads,
  ...matmulGrads,
  ...movementGrads,
  ...gatherGrads,
  ...sequenceGrads,
  ...mathGrads,
  ...argMinMaxGrads,
  ...cumsumGrads,
};

export const FUSED_GRADIENTS: FusedGradTable = fusedGrads;

/**
 * The tape and the walk know a kernel only by its name at run time. Every typed rule is also a
 * rule over any inputs and attributes (its context is a special case of this one), so the
 * tables convert to one lookup without casts; plain rules get their single output's dy.
 */
type Thunks = readonly ((() => Tensor) | null)[];
type Attrs = Readonly<Record<string, unknown>>;
type PlainCtx = {
  readonly inputs: readonly Tensor[];
  readonly output: Tensor;
  readonly attrs: Attrs;
  readonly outputs?: readonly Tensor[];
  readonly vjp?: Vjp;
};
type FusedCtx = {
  readonly inputs: readonly Tensor[];
  readonly outputs: readonly Tensor[];
  readonly attrs: Attrs;
  readonly vjp: Vjp;
};
interface Loose<D, C> extends Omit<WalkRule, 'grad'> {
  grad(dy: D, ctx: C): Thunks;
}

const plain: [string, Loose<Tensor, PlainCtx>][] = Object.entries(GRADIENTS);
const fused: [string, Loose<Tensor[], FusedCtx>][] = Object.entries(FUSED_GRADIENTS);
const RULES = new Map<string, WalkRule>([
  ...plain.map(([k, r]): [string, WalkRule] => [
    k,
    {
      saveInputs: r.saveInputs,
      saveOutputs: r.saveOutputs,
      window: r.window?.bind(r),
      grad: (dys, ctx) => r.grad(dys[0], ctx),
    },
  ]),
  ...fused,
]);

/** The rule of a kernel, by name; undefined for a name no table has. */
export const ruleFor = (kernel: string): WalkRule | undefined => RULES.get(kernel);

export type {
  GradRule,
  GradTable,
  GradContext,
  FusedGradRule,
  FusedGradTable,
  FusedGradContext,
  Vjp,
  WalkRule,
} from './types.js';
