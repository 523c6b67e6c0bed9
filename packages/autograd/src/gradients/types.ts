/**
 * The shape of a gradient rule. One rule per kernel, typed by the kernel's own inputs and
 * attributes from core's KernelDefs, so a rule cannot read an input or attribute that does
 * not exist, and the table in index.ts cannot miss a kernel.
 */
import type { FusedKernelDefs, FusedKernelName, KernelAttrs, KernelInputs, KernelName, Tensor } from '@tapeflow/core';

/** A kernel's inputs as Tensors, in the kernel's order ([x], [a, b], or Tensor[] for Concat). */
export type Inputs<I> = { [P in keyof I]: Tensor };

/**
 * One entry per input: a thunk computing its gradient, or null when the input has none (bool
 * or int32 operands, indices). Thunks let the walk skip gradients nobody asked for, e.g. the
 * weight gradient of a matmul when only the input's is wanted.
 */
export type InputGrads<I> = { [P in keyof I]: (() => Tensor) | null };

export interface GradContext<K extends KernelName> {
  /** All inputs; only read the storage of those the rule saves (shapes and dtypes are always fine). */
  readonly inputs: Inputs<KernelInputs<K>>;
  /** The kernel's output (read its values only if the rule saves outputs). */
  readonly output: Tensor;
  readonly attrs: KernelAttrs<K>;
}

export interface GradRule<K extends KernelName> {
  /** The backward pass reads the inputs' values: the tape holds them. */
  readonly saveInputs?: boolean;
  /** The backward pass reads the output's values (exp, tanh, sigmoid, sqrt): the tape holds it. */
  readonly saveOutputs?: boolean;
  /**
   * dy (same shape as the output) -> gradients of the inputs, written with core's ops so they
   * are themselves recorded when an outer gradient is being taken (that is higher order).
   */
  grad(dy: Tensor, ctx: GradContext<K>): InputGrads<KernelInputs<K>>;
}

export type GradTable = { [K in KernelName]: GradRule<K> };

/** Fused kernels may have several outputs, so their rules get one dy per output. */
export interface FusedGradRule<K extends FusedKernelName> {
  readonly saveInputs?: boolean;
  readonly saveOutputs?: boolean;
  grad(dys: Tensor[], ctx: {
    readonly inputs: Inputs<FusedKernelDefs[K]['inputs']>;
    readonly outputs: readonly Tensor[];
    readonly attrs: FusedKernelDefs[K]['attrs'];
  }): InputGrads<FusedKernelDefs[K]['inputs']>;
}

export type FusedGradTable = { [K in FusedKernelName]: FusedGradRule<K> };
