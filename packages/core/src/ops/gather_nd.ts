/** gatherNd and embeddingLookup, composed from gather (whose gradient is a segment sum). */
import { ValueError } from '../errors.js';
import { fmt, shapesEqual, sizeOf, stridesOf } from '../shape.js';
import { Tensor } from '../tensor.js';
import { tensor, toTensor, type TensorLike } from './creation.js';
import { add, div, greaterEqual, less, logicalAnd, mul, sub, where } from './binary.js';
import { all, sum } from './reduce.js';
import { concat, reshape } from './movement.js';
import { gather } from './gather.js';
import { op } from './op.js';

/**
 * Slices of params at multi-indices: indices is int32 [..., K] (K <= rank of params), the output
 * indices.shape[:-1] + params.shape[K:] (TF's gather_nd). Each index row becomes a flat row
 * number of params seen as [prod(shape[:K]), ...shape[K:]]. A row with a component out of range
 * gives zeros, as TensorFlow does on a GPU (its CPU kernel raises, which needs a read-back).
 */
export const gatherNd = op('gatherNd', (params: TensorLike, indices: TensorLike): Tensor => {
  const p = toTensor(params, 'gatherNd', 'params');
  const idx = toTensor(indices, 'gatherNd', 'indices', 'int32');
  if (idx.dtype !== 'int32') throw new TypeError(`gatherNd: indices must be int32, got ${idx.dtype} ${fmt(idx.shape)}`);
  const k = idx.shape[idx.rank - 1];
  if (idx.rank < 1 || k > p.rank) {
    throw new ValueError(
      `gatherNd: indices ${fmt(idx.shape)} must have rank >= 1 and a last dim <= rank of params ${fmt(p.shape)}`,
    );
  }
  const lead = p.shape.slice(0, k);
  const rest = p.shape.slice(k);
  const batch = idx.shape.slice(0, -1);
  const rowsOfIdx = reshape(idx, [sizeOf(batch), k]);
  const inRange = all(logicalAnd(greaterEqual(rowsOfIdx, 0), less(rowsOfIdx, tensor(lead, [k], 'int32'))), 1);
  const flat = sum(mul(rowsOfIdx, tensor(stridesOf(lead), [k], 'int32')), 1);
  const rows = gather(reshape(p, [sizeOf(lead), ...rest]), where(inRange, flat, 0), 0);
  const kept = where(reshape(inRange, [inRange.size, ...rest.map(() => 1)]), rows, 0);
  return reshape(kept, [...batch, ...rest]);
});

export interface EmbeddingLookupOptions {
  /** How ids are spread over a list of shards (TF1's default 'mod': id i lives in shard i % n, row i / n). */
  partitionStrategy?: 'mod' | 'div';
}

/**
 * Rows of params at ids (any shape), TF1's embedding_lookup: out is ids.shape + params.shape[1:].
 * params may be a list of shards with the same trailing dims, partitioned as TF partitions them.
 */
export const embeddingLookup = op(
  'embeddingLookup',
  (params: TensorLike | readonly TensorLike[], ids: TensorLike, opts: EmbeddingLookupOptions = {}): Tensor => {
    // A list holding Tensors is a list of shards; any other array is the values of one table.
    const list = Array.isArray(params) && params.some((t) => t instanceof Tensor);
    const shards = (list ? (params as readonly TensorLike[]) : [params as TensorLike]).map((t, i) =>
      toTensor(t, 'embeddingLookup', list ? `params[${i}]` : 'params'),
    );
    if (shards.length === 0)
      throw new ValueError('embeddingLookup: params must be a tensor or a non-empty list of shards');
    const id = toTensor(ids, 'embeddingLookup', 'ids', 'int32');
    if (id.dtype !== 'int32')
      throw new TypeError(`embeddingLookup: ids must be int32, got ${id.dtype} ${fmt(id.shape)}`);
    const { partitionStrategy = 'mod' } = opts;
    if (partitionStrategy !== 'mod' && partitionStrategy !== 'div') {
      throw new ValueError(
        `embeddingLookup: partitionStrategy must be 'mod' or 'div', got ${JSON.stringify(partitionStrategy)}`,
      );
    }
    shards.forEach((s, i) => {
      if (s.rank < 1 || !shapesEqual(s.shape.slice(1), shards[0].shape.slice(1)) || s.dtype !== shards[0].dtype) {
        throw new ValueError(
          `embeddingLookup: every shard must be ${shards[0].dtype} [rows, ${shards[0].shape.slice(1).join(',')}]; params[${i}] is ${s.dtype} ${fmt(s.shape)}`,
        );
      }
    });
    if (shards.length === 1) return gather(shards[0], id, 0);
    const table = concat(shards, 0);
    // 'div' keeps ids contiguous, so the concatenated shards are in id order already.
    if (partitionStrategy === 'div') return gather(table, id, 0);
    const n = shards.length;
    const local = div(id, n); // floor division: the row inside the shard
    const shard = sub(id, mul(local, n));
    const starts = tensor(
      shards.map((_, i) => shards.slice(0, i).reduce((s, t) => s + t.shape[0], 0)),
      [n],
      'int32',
    );
    return gather(table, add(gather(starts, shard), local), 0);
  },
);
