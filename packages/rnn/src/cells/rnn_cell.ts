/**
 * The RNNCell base class (TF1's rnn_cell_impl.RNNCell, a Layer): a cell maps (inputs, state) to
 * (output, newState) for one time step. Weights are created lazily on the first call, from the
 * input depth, under the cell's own variable scope ('lstm_cell', made unique in the scope where
 * it is first called); later calls re-enter that scope and reuse the weights.
 */
import { isFloat, tidy, zeros, Tensor, ValueError, type DType, type Variable } from '@tapeflow/core';
import { describe, mapStructure, type Nest } from '../nest.js';
import { findOrCreateVariable, inScope, releaseVariable, uniqueScope, type Scope } from '../naming.js';
import { assertInitializer, type Initializer } from '../initializers.js';

import type { Activation } from '../activations.js';
export type { Activation } from '../activations.js';
/** What a cell returns for one step: [output, newState]. */
export type StepResult = [output: Nest<Tensor>, state: Nest<Tensor>];

/** What the unrollers need of a cell (TF duck-types cells the same way). */
export interface RNNCellLike {
  readonly stateSize: Nest<number>;
  readonly outputSize: Nest<number>;
  zeroState(batchSize: number, dtype?: DType): Nest<Tensor>;
  call(inputs: Nest<Tensor>, state: Nest<Tensor>): StepResult;
  resetSequenceState?(): void;
}

// ---- what a fast path may do with a cell (read by src/fast/) ----------------------------------

/**
 * What the fast paths may do with a cell, declared by the cell without building it. Which path
 * runs is then decided in one place (fast/dispatch.ts).
 */
export interface FastTraits {
  /** The step splits into an input projection and a recurrent rest (splitStep()). */
  readonly splits: boolean;
  /** The whole-sequence node computing exactly this cell's recurrence: 'lstm' (BasicLSTMCell's equations), 'gru' (GRUCell's, tanh). */
  readonly sequence: 'lstm' | 'gru' | null;
  /** A stack of cells (MultiRNNCell with tuple state) that may run layer by layer over the whole sequence. */
  readonly layers?: readonly RNNCellLike[];
}

/**
 * A step split in two: x K[:depth] + b for each of the cell's TF1-layout kernels, which depends
 * only on the input (a fast path computes it for every step in one matmul), and the rest.
 */
export interface SplitStep {
  /** The kernels [depth + h, k] that multiply [x, ...], with their biases [k], in the order `rest` takes them. */
  readonly kernels: readonly (readonly [kernel: Variable, bias: Variable])[];
  /** The step from each kernel's projected rows [batch, k] and its recurrent rows K[depth:]: what call() returns. */
  rest(projected: readonly Tensor[], state: Nest<Tensor>, recurrent: readonly Tensor[]): StepResult;
  /** How the whole-sequence node (traits.sequence) reads and makes this cell's state. */
  readonly sequence?: SequenceState;
}

export type SequenceState =
  | {
      readonly kind: 'lstm';
      readonly forgetBias: number;
      read(state: Nest<Tensor>, like: Tensor): [c: Tensor, h: Tensor];
      make(c: Tensor, h: Tensor): Nest<Tensor>;
    }
  | { readonly kind: 'gru'; read(state: Nest<Tensor>, like: Tensor): Tensor };

const PLAIN: FastTraits = { splits: false, sequence: null };

export abstract class RNNCell implements RNNCellLike {
  abstract get stateSize(): Nest<number>;
  abstract get outputSize(): Nest<number>;

  /** The layer name the cell's scope is made from ('lstm_cell' unless a name was given). */
  readonly baseName: string;
  /** Wrappers set this false: they add no scope level of their own (as in TF). */
  protected ownsScope = true;
  private scope?: Scope;
  private isBuilt = false;
  private readonly created: Variable[] = [];
  /** The subset of `created` this cell made itself (the rest it shares, found in a reusing scope). */
  private readonly owned = new Set<Variable>();

  constructor(defaultName: string, name?: string) {
    if (name !== undefined && (typeof name !== 'string' || name === '' || name.includes('/'))) {
      throw new ValueError(
        `${this.constructor.name}: name must be a non-empty string without '/', got ${JSON.stringify(name)}`,
      );
    }
    this.baseName = name ?? defaultName;
  }

  /** The full scope path of the cell's weights once it has been called ('rnn/lstm_cell'), else its base name. */
  get name(): string {
    return this.scope?.name ?? this.baseName;
  }
  get built(): boolean {
    return this.isBuilt;
  }

  /** The cell's Variables (TF-named), in creation order; empty until the first call. */
  get weights(): Variable[] {
    return [...this.created];
  }

  /** Zeros of shape [batchSize, n] for every n in stateSize, in stateSize's structure. */
  zeroState(batchSize: number, dtype: DType = 'float32'): Nest<Tensor> {
    assertBatchAndDType(this.constructor.name, batchSize, dtype);
    return mapStructure((n: number) => zeros([batchSize, n], dtype), this.stateSize);
  }

  /**
   * TF1's get_initial_state(inputs, batch_size, dtype): the zero state for a batch like `inputs`
   * ([batch, ...]: its batch size and dtype), or for `batchSize` and `dtype` given directly.
   */
  getInitialState(opts: { inputs?: Tensor; batchSize?: number; dtype?: DType } = {}): Nest<Tensor> {
    const op = `${this.constructor.name}.getInitialState`;
    if (opts === null || typeof opts !== 'object')
      throw new TypeError(`${op}: opts must be an object {inputs?, batchSize?, dtype?}, got ${describe(opts)}`);
    let { batchSize, dtype } = opts;
    if (opts.inputs !== undefined) {
      const x = opts.inputs;
      if (!(x instanceof Tensor)) throw new TypeError(`${op}: inputs must be a Tensor, got ${describe(x)}`);
      if (x.rank < 1) throw new ValueError(`${op}: inputs must have a batch axis, got ${describe(x)}`);
      if (batchSize !== undefined && batchSize !== x.shape[0]) {
        throw new ValueError(
          `${op}: batch size from input tensor is different from the input param. Input tensor batch: ${x.shape[0]}, batchSize: ${batchSize}`,
        );
      }
      if (dtype !== undefined && dtype !== x.dtype) {
        throw new ValueError(
          `${op}: dtype from input tensor is different from the input param. Input tensor dtype: ${x.dtype}, dtype: ${dtype}`,
        );
      }
      batchSize = x.shape[0];
      dtype = x.dtype;
    }
    if (batchSize === undefined || dtype === undefined) {
      throw new ValueError(
        `${op}: batchSize and dtype cannot be undefined while constructing the initial state: give inputs, or both`,
      );
    }
    return this.zeroState(batchSize, dtype);
  }

  /**
   * One step: (inputs, state) -> [output, newState]. Builds the weights on the first call; the
   * step's temporaries are freed (only the returned tensors survive).
   */
  call(inputs: Nest<Tensor>, state: Nest<Tensor>): StepResult {
    this.assertWeightsLive();
    return this.withinScope(() =>
      tidy(() => {
        if (!this.isBuilt) this.buildOnce(inputs);
        return this.step(inputs, state);
      }),
    );
  }

  /** Runs fn in the cell's variable scope (made on first use), as call() does; wrappers have none. */
  withinScope<T>(fn: () => T): T {
    if (!this.ownsScope) return fn();
    this.scope ??= uniqueScope(this.baseName);
    return inScope(this.scope, fn);
  }

  /** What a fast path may do with this cell (default: nothing, plain calls). */
  get fastTraits(): FastTraits {
    return PLAIN;
  }

  /**
   * The split step for inputs like `rows` [rows, depth] (only when fastTraits.splits), the
   * weights built first. Like call(), it runs in the cell's scope, and so does its `rest`: a
   * MultiRNNCell builds its upper cells (multi_rnn_cell/cell_1, ...) during the first step.
   */
  splitStep(rows: Tensor): SplitStep {
    this.assertWeightsLive();
    const s = this.withinScope(() => {
      if (!this.isBuilt) this.buildOnce(rows);
      return this.stepSplit(rows);
    });
    return { ...s, rest: (p, state, r) => this.withinScope(() => s.rest(p, state, r)) };
  }

  /** The split step (see splitStep); cells whose traits say `splits` override it. */
  protected stepSplit(_rows: Tensor): SplitStep {
    throw new ValueError(`${this.constructor.name}: its step does not split (fastTraits.splits is false)`);
  }

  /** A built cell whose Variables were disposed (resetDefaultGraph, dispose) cannot run again. */
  private assertWeightsLive(): void {
    const gone = this.created.filter((v) => v.isDisposed);
    if (gone.length === 0) return;
    throw new ValueError(
      `${this.constructor.name}: the cell's variables (${gone.map((v) => v.name).join(', ')}) were released ` +
        `by resetDefaultGraph() or dispose(); create a new cell`,
    );
  }

  private buildOnce(inputs: Nest<Tensor>): void {
    try {
      this.build(inputs);
    } catch (e) {
      // A half-built cell would otherwise hold the names of the variables it did create.
      this.releaseWeights();
      throw e;
    }
    this.isBuilt = true;
  }

  /** Creates the weights (with addWeight) for inputs like these. Default: none. */
  protected build(_inputs: Nest<Tensor>): void {
    /* no weights */
  }

  /** The step itself, run inside the cell's scope after build. */
  protected abstract step(inputs: Nest<Tensor>, state: Nest<Tensor>): StepResult;

  /** Creates the Variable '<cell scope>/<name>' (initializer: given, else the scope's default, else glorot-uniform). */
  protected addWeight(name: string, shape: readonly number[], dtype: DType, initializer?: Initializer): Variable {
    const { variable: v, created } = findOrCreateVariable(name, shape, dtype, initializer);
    this.created.push(v);
    if (created) this.owned.add(v);
    return v;
  }

  /**
   * Called by the unrollers before and after every unroll. Cells holding per-sequence state
   * (DropoutWrapper's variational masks) drop it here; containers forward the call.
   */
  resetSequenceState(): void {
    /* stateless */
  }

  /** Disposes the cell's weights and frees their names; the cell rebuilds on its next call. */
  dispose(): void {
    this.releaseWeights();
    this.isBuilt = false;
  }

  /** Frees the variables this cell made; shared ones (found through reuse) stay with their owner. */
  private releaseWeights(): void {
    for (const v of this.created.splice(0)) if (this.owned.delete(v)) releaseVariable(v);
  }
}

/** TF's assert_like_rnncell: a TypeError listing what `cell` lacks. */
export function assertLikeRNNCell(argName: string, cell: unknown, op: string): asserts cell is RNNCellLike {
  if (cell instanceof RNNCell) return;
  const c = cell as Record<string, unknown> | null;
  const problems: string[] = [];
  if (c === null || typeof c !== 'object') problems.push('it is not an object');
  else {
    if (!('outputSize' in c)) problems.push("'outputSize' property is missing");
    if (!('stateSize' in c)) problems.push("'stateSize' property is missing");
    if (typeof c.zeroState !== 'function') problems.push("'zeroState' method is required");
    if (typeof c.call !== 'function') problems.push("'call' method is required (is not callable)");
  }
  if (problems.length) {
    throw new TypeError(
      `${op}: the argument '${argName}' (${describe(cell)}) is not an RNNCell: ${problems.join(', ')}`,
    );
  }
}

export function assertBatchAndDType(op: string, batchSize: number, dtype: DType): void {
  if (!Number.isInteger(batchSize) || batchSize < 0) {
    throw new ValueError(`${op}.zeroState: batchSize must be a non-negative integer, got ${batchSize}`);
  }
  if (typeof dtype !== 'string' || !isFloat(dtype)) {
    throw new ValueError(
      `${op}.zeroState: dtype must be a floating point dtype (float32 or float64), got ${String(dtype)}`,
    );
  }
}

export function assertPositiveInt(op: string, arg: string, v: unknown): asserts v is number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) {
    throw new ValueError(`${op}: ${arg} must be a positive integer, got ${describe(v)}`);
  }
}

export function assertActivation(op: string, f: unknown): asserts f is Activation | undefined {
  if (f !== undefined && typeof f !== 'function')
    throw new TypeError(`${op}: activation must be a function, got ${describe(f)}`);
}

/** Options every built-in cell accepts. */
export interface CellOptions {
  /** Base name of the cell's scope (default the TF layer name, e.g. 'lstm_cell'). */
  name?: string;
  /** Initializer of the kernel(s); `initializer` is a synonym (LSTMCell's TF name). */
  kernelInitializer?: Initializer;
  initializer?: Initializer;
}

export function kernelInit(op: string, opts: CellOptions): Initializer | undefined {
  assertInitializer(opts.kernelInitializer, op, 'kernelInitializer');
  assertInitializer(opts.initializer, op, 'initializer');
  return opts.kernelInitializer ?? opts.initializer;
}

/** The [batch, depth] float input of a built-in cell. */
export function cellInput(op: string, inputs: Nest<Tensor>): Tensor {
  if (!(inputs instanceof Tensor)) {
    throw new TypeError(`${op}: inputs must be a single Tensor [batch, depth], got ${describe(inputs)}`);
  }
  if (inputs.rank !== 2)
    throw new ValueError(`${op}: inputs must have rank 2 [batch, depth], got shape [${inputs.shape}]`);
  if (!isFloat(inputs.dtype)) throw new ValueError(`${op}: inputs must be float32 or float64, got ${inputs.dtype}`);
  return inputs;
}

/**
 * Checks a [batch, n] state part against the inputs' batch and dtype. x may be an internal
 * tensor with the inputs' batch (a hoisted projection), so the message names only its batch.
 */
export function stateTensor(op: string, what: string, s: unknown, x: Tensor, n: number): Tensor {
  if (!(s instanceof Tensor)) throw new TypeError(`${op}: ${what} must be a Tensor, got ${describe(s)}`);
  if (s.rank !== 2 || s.shape[0] !== x.shape[0] || s.shape[1] !== n) {
    throw new ValueError(
      `${op}: ${what} must have shape [${x.shape[0]},${n}] ` +
        `(the inputs' batch size ${x.shape[0]}; ${n} columns, as the cell's stateSize says), got [${s.shape}]`,
    );
  }
  if (s.dtype !== x.dtype) throw new ValueError(`${op}: ${what} is ${s.dtype} but the inputs are ${x.dtype}`);
  return s;
}

/** The input depth a cell was built for must match later calls (TF: a kernel shape mismatch). */
export function checkDepth(op: string, kernel: Variable, x: Tensor, hiddenRows: number): void {
  const want = kernel.shape[0] - hiddenRows;
  if (x.shape[1] !== want) {
    throw new ValueError(
      `${op}: inputs have depth ${x.shape[1]} but the cell's kernel ${kernel.name} [${kernel.shape}] ` +
        `was built for depth ${want} (a cell object reused on inputs of another depth)`,
    );
  }
  if (x.dtype !== kernel.dtype)
    throw new ValueError(`${op}: inputs are ${x.dtype} but ${kernel.name} is ${kernel.dtype}`);
}
