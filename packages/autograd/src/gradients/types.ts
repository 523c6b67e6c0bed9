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

/**
 * The vector-Jacobian product: the gradients, with respect to each of xs, of
 * sum_k <f(xs)_k, dys_k>, computed under a tape of its own (so it is differentiable again).
 */
export type Vjp = (
  f: (...xs: Tensor[]) => Tensor | Tensor[],
  xs: readonly Tensor[],
  dys: Tensor | readonly Tensor[],
) => Tensor[];

export interface GradContext<K extends KernelName> {
  /** All inputs; only read the storage of those the rule saves (shapes and dtypes are always fine). */
  readonly inputs: Inputs<KernelInputs<K>>;
  /** The kernel's output (read its values only if the rule saves outputs). */
  readonly output: Tensor;
  readonly attrs: KernelAttrs<K>;
  /** [output]. The walk always passes it and vjp; they are optional so a rule can be called by hand. */
  readonly outputs?: readonly Tensor[];
  readonly vjp?: Vjp;
}

/** A fused kernel's context: its outputs (it may have several) and vjp (their rules differentiate compositions). */
export interface FusedGradContext<I, A> {
  readonly inputs: Inputs<I>;
  readonly outputs: readonly Tensor[];
  readonly attrs: A;
  readonly vjp: Vjp;
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
  /**
   * For ops that read a window of their one input (Slice): the window. The walk then keeps dy
   * as a piece of the input's gradient and places all pieces at once (grad_store.ts) instead of
   * padding each one to the input's shape, which a loop reading a tensor step by step needs.
   */
  window?(attrs: KernelAttrs<K>): { begin: readonly number[]; size: readonly number[] };
}

export type GradTable = { [K in KernelName]: GradRule<K> };

/** Fused kernels may have several outputs, so their rules get one dy per output. */
export interface FusedGradRule<K extends FusedKernelName> {
  readonly saveInputs?: boolean;
  readonly saveOutputs?: boolean;
  grad(
    dys: Tensor[],
    ctx: FusedGradContext<FusedKernelDefs[K]['inputs'], FusedKernelDefs[K]['attrs']>,
  ): InputGrads<FusedKernelDefs[K]['inputs']>;
}

export type FusedGradTable = { [K in FusedKernelName]: FusedGradRule<K> };

/** The context the walk builds for every node: both kinds of rule accept it. */
export interface NodeContext {
  readonly inputs: readonly Tensor[];
  readonly output: Tensor;
  readonly outputs: readonly Tensor[];
  readonly attrs: Readonly<Record<string, unknown>>;
  readonly vjp: Vjp;
}

/** What the walk sees of any rule, a plain or a fused one, by kernel name (index.ts). */
export interface WalkRule {
  readonly saveInputs?: boolean;
  readonly saveOutputs?: boolean;
  window?(attrs: Readonly<Record<string, unknown>>): { begin: readonly number[]; size: readonly number[] };
  /** One dy per output. */
  grad(dys: Tensor[], ctx: NodeContext): readonly ((() => Tensor) | null)[];
}
