/** Composite ops for networks (softmax, logSoftmax, clipByValue, oneHot), built from the primitives. */
import { ValueError } from '../errors.js';
import { fmt, normalizeAxis } from '../shape.js';
import type { Tensor } from '../tensor.js';
import type { DType } from '../dtypes.js';
import { assertFloat, range, toTensor, type TensorLike } from './creation.js';
import { equal, maximum, minimum, sub, where, div } from './binary.js';
import { exp, log } from './unary.js';
import { max, sum } from './reduce.js';
import { expandDims } from './movement.js';
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
export const oneHot = op(
  'oneHot',
  (indices: TensorLike, depth: number, onValue: number = 1, offValue: number = 0, dtype: DType = 'float32'): Tensor => {
    const idx = toTensor(indices, 'oneHot', 'indices', 'int32');
    if (idx.dtype !== 'int32') throw new TypeError(`oneHot: indices must be int32, got ${idx.dtype} ${fmt(idx.shape)}`);
    if (!Number.isInteger(depth) || depth < 1)
      throw new ValueError(`oneHot: depth must be a positive integer, got ${depth}`);
    const hit = equal(expandDims(idx, -1), range(0, depth, 1, 'int32'));
    return where(hit, toTensor(onValue, 'oneHot', 'onValue', dtype), toTensor(offValue, 'oneHot', 'offValue', dtype));
  },
);
