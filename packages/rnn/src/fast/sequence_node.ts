/**
 * What the whole-sequence nodes (lstm_sequence.ts, gru_sequence.ts) share: their plan (TF1's
 * loop bound and masks, from unroll.ts's SequencePlan, and the chunking), time-major row access,
 * and the source of each step's x W_x + b: given (the caller's projections) or the inputs,
 * projected a chunk of steps at a time.
 */
import { customGrad, isRecording, vjp, type SaveFn } from '@tapeflow/autograd';
import { add, concat, matmul, reshape, scalar, slice, sum, zeros, type Tensor } from '@tapeflow/core';
import type { FinishedRows, SequencePlan } from '../unroll.js';
import { fastPaths } from './switches.js';

export interface NodePlan {
  readonly T: number;
  /** Steps that run (SequencePlan.bound). */
  readonly bound: number;
  /** Per step, the finished rows as bool [B, 1], or null while every row runs. */
  readonly finished: readonly (Tensor | null)[];
  /** The distinct masks of `finished` (saved with the node, so backprop can still read them). */
  readonly masks: readonly Tensor[];
  /** Steps per chunk: about fastPaths.sequenceChunkRows rows (steps x batch). */
  readonly chunk: number;
  /** How many of the node's inputs are its source: 1 (projections given) or 3 (x, W_x, b). */
  readonly numSource: number;
}

export function nodePlan(seq: SequencePlan, B: number, numSource: number): NodePlan {
  const finished = Array.from({ length: seq.bound }, (_, t) => seq.finished(t)?.mask(2) ?? null);
  return {
    T: seq.T,
    bound: seq.bound,
    finished,
    masks: seq.masks(2),
    chunk: Math.max(1, Math.ceil(fastPaths.sequenceChunkRows / B)),
    numSource,
  };
}

/**
 * Runs a whole-sequence node: one customGrad call over `ins`. `forward` runs the recurrence once,
 * returning its outputs and what backprop through time reads besides the inputs and outputs[0]
 * (`kept`); the gradient is `bptt`, unless a tape records the backward pass itself: then it is
 * the vjp of `recurrence` (the same computation with differentiable ops), so gradients of
 * gradients stay exact.
 */
export function runNode(
  plan: NodePlan,
  ins: Tensor[],
  forward: (ins: Tensor[]) => { outputs: Tensor[]; kept: Tensor[] },
  recurrence: (ins: Tensor[]) => Tensor[],
  bptt: (dys: Tensor[], ins: Tensor[], outputs: Tensor, kept: Tensor[]) => Tensor[],
): Tensor[] {
  const n = ins.length;
  const node = customGrad<Tensor[]>((...args: (Tensor | SaveFn)[]) => {
    const xs = args.slice(0, n) as Tensor[];
    const { outputs, kept } = forward(xs);
    (args[n] as SaveFn)([...xs, outputs[0], ...kept, ...plan.masks]);
    return {
      value: outputs,
      gradFunc: (dys: Tensor[], saved: Tensor[]): Tensor[] => {
        const sIns = saved.slice(0, n);
        if (isRecording()) return vjp((...a: Tensor[]) => recurrence(a), sIns, dys);
        return bptt(dys, sIns, saved[n], saved.slice(n + 1, n + 1 + kept.length));
      },
    };
  });
  return node(...ins);
}

/** Step t's finished rows for unroll.ts's maskStep (the node's states are all [B, n]). */
export function finishedAt(plan: NodePlan, t: number): FinishedRows | null {
  const m = plan.finished[t];
  return m && { mask: () => m, zero: (dtype) => scalar(0, dtype) };
}

/** Step t's rows [B, k] of a time-major [T, B, k] tensor (a view: no copy). */
export const rowsAt = (x: Tensor, t: number): Tensor =>
  reshape(slice(x, [t, 0, 0], [1, x.shape[1], x.shape[2]]), x.shape.slice(1));

/** Step 0's rows [B, k] (what a cell checks the state against). */
export const rowsOf = (x: Tensor): Tensor => rowsAt(x, 0);

/** The projections time-major [T, B, k], or the inputs time-major [T, B, depth] with the input rows of the kernel [depth, k] and the bias [k]. */
export interface SequenceInputs {
  x: Tensor;
  wx: Tensor;
  b: Tensor;
}

/** A node's leading inputs for its source: [p] or [x, wx, b]. */
export const sourceTensors = (source: Tensor | SequenceInputs): Tensor[] =>
  'x' in source ? [source.x, source.wx, source.b] : [source];

/**
 * Steps [t0, t1) of x W_x + b, [t1 - t0, B, k], from the node's inputs `ins` whose first
 * `numSource` are its source: a view of the given projections, or computed.
 */
export function projectedSteps(ins: Tensor[], numSource: number, t0: number, t1: number): Tensor {
  const [B, k] = [ins[0].shape[1], ins[0].shape[2]];
  const rows = slice(ins[0], [t0, 0, 0], [t1 - t0, B, k]);
  if (numSource === 1) return rows;
  const [, wx, b] = ins;
  return reshape(add(matmul(reshape(rows, [(t1 - t0) * B, k]), wx), b), [t1 - t0, B, wx.shape[1]]);
}

/**
 * The h that each step of the chunk [t0, t0 + k) read, as rows [k * B, n]: h0 for step 0, then
 * the outputs of the steps before (rows of `outputs`, the node's [T, B, n] outputs).
 */
export function hReadOfChunk(h0: Tensor, outputs: Tensor, t0: number, k: number): Tensor {
  const [, B, n] = outputs.shape;
  const h0Row = reshape(h0, [1, B, n]);
  const before =
    t0 === 0
      ? k === 1
        ? h0Row
        : concat([h0Row, slice(outputs, [0, 0, 0], [k - 1, B, n])], 0)
      : slice(outputs, [t0 - 1, 0, 0], [k, B, n]);
  return reshape(before, [k * B, n]);
}

/**
 * The source's share of a chunk's gradient (call inside the chunk's tidy and return the result):
 * dp is the gradient of steps [t0, t0 + k) of x W_x + b as [k * B, cols]. Returns [the chunk's
 * piece of the source's first gradient (dp itself, or x's), ...the running sums for W_x and b
 * (none for given projections)], `sums` being the previous chunk's.
 */
export function chunkSourceGrads(
  ins: Tensor[],
  numSource: number,
  t0: number,
  k: number,
  dp: Tensor,
  sums: Tensor[],
): Tensor[] {
  const [x, wx] = ins;
  const [B, d] = [x.shape[1], x.shape[2]];
  if (numSource === 1) return [reshape(dp, [k, B, d])];
  const xRows = reshape(slice(x, [t0, 0, 0], [k, B, d]), [k * B, d]);
  const dWx = matmul(xRows, dp, true, false),
    db = sum(dp, 0);
  return [
    reshape(matmul(dp, wx, false, true), [k, B, d]),
    sums.length ? add(sums[0], dWx) : dWx,
    sums.length ? add(sums[1], db) : db,
  ];
}

/**
 * The source's gradients from the chunks' pieces (first step first) and the running sums: [dp]
 * or [dx, dWx, db], zeros past the loop bound. Frees the pieces it copies.
 */
export function sourceGrads(ins: Tensor[], pieces: Tensor[], sums: Tensor[], T: number, bound: number): Tensor[] {
  const [B, d] = [ins[0].shape[1], ins[0].shape[2]];
  const all = bound < T ? [...pieces, zeros([T - bound, B, d], pieces[0].dtype)] : pieces;
  const whole = all.length === 1 ? all[0] : concat(all, 0);
  if (whole !== pieces[0]) for (const q of pieces) q.dispose();
  return [whole, ...sums];
}
