/**
 * The one TF1 time loop (dynamicRnn's step path, staticRnn) and the one sequence plan every
 * unroller and fast path uses: TF1's masking rule, written only here, and its loop bound (core's
 * sequenceBound, which the whole-sequence kernels' front-ends read too).
 *
 * In an eager engine the loop is a plain for loop. Each step runs in a tidy that returns only
 * the step's outputs and new state, so the cell's temporaries are freed at once; under a
 * gradient tape the tape holds what backprop needs, so this is safe for gradients too.
 *
 * sequenceLength (TF1's rule): at step t, rows with t >= len[b] output zeros and copy their state
 * through. The lengths are read to the host once, so steps before the shortest length skip the
 * masking entirely and the loop stops after the longest one (TF's loop bound
 * min(T, max(1, max(len)))); the caller fills the remaining outputs with zeros.
 */
import { isRecording, withKernelListener } from '@tapeflow/autograd';
import {
  ENGINE,
  isFloat,
  keep,
  scalar,
  sequenceBound,
  tensor,
  tidy,
  where,
  Tensor,
  ValueError,
  type DType,
} from '@tapeflow/core';
import { assertSameStructure, describe, flatten, packSequenceAs, type Nest } from './nest.js';
import type { RNNCellLike, StepResult } from './cells/rnn_cell.js';

// ---- TF1's masking rule and loop bound ------------------------------------------------------

/** One step's finished rows, as bool masks [B, 1, ...] of any rank, and zeros to output there. */
export interface FinishedRows {
  mask(rank: number): Tensor;
  zero(dtype: DType): Tensor;
}

/**
 * TF1's masking rule: rows that finished output zeros and keep their previous state (scalar
 * leaves pass through). With done null every row runs and nothing changes.
 */
export function maskStep(
  done: FinishedRows | null,
  outputs: Tensor[],
  next: Tensor[],
  prev: readonly Tensor[],
): [Tensor[], Tensor[]] {
  if (!done) return [outputs, next];
  return [
    outputs.map((v) => (v.rank === 0 ? v : where(done.mask(v.rank), done.zero(v.dtype), v))),
    next.map((v, i) => (v.rank === 0 ? v : where(done.mask(v.rank), prev[i], v))),
  ];
}

const maskShape = (batch: number, rank: number): number[] => [
  batch,
  ...new Array<number>(Math.max(0, rank - 1)).fill(1),
];

/** The finished rows `rows` (1 = finished) of one step, masks made in the current scope (rawRnn's dynamic ones). */
export function finishedRows(rows: ArrayLike<number>): FinishedRows {
  const values = Uint8Array.from(rows);
  return { mask: (rank) => tensor(values, maskShape(values.length, rank), 'bool'), zero: (dtype) => scalar(0, dtype) };
}

/**
 * The steps a sequence of T steps with these host lengths runs, and each step's finished rows.
 * Masks and zeros are made once and shared by the steps (one mask per number of finished rows:
 * with fixed lengths that set only grows); dispose() frees them (a tape holding one keeps it).
 */
export class SequencePlan {
  /** Steps that run: T, or up to the longest length (TF1's loop bound min(T, max(1, max(len)))). */
  readonly bound: number;
  private readonly minLen: number;
  private readonly shared = new Map<string, Tensor>();

  constructor(
    readonly T: number,
    readonly lengths?: Int32Array,
  ) {
    this.bound = sequenceBound(T, lengths);
    this.minLen = lengths ? Math.min(...lengths) : T;
  }

  /** Step t's finished rows, or null while every row runs. */
  finished(t: number): FinishedRows | null {
    const lengths = this.lengths;
    if (!lengths || t < this.minLen) return null;
    let count = 0;
    for (const len of lengths) if (t >= len) count++;
    return {
      mask: (rank) =>
        this.reuse(`mask:${count}:${rank}`, () =>
          tensor(
            Uint8Array.from(lengths, (len) => Number(t >= len)),
            maskShape(lengths.length, rank),
            'bool',
          ),
        ),
      zero: (dtype) => this.reuse(`zero:${dtype}`, () => scalar(0, dtype)),
    };
  }

  /** Every distinct mask of `rank` over the steps that run, made now (a whole-sequence node saves them). */
  masks(rank: number): Tensor[] {
    const all = new Set<Tensor>();
    for (let t = 0; t < this.bound; t++) {
      const m = this.finished(t)?.mask(rank);
      if (m) all.add(m);
    }
    return [...all];
  }

  dispose(): void {
    for (const t of this.shared.values()) t.dispose();
    this.shared.clear();
  }

  private reuse(key: string, make: () => Tensor): Tensor {
    let t = this.shared.get(key);
    if (!t) this.shared.set(key, (t = keep(make())));
    return t;
  }
}

// ---- the loop -------------------------------------------------------------------------------

export interface UnrollArgs {
  op: string;
  cell: RNNCellLike;
  numSteps: number;
  /** The cell's input at step t (called inside the step's tidy). */
  inputAt: (t: number) => Nest<Tensor>;
  /** Replaces cell.call(inputAt(t), state), e.g. by a hoisted step (fast/projection.ts). */
  stepAt?: (t: number, state: Nest<Tensor>) => StepResult;
  initialState: Nest<Tensor>;
  /** Host copy of the sequence lengths (may be negative or exceed numSteps). */
  lengths?: Int32Array;
  swapMemory?: boolean;
}

export interface UnrollResult {
  /** Flat outputs of each step that ran. */
  outputs: Tensor[][];
  /** The structure of one step's output (its leaves are step 0's outputs). */
  outputStructure: Nest<Tensor>;
  state: Nest<Tensor>;
  /** Steps that ran: numSteps, or fewer when every sequence ended earlier. */
  steps: number;
}

export function unroll(a: UnrollArgs): UnrollResult {
  const { op, cell, inputAt, initialState } = a;
  const plan = new SequencePlan(a.numSteps, a.lengths);

  const callerOwned = new Set(flatten(initialState));
  const collected = new Set<Tensor>();
  const outputs: Tensor[][] = [];
  let outputStructure: Nest<Tensor> = [];
  let state = initialState;

  cell.resetSequenceState?.();
  try {
    for (let t = 0; t < plan.bound; t++) {
      const prev = flatten(state);
      const run = (): [Nest<Tensor>, Nest<Tensor>] =>
        tidy(() => {
          const [out, next] = a.stepAt ? a.stepAt(t, state) : cell.call(inputAt(t), state);
          checkNewState(op, state, next);
          const raw = flatten(out);
          raw.forEach((v, i) => assertTensor(op, `output ${i} of the cell`, v));
          const [of, sf] = maskStep(plan.finished(t), raw, flatten(next), prev);
          // Only the (masked) leaves leave the step: the cell's raw results are freed here.
          return [packSequenceAs(out, of), packSequenceAs(next, sf)];
        });
      const [out, next] = a.swapMemory ? withSwap(run) : run();
      const of = flatten(out),
        sf = flatten(next);
      if (t === 0) outputStructure = out;
      outputs.push(of);
      for (const o of of) collected.add(o);
      state = next;
      // The previous state is no longer needed by the loop (the tape holds it if backprop does).
      const live = new Set(sf);
      for (const p of prev) if (!live.has(p) && !callerOwned.has(p) && !collected.has(p)) p.dispose();
    }
  } finally {
    cell.resetSequenceState?.();
    plan.dispose();
  }
  return { outputs, outputStructure, state, steps: plan.bound };
}

function checkNewState(op: string, state: Nest<Tensor>, next: Nest<Tensor>): void {
  try {
    assertSameStructure(state, next);
  } catch (e) {
    throw new ValueError(
      `${op}: the cell's new state ${describe(next)} does not have the structure of its state ${describe(state)}: ${(e as Error).message}`,
    );
  }
  const s = flatten(state),
    n = flatten(next);
  n.forEach((v, i) => {
    assertTensor(op, `state ${i} returned by the cell`, v);
    const p = s[i];
    if (v.dtype !== p.dtype || v.rank !== p.rank || v.shape.some((d, j) => d !== p.shape[j])) {
      throw new ValueError(`${op}: the cell changed state ${i} from ${describe(p)} to ${describe(v)}`);
    }
  });
}

export function assertTensor(op: string, what: string, v: unknown): asserts v is Tensor {
  if (!(v instanceof Tensor)) throw new TypeError(`${op}: ${what} must be a Tensor, got ${describe(v)}`);
}

/**
 * swapMemory: while a tape records, the step's intermediate tensors (those the tape keeps for
 * backprop, not the step's results) are handed to the backend's offload(), which moves them to
 * host memory until the backward pass reads them. Backends without device memory (CPU) have no
 * offload and nothing happens; without a tape nothing is kept, so nothing is moved.
 */
function withSwap<T>(fn: () => T): T {
  if (!isRecording() || !ENGINE.canOffload()) return fn();
  const produced: Tensor[] = [];
  const result = withKernelListener((r) => {
    produced.push(...r.outputs);
  }, fn);
  const results = new Set(flatten(result as Nest<Tensor>).filter((x) => x instanceof Tensor));
  for (const t of produced) if (!results.has(t)) ENGINE.offloadHeld(t);
  return result;
}

// ---- argument checks shared by the unrollers ------------------------------------------------

/** sequenceLength (Tensor or array) as host int32 values; it must be a vector of length batch. */
export function hostSequenceLengths(op: string, seq: unknown, batch: number): Int32Array | undefined {
  if (seq === undefined || seq === null) return undefined;
  let shape: number[];
  let values: ArrayLike<number>;
  if (seq instanceof Tensor) {
    if (seq.dtype === 'bool')
      throw new TypeError(`${op}: sequence_length must be integer (or float), got bool [${seq.shape}]`);
    shape = seq.shape;
    values = seq.dataSync();
  } else if (Array.isArray(seq) || ArrayBuffer.isView(seq)) {
    const arr = seq as ArrayLike<unknown>;
    shape = Array.from(arr).some((v) => Array.isArray(v)) ? [arr.length, -1] : [arr.length];
    if (shape.length === 1 && Array.from(arr).some((v) => typeof v !== 'number')) {
      throw new TypeError(`${op}: sequence_length must hold numbers, got ${describe(seq)}`);
    }
    values = arr as ArrayLike<number>;
  } else {
    throw new TypeError(`${op}: sequence_length must be a Tensor or an array of numbers, got ${describe(seq)}`);
  }
  if (shape.length !== 1) {
    throw new ValueError(
      `${op}: sequence_length must be a vector of length batch_size, but saw shape: [${shape.map((d) => (d < 0 ? '?' : d))}]`,
    );
  }
  if (shape[0] !== batch) {
    throw new ValueError(
      `${op}: expected shape for sequence_length is [batch_size] = [${batch}], but saw shape: [${shape}]`,
    );
  }
  const out = new Int32Array(batch);
  for (let i = 0; i < batch; i++) {
    const v = Number(values[i]);
    if (!Number.isFinite(v)) throw new ValueError(`${op}: sequence_length[${i}] is ${v}`);
    out[i] = Math.trunc(v);
  }
  return out;
}

/** The initial state given (checked), or the cell's zero state of `dtype`. */
export function resolveInitialState(
  op: string,
  cell: RNNCellLike,
  initialState: unknown,
  dtype: unknown,
  batch: number,
  inputDType: DType,
): Nest<Tensor> {
  let state: Nest<Tensor>;
  if (initialState !== undefined && initialState !== null) {
    state = initialState as Nest<Tensor>;
  } else {
    if (dtype === undefined || dtype === null)
      throw new ValueError(`${op}: If there is no initial_state, you must give a dtype.`);
    if (typeof dtype !== 'string' || !isFloat(dtype as DType)) {
      throw new ValueError(`${op}: dtype must be float32 or float64, got ${describe(dtype)}`);
    }
    state = cell.zeroState(batch, dtype as DType);
  }
  const leaves = flatten(state);
  if (leaves.length === 0) throw new ValueError(`${op}: the initial state ${describe(state)} holds no tensors`);
  leaves.forEach((s, i) => {
    assertTensor(op, `initial state ${i}`, s);
    if (s.rank < 1 || s.shape[0] !== batch) {
      throw new ValueError(
        `${op}: initial state ${i} ${describe(s)} must have the batch size ${batch} of the inputs as its first dim`,
      );
    }
  });
  const dtypes = new Set(leaves.map((s) => s.dtype));
  if (dtypes.size > 1)
    throw new ValueError(`${op}: State has tensors of different inferred_dtypes: ${[...dtypes].join(', ')}`);
  if (leaves[0].dtype !== inputDType && isFloat(inputDType)) {
    throw new ValueError(`${op}: the inputs are ${inputDType} but the state is ${leaves[0].dtype}`);
  }
  return state;
}

/** The flat input tensors of `inputs`: null, empty or non-Tensor leaves are errors. */
export function flatInputs(op: string, inputs: unknown): Tensor[] {
  if (inputs === undefined || inputs === null) throw new ValueError(`${op}: inputs must not be ${String(inputs)}`);
  const flat = flatten(inputs as Nest<unknown>);
  if (flat.length === 0) throw new ValueError(`${op}: inputs must not be empty, got ${describe(inputs)}`);
  if (Array.isArray(inputs) && flat.every((x) => typeof x === 'number')) {
    throw new TypeError(
      `${op}: inputs must be a Tensor (or a nest of Tensors), got a nested JS array of numbers; ` +
        `wrap it: tensor(inputs) [batch, time, depth]`,
    );
  }
  flat.forEach((x, i) => ENGINE.assertUsable(x, op, flat.length === 1 ? 'inputs' : `inputs (leaf ${i})`));
  return flat as Tensor[];
}

export function assertFloatInput(op: string, x: Tensor, cell?: RNNCellLike): void {
  // TF checks in the cells; cells reading symbol ids (EmbeddingWrapper) say so.
  if (!isFloat(x.dtype) && !(cell as { readsSymbolIds?: boolean } | undefined)?.readsSymbolIds)
    throw new ValueError(`${op}: RNN cell only supports floating point inputs, but saw dtype: ${x.dtype}`);
}
