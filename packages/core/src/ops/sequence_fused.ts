/**
 * The front-ends of the whole-sequence fused kernels (LSTMSequence, GRUSequence and their Grad
 * kernels in kernels.ts): shape and dtype checks with clear errors, then the backend's kernel. Unlike the
 * one-step kernels (fused.ts) they have no composed fallback here: their one caller,
 * @tapeflow/rnn's whole-sequence node, runs its own op-level recurrence where a backend lacks
 * them (ENGINE.hasFused), and that recurrence is also what higher-order gradients differentiate.
 * The kernels are float32-only (float64 stays on the composed path, where accuracy, not speed,
 * is the point).
 */
import { ENGINE } from '../engine.js';
import { ValueError } from '../errors.js';
import { fmt, shapesEqual } from '../shape.js';
import type { Tensor } from '../tensor.js';

/** What the whole-sequence front-ends take besides tensors. */
export interface SequenceOptions {
  /** Per batch row, the steps it runs; omitted: every row runs all T steps. */
  lengths?: Int32Array | null;
  /** Steps per chunk of the backward kernel's weight-gradient matmuls (default 8). */
  chunk?: number;
}

/** The source of every step's gate projections: given [p] ([T, B, cols]) or [x, wx, b] to project. */
export type SequenceSource = [p: Tensor] | [x: Tensor, wx: Tensor, b: Tensor];

/** TF1's loop bound: T, or min(T, max(1, max(lengths))). */
export const sequenceBound = (T: number, lengths?: Int32Array | null): number =>
  lengths ? Math.min(T, Math.max(1, ...lengths)) : T;

const expect = (op: string, name: string, t: Tensor, shape: readonly number[]): void => {
  if (t.dtype !== 'float32')
    throw new ValueError(`${op}: ${name} must be float32 (the kernel is float32-only), got ${t.dtype}`);
  if (!shapesEqual(t.shape, shape)) throw new ValueError(`${op}: ${name} must be ${fmt(shape)}, got ${fmt(t.shape)}`);
};

/** Checks the state h0 [batch, units]; returns [B, units]. */
function checkState(op: string, h0: Tensor): [number, number] {
  if (h0.rank !== 2) throw new ValueError(`${op}: h0 must be [batch, units], got ${fmt(h0.shape)}`);
  const [B, u] = h0.shape;
  if (B < 1 || u < 1) throw new ValueError(`${op}: h0 must have a batch and units >= 1, got ${fmt(h0.shape)}`);
  expect(op, 'h0', h0, [B, u]);
  return [B, u];
}

/** A float32 output of the given shape, and an output like a given tensor. */
const f32 = (shape: number[]) => ({ shape, dtype: 'float32' as const });
const like = (t: Tensor) => ({ shape: t.shape, dtype: t.dtype });

/** Checks a source of `cols` columns per step and the state; returns [T, B]. */
function checkSource(op: string, source: Tensor[], cols: number, B: number): number {
  const first = source[0];
  if ((source.length !== 1 && source.length !== 3) || first.rank !== 3)
    throw new ValueError(
      `${op}: source must be [p [T, B, ${cols}]] or [x [T, B, depth], wx, b], got ${source.length} tensors, first ${fmt(first.shape)}`,
    );
  const [T] = first.shape;
  if (source.length === 1) expect(op, 'p', first, [T, B, cols]);
  else {
    const d = first.shape[2];
    expect(op, 'x', first, [T, B, d]);
    expect(op, 'wx', source[1], [d, cols]);
    expect(op, 'b', source[2], [cols]);
  }
  return T;
}

function checkOptions(op: string, B: number, opts: SequenceOptions): { lengths: Int32Array | null; chunk: number } {
  const lengths = opts.lengths ?? null;
  if (lengths && lengths.length !== B)
    throw new ValueError(`${op}: lengths must have one entry per batch row (${B}), got ${lengths.length}`);
  const chunk = opts.chunk ?? 8;
  if (!Number.isInteger(chunk) || chunk < 1) throw new ValueError(`${op}: chunk must be an integer >= 1, got ${chunk}`);
  return { lengths, chunk };
}

/** LSTMSequence's outputs. */
export interface LSTMSequenceResult {
  /** [T, B, u], zeros where a row has finished. */
  outputs: Tensor;
  c: Tensor;
  h: Tensor;
  /** [bound, B, 4u]: sig(i), tanh(j), sig(f + forgetBias), sig(o) per step. */
  acts: Tensor;
  /** [ceil(bound / chunk), B, u]: the block output c' of each chunk's last step (backprop recomputes the others). */
  cs: Tensor;
}

/**
 * The whole LSTM recurrence as the backend's LSTMSequence kernel (TF1's BasicLSTMCell, gate
 * order i, j, f, o, time-major; see kernels.ts). wh [u, 4u], c0 and h0 [B, u].
 */
export function lstmSequenceKernel(
  source: SequenceSource,
  wh: Tensor,
  c0: Tensor,
  h0: Tensor,
  forgetBias: number,
  opts: SequenceOptions = {},
): LSTMSequenceResult {
  const op = 'lstmSequenceKernel';
  const [B, u] = checkState(op, h0);
  expect(op, 'c0', c0, [B, u]);
  expect(op, 'wh', wh, [u, 4 * u]);
  const T = checkSource(op, source, 4 * u, B);
  const { lengths, chunk } = checkOptions(op, B, opts);
  const bound = sequenceBound(T, lengths);
  const [outputs, c, h, acts, cs] = ENGINE.runFused(
    'LSTMSequence',
    [...source, wh, c0, h0],
    { forgetBias, lengths, bound, chunk },
    [f32([T, B, u]), f32([B, u]), f32([B, u]), f32([bound, B, 4 * u]), f32([Math.ceil(bound / chunk), B, u])],
  );
  return { outputs, c, h, acts, cs };
}

/**
 * LSTMSequence's backprop through time as the backend's LSTMSequenceGrad kernel: from the
 * forward's inputs and results and the gradients of its outputs [T, B, u] and final (c, h),
 * [...the source's gradients (dp, or dx, dwx, db), dwh, dc0, dh0].
 */
export function lstmSequenceGradKernel(
  source: SequenceSource,
  wh: Tensor,
  c0: Tensor,
  h0: Tensor,
  fwd: Pick<LSTMSequenceResult, 'outputs' | 'acts' | 'cs'>,
  dy: Tensor,
  dc: Tensor,
  dh: Tensor,
  opts: SequenceOptions = {},
): Tensor[] {
  const op = 'lstmSequenceGradKernel';
  const [B, u] = checkState(op, h0);
  for (const [name, t] of [
    ['c0', c0],
    ['dc', dc],
    ['dh', dh],
  ] as const)
    expect(op, name, t, [B, u]);
  expect(op, 'wh', wh, [u, 4 * u]);
  const T = checkSource(op, source, 4 * u, B);
  const { lengths, chunk } = checkOptions(op, B, opts);
  const bound = sequenceBound(T, lengths);
  expect(op, 'outputs', fwd.outputs, [T, B, u]);
  expect(op, 'dy', dy, [T, B, u]);
  expect(op, 'acts', fwd.acts, [bound, B, 4 * u]);
  expect(op, 'cs', fwd.cs, [Math.ceil(bound / chunk), B, u]);
  return ENGINE.runFused(
    'LSTMSequenceGrad',
    [...source, wh, c0, h0, fwd.outputs, fwd.acts, fwd.cs, dy, dc, dh],
    { lengths, bound, chunk },
    [...source.map(like), like(wh), like(c0), like(h0)],
  );
}

/** GRUSequence's outputs. */
export interface GRUSequenceResult {
  /** [T, B, n], zeros where a row has finished. */
  outputs: Tensor;
  h: Tensor;
  /** [bound, B, 3n]: r, u and the candidate tanh(cPre) per step. */
  acts: Tensor;
}

/** Checks the GRU's recurrent weights and state; returns [B, n]. */
function checkGru(op: string, gh: Tensor, ch: Tensor, h0: Tensor): [number, number] {
  const [B, n] = checkState(op, h0);
  expect(op, 'gh', gh, [n, 2 * n]);
  expect(op, 'ch', ch, [n, n]);
  return [B, n];
}

/**
 * The whole GRU recurrence as the backend's GRUSequence kernel (TF1's GRUCell, time-major; see
 * kernels.ts). gh [n, 2n] and ch [n, n] are the recurrent rows of the gate and candidate kernels.
 */
export function gruSequenceKernel(
  source: SequenceSource,
  gh: Tensor,
  ch: Tensor,
  h0: Tensor,
  opts: SequenceOptions = {},
): GRUSequenceResult {
  const op = 'gruSequenceKernel';
  const [B, n] = checkGru(op, gh, ch, h0);
  const T = checkSource(op, source, 3 * n, B);
  const { lengths, chunk } = checkOptions(op, B, opts);
  const bound = sequenceBound(T, lengths);
  const [outputs, h, acts] = ENGINE.runFused('GRUSequence', [...source, gh, ch, h0], { lengths, bound, chunk }, [
    f32([T, B, n]),
    f32([B, n]),
    f32([bound, B, 3 * n]),
  ]);
  return { outputs, h, acts };
}

/**
 * GRUSequence's backprop through time as the backend's GRUSequenceGrad kernel: from the
 * forward's inputs and results and the gradients of its outputs and final h, [...the source's
 * gradients (dp, or dx, dwx, db), dgh, dch, dh0].
 */
export function gruSequenceGradKernel(
  source: SequenceSource,
  gh: Tensor,
  ch: Tensor,
  h0: Tensor,
  fwd: Pick<GRUSequenceResult, 'outputs' | 'acts'>,
  dy: Tensor,
  dh: Tensor,
  opts: SequenceOptions = {},
): Tensor[] {
  const op = 'gruSequenceGradKernel';
  const [B, n] = checkGru(op, gh, ch, h0);
  expect(op, 'dh', dh, [B, n]);
  const T = checkSource(op, source, 3 * n, B);
  const { lengths, chunk } = checkOptions(op, B, opts);
  const bound = sequenceBound(T, lengths);
  expect(op, 'outputs', fwd.outputs, [T, B, n]);
  expect(op, 'dy', dy, [T, B, n]);
  expect(op, 'acts', fwd.acts, [bound, B, 3 * n]);
  return ENGINE.runFused(
    'GRUSequenceGrad',
    [...source, gh, ch, h0, fwd.outputs, fwd.acts, dy, dh],
    { lengths, bound, chunk },
    [...source.map(like), like(gh), like(ch), like(h0)],
  );
}
