/** gatherNd, embeddingLookup and unsortedSegmentSum: TensorFlow's documented examples and loops from the definitions. */
import * as tf from '@tapeflow/core';
import fc from 'fast-check';
import type { Registry } from '../harness.js';
import { expectArrayEqual, expectShape, expectThrows } from '../harness.js';
import { arrOf, float, nonEmptyDim, shape } from './gen.js';
import { at, build, type Arr } from './reference.js';
import { T, check, expectArr, property } from './util.js';

/** out[b..., r...] = params[indices[b..., :], r...]. */
function gatherNdRef(p: Arr, idx: Arr): Arr {
  const k = idx.shape[idx.shape.length - 1];
  const batch = idx.shape.slice(0, -1);
  return build([...batch, ...p.shape.slice(k)], (o) => {
    const b = o.slice(0, batch.length);
    const lead = Array.from({ length: k }, (_, j) => at(idx, [...b, j]));
    return at(p, [...lead, ...o.slice(batch.length)]);
  });
}

export function gatherNdSuite(r: Registry): void {
  // tf.gather_nd's documentation (strings replaced by numbers): params [['a','b'],['c','d']] = [[1,2],[3,4]].
  r.test("gatherNd: TensorFlow's documented examples (elements, rows, batched, 3-D params)", () =>
    check(() => {
      const p = tf.tensor([
        [1, 2],
        [3, 4],
      ]);
      const i = (v: number[][] | number[][][], s: number[]): tf.Tensor => tf.tensor(v.flat(2), s, 'int32');
      expectArrayEqual(
        tf.gatherNd(
          p,
          i(
            [
              [0, 0],
              [1, 1],
            ],
            [2, 2],
          ),
        ),
        [1, 4],
      );
      const rows = tf.gatherNd(p, i([[1], [0]], [2, 1]));
      expectShape(rows, [2, 2]);
      expectArrayEqual(rows, [3, 4, 1, 2]);
      const batched = tf.gatherNd(p, i([[[0, 1]], [[1, 0]]], [2, 1, 2]));
      expectShape(batched, [2, 1]);
      expectArrayEqual(batched, [2, 3]);
      // [[['a0','b0'],['c0','d0']],[['a1','b1'],['c1','d1']]] as 10*level + position.
      const p3 = tf.tensor([
        [
          [0, 1],
          [2, 3],
        ],
        [
          [10, 11],
          [12, 13],
        ],
      ]);
      expectArrayEqual(
        tf.gatherNd(
          p3,
          i(
            [
              [0, 1],
              [1, 0],
            ],
            [2, 2],
          ),
        ),
        [2, 3, 10, 11],
      );
      expectArrayEqual(
        tf.gatherNd(
          p3,
          i(
            [
              [0, 0, 1],
              [1, 0, 1],
            ],
            [2, 3],
          ),
        ),
        [1, 11],
      );
      expectArrayEqual(
        tf.gatherNd(
          tf.tensor(
            [
              [1, 2],
              [3, 4],
            ],
            [2, 2],
            'int32',
          ),
          i([[1, 0]], [1, 2]),
        ),
        [3],
      );
    }),
  );

  r.test('gatherNd: an index out of range gives zeros (TF on a GPU); bad shapes and dtypes name the op', () =>
    check(() => {
      const p = tf.tensor([
        [1, 2],
        [3, 4],
      ]);
      expectArrayEqual(
        tf.gatherNd(
          p,
          tf.tensor(
            [
              [0, 2],
              [1, 0],
              [-1, 0],
            ],
            [3, 2],
            'int32',
          ),
        ),
        [0, 3, 0],
      );
      expectThrows(
        () => tf.gatherNd(p, tf.zeros([1, 3], 'int32')),
        tf.ValueError,
        /gatherNd/,
        /indices/,
        /\[1,3\]/,
        /\[2,2\]/,
      );
      expectThrows(() => tf.gatherNd(p, tf.zeros([1, 2])), TypeError, /gatherNd/, /indices/, /float32/);
    }),
  );

  r.test('gatherNd: property, random params, index depth and batch shapes vs a loop', (env) => {
    const arb = shape(1, 3, nonEmptyDim).chain((ps) =>
      fc
        .tuple(arrOf(ps, float), fc.integer({ min: 1, max: ps.length }), shape(1, 2, nonEmptyDim))
        .chain(([p, k, batch]) =>
          fc.tuple(
            fc.constant(p),
            fc
              .array(fc.tuple(...ps.slice(0, k).map((d) => fc.integer({ min: 0, max: d - 1 }))), {
                minLength: batch.reduce((a, b) => a * b, 1),
                maxLength: batch.reduce((a, b) => a * b, 1),
              })
              .map((rows): Arr => ({ shape: [...batch, k], data: rows.flat() })),
          ),
        ),
    );
    property(env, 25, arb, ([p, idx]) => expectArr(tf.gatherNd(T(p), T(idx, 'int32')), gatherNdRef(p, idx)));
  });

  r.test("embeddingLookup: one table, ids of any shape; shards split by TF1's mod and div strategies", () =>
    check(() => {
      const table = Array.from({ length: 5 }, (_, i) => [10 * i, 10 * i + 1]); // row i = [10i, 10i+1]
      const ids = tf.tensor(
        [
          [4, 0],
          [1, 3],
        ],
        [2, 2],
        'int32',
      );
      const expected = [40, 41, 0, 1, 10, 11, 30, 31];
      const y = tf.embeddingLookup(tf.tensor(table), ids);
      expectShape(y, [2, 2, 2]);
      expectArrayEqual(y, expected);
      expectArrayEqual(tf.embeddingLookup(table, ids), expected);
      // mod: shard 0 holds ids 0, 2, 4; shard 1 holds ids 1, 3.
      const mod = [tf.tensor([table[0], table[2], table[4]]), tf.tensor([table[1], table[3]])];
      expectArrayEqual(tf.embeddingLookup(mod, ids), expected);
      // div: shard 0 holds ids 0, 1, 2; shard 1 holds ids 3, 4.
      const div = [tf.tensor(table.slice(0, 3)), tf.tensor(table.slice(3))];
      expectArrayEqual(tf.embeddingLookup(div, ids, { partitionStrategy: 'div' }), expected);
      expectThrows(
        () => tf.embeddingLookup([tf.zeros([2, 3]), tf.zeros([2, 4])], ids),
        tf.ValueError,
        /embeddingLookup/,
        /params\[1\]/,
        /\[2,4\]/,
      );
      expectThrows(
        () => tf.embeddingLookup(tf.zeros([2, 3]), tf.zeros([2])),
        TypeError,
        /embeddingLookup/,
        /ids/,
        /float32/,
      );
    }),
  );

  // tf.math.unsorted_segment_sum's documentation: c = [[1,2,3,4],[5,6,7,8],[4,3,2,1]], ids [0, 1, 0].
  r.test("unsortedSegmentSum: TensorFlow's documented example; segment ids over the first two dims", () =>
    check(() => {
      const c = tf.tensor([
        [1, 2, 3, 4],
        [5, 6, 7, 8],
        [4, 3, 2, 1],
      ]);
      expectArrayEqual(tf.unsortedSegmentSum(c, tf.tensor([0, 1, 0], [3], 'int32'), 2), [5, 5, 5, 5, 5, 6, 7, 8]);
      const x = tf.tensor([
        [
          [1, 2],
          [3, 4],
        ],
        [
          [5, 6],
          [7, 8],
        ],
      ]);
      const y = tf.unsortedSegmentSum(
        x,
        tf.tensor(
          [
            [0, 2],
            [2, 2],
          ],
          [2, 2],
          'int32',
        ),
        3,
      );
      expectShape(y, [3, 2]);
      expectArrayEqual(y, [1, 2, 0, 0, 15, 18]);
      expectThrows(
        () => tf.unsortedSegmentSum(x, tf.zeros([2, 3], 'int32'), 3),
        tf.ValueError,
        /unsortedSegmentSum/,
        /segmentIds/,
        /\[2,3\]/,
        /\[2,2,2\]/,
      );
    }),
  );
}
