/** Indexed reads and their reverse: gather (the Gather kernel) and unsortedSegmentSum, its gradient. */
import { ENGINE } from '../engine.js';
import { ValueError } from '../errors.js';
import { fmt, normalizeAxis, shapesEqual } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { toTensor, type TensorLike } from './creation.js';
import { reshape } from './movement.js';
import { op } from './op.js';

/** Takes slices of x along `axis` at `indices` (int32, any shape). */
export const gather = op('gather', (x: TensorLike, indices: TensorLike, axis: number = 0): Tensor => {
  const t = toTensor(x, 'gather', 'x');
  const idx = toTensor(indices, 'gather', 'indices', 'int32');
  if (idx.dtype !== 'int32') throw new TypeError(`gather: indices must be int32, got ${idx.dtype} ${fmt(idx.shape)}`);
  const a = normalizeAxis(axis, t.rank, 'gather', 'axis', t.shape);
  const flat = idx.rank === 1 ? idx : reshape(idx, [idx.size]);
  const flatShape = t.shape.map((d, i) => (i === a ? idx.size : d));
  const y = ENGINE.runKernel('Gather', [t, flat], { axis: a }, { shape: flatShape, dtype: t.dtype });
  if (idx.rank === 1) return y;
  return reshape(y, [...t.shape.slice(0, a), ...idx.shape, ...t.shape.slice(a + 1)]);
});

/**
 * Sums slices of x with the same segment id: out[s] = sum over {i : ids[i] = s} of x[i], where
 * segmentIds has the shape of x's first k dims (TF's unsorted_segment_sum); out is
 * [numSegments, ...x.shape[k:]]. Ids outside [0, numSegments) are dropped.
 */
export const unsortedSegmentSum = op(
  'unsortedSegmentSum',
  (x: TensorLike, segmentIds: TensorLike, numSegments: number): Tensor => {
    const t = toTensor(x, 'unsortedSegmentSum', 'x');
    const ids = toTensor(segmentIds, 'unsortedSegmentSum', 'segmentIds', 'int32');
    if (ids.dtype !== 'int32' || ids.rank < 1 || !shapesEqual(ids.shape, t.shape.slice(0, ids.rank))) {
      throw new ValueError(
        `unsortedSegmentSum: segmentIds must be int32 with the shape of the first dims of x; x ${fmt(t.shape)}, segmentIds ${ids.dtype} ${fmt(ids.shape)}`,
      );
    }
    if (!Number.isInteger(numSegments) || numSegments < 0)
      throw new ValueError(`unsortedSegmentSum: numSegments must be a non-negative integer, got ${numSegments}`);
    const rest = t.shape.slice(ids.rank);
    const [rows, flatIds] = ids.rank === 1 ? [t, ids] : [reshape(t, [ids.size, ...rest]), reshape(ids, [ids.size])];
    return ENGINE.runKernel(
      'UnsortedSegmentSum',
      [rows, flatIds],
      { numSegments },
      { shape: [numSegments, ...rest], dtype: t.dtype },
    );
  },
);
