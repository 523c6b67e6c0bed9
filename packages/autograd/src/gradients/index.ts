/**
 * The gradient rule table: one rule per kernel of core's KernelDefs, by kernel name. The type
 * is exhaustive, so adding a kernel to core without a rule here is a compile error. Composite
 * ops (softmax, mean, tile, clipByValue, ...) need no rules: the tape records their primitives.
 */
import type { GradRule, GradTable, FusedGradTable, FusedGradRule } from './types.js';
import type { FusedKernelName, KernelName } from '@tapeflow/core';
import { unaryGrads } from './unary.js';
import { binaryGrads } from './binary.js';
import { reduceGrads } from './reduce.js';
import { matmulGrads } from './matmul.js';
import { movementGrads } from './movement.js';
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
  ...mathGrads,
  ...argMinMaxGrads,
  ...cumsumGrads,
};

export const FUSED_GRADIENTS: FusedGradTable = fusedGrads;

/** Either kind of rule, for code that only needs what a rule saves. */
export type AnyRule = GradRule<KernelName> | FusedGradRule<FusedKernelName>;

export function ruleFor(kernel: string): AnyRule | undefined {
  return (GRADIENTS as Record<string, AnyRule>)[kernel] ?? (FUSED_GRADIENTS as Record<string, AnyRule>)[kernel];
}

export type { GradRule, GradTable, FusedGradRule, FusedGradTable } from './types.js';
