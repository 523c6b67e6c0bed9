/** Composite ops for networks and sequences, built from the primitives. */
import { ENGINE } from '../engine.js';
import { ValueError } from '../errors.js';
import { fmt, normalizeAxis } from '../shape.js';
import type { Tensor } from '../tensor.js';
import type { DType } from '../dtypes.js';
import { assertFloat, range, toTensor, type TensorLike } from './creation.js';
import { equal, less, maximum, minimum, sub, where, div } from './binary.js';
import { exp, log, cast } from './unary.js';
import { max, sum } from './reduce.js';
import { expandDims } from './shape_ops.js';
import { op } from './op.js';

/** exp(x - max) / sum(exp(x - max)): shifting by the max keeps exp from overflowing. */
export const softmax = op('softmax', (logits: TensorLike, axis: number = -1): Tensor => {
  const x = toTensor(logits, 'softmax', 'logits');
  assertFloat(x, 'softmax', 'logits');
  const a = normalizeAxis(axis, x.rank, 'softmax', 'axis', x.shape);
  const e = exp(sub(x, max(x, a, true)));
  return div(e, sum(e, a, true));
});

export const logSoftmax = op('logSoftmax', (logits: TensorLike, axis: number = -1): Tensor => {
  const x = toTensor(logits, 'logSoftmax', 'logits');
  assertFloat(x, 'logSoftmax', 'logits');
  const a = normalizeAxis(axis, x.rank, 'logSoftmax', 'axis', x.shape);
  const shifted = sub(x, max(x, a, true));
  return sub(shifted, log(sum(exp(shifted), a, true)));
});

export const clipByValue = op('clipByValue', (x: TensorLike, clipMin: number, clipMax: number): Tensor => {
  const t = toTensor(x, 'clipByValue', 'x');
  if (!(clipMin <= clipMax)) throw new ValueError(`clipByValue: clipMin (${clipMin}) must be <= clipMax (${clipMax})`);
  return minimum(maximum(t, clipMin), clipMax);
});

/** indices (int32) -> one-hot vectors of `depth` along a new last axis. */
export const oneHot = op('oneHot', (indices: TensorLike, depth: number, onValue: number = 1, offValue: number = 0, dtype: DType = 'float32'): Tensor => {
  const idx = toTensor(indices, 'oneHot', 'indices', 'int32');
  if (idx.dtype !== 'int32') throw new TypeError(`oneHot: indices must be int32, got ${idx.dtype} ${fmt(idx.shape)}`);
  if (!Number.isInteger(depth) || depth < 1) throw new ValueError(`oneHot: depth must be a positive integer, got ${depth}`);
  const hit = equal(expandDims(idx, -1), range(0, depth, 1, 'int32'));
  return where(hit, toTensor(onValue, 'oneHot', 'onValue', dtype), toTensor(offValue, 'oneHot', 'offValue', dtype));
});

/** mask[..., j] = j < lengths[...]; maxLen defaults to max(lengths) (read back from the backend). */
export const sequenceMask = op('sequenceMask', (lengths: TensorLike, maxLen?: number, dtype: DType = 'bool'): Tensor => {
  const len = toTensor(lengths, 'sequenceMask', 'lengths', 'int32');
  if (len.dtype !== 'int32') throw new TypeError(`sequenceMask: lengths must be int32, got ${len.dtype} ${fmt(len.shape)}`);
  const m = maxLen ?? Math.max(0, ...len.dataSync());
  if (!Number.isInteger(m) || m < 0) throw new ValueError(`sequenceMask: maxLen must be a non-negative integer, got ${maxLen}`);
  const mask = less(range(0, m, 1, 'int32'), expandDims(len, -1));
  return dtype === 'bool' ? mask : cast(mask, dtype);
});

/** Reverses the first seqLengths[b] entries of x along seqAxis for every b along batchAxis. */
export const reverseSequence = op('reverseSequence', (x: TensorLike, seqLengths: TensorLike, seqAxis: number, batchAxis: number = 0): Tensor => {
  const t = toTensor(x, 'reverseSequence', 'x');
  const lens = toTensor(seqLengths, 'reverseSequence', 'seqLengths', 'int32');
  const s = normalizeAxis(seqAxis, t.rank, 'reverseSequence', 'seqAxis', t.shape);
  const b = normalizeAxis(batchAxis, t.rank, 'reverseSequence', 'batchAxis', t.shape);
  if (s === b) throw new ValueError(`reverseSequence: seqAxis and batchAxis must differ, both are ${s}`);
  if (lens.dtype !== 'int32' || lens.rank !== 1 || lens.shape[0] !== t.shape[b]) {
    throw new ValueError(`reverseSequence: seqLengths must be an int32 vector of length x.shape[${b}] = ${t.shape[b]}; ` +
      `got ${lens.dtype} ${fmt(lens.shape)} for x ${fmt(t.shape)}`);
  }
  return ENGINE.runKernel('ReverseSequence', [t, lens], { seqAxis: s, batchAxis: b }, { shape: t.shape, dtype: t.dtype });
});
