/**
 * The conformance suite's float64 reference is itself an oracle, so it is checked here against
 * hand-computed values, gl-matrix and algebraic identities (no backend involved).
 */
import test from 'ava';
import fc from 'fast-check';
import { mat3, mat4 } from 'gl-matrix';
import { FC_SEED } from '../src/harness.js';
import * as R from '../src/ops/reference.js';
import { anyArr, int, permutationOf } from '../src/ops/gen.js';

const params = { seed: FC_SEED, numRuns: 100 };
/** -0 and 0 are the same number here (deepEqual tells them apart). */
const z = (xs: ArrayLike<number>): number[] => Array.from(xs, (v) => v + 0);
const A23 = R.arr([2, 3], [1, 2, 3, 4, 5, 6]);

test('zip broadcasts [2,3] with [3] and [2,1]', (t) => {
  t.deepEqual(R.zip(A23, R.arr([3], [10, 20, 30]), (x, y) => x + y).data, [11, 22, 33, 14, 25, 36]);
  t.deepEqual(R.zip(A23, R.arr([2, 1], [1, -1]), (x, y) => x * y).data, [1, 2, 3, -4, -5, -6]);
  t.deepEqual(R.broadcastShape([8, 1, 6, 1], [7, 1, 5]), [8, 7, 6, 5]);
  t.is(R.broadcastShape([2], [3]), null);
});

test('reductions over axes, with keepDims', (t) => {
  t.deepEqual(R.sum(A23, [0]), R.arr([3], [5, 7, 9]));
  t.deepEqual(R.sum(A23, [1], true), R.arr([2, 1], [6, 15]));
  t.deepEqual(R.sum(A23, [0, 1]), R.arr([], [21]));
  t.deepEqual(R.max(A23, [1]).data, [3, 6]);
  t.deepEqual(R.min(A23, [0]).data, [1, 2, 3]);
  t.deepEqual(R.mean(A23, [1]).data, [2, 5]);
});

test('matmul agrees with gl-matrix (column-major: multiply(out, B, A) is A·B row-major)', (t) => {
  const m = fc.array(fc.integer({ min: -9, max: 9 }), { minLength: 16, maxLength: 16 });
  fc.assert(
    fc.property(m, m, (a, b) => {
      t.deepEqual(
        z(R.matmul(R.arr([4, 4], a), R.arr([4, 4], b)).value.data),
        z(mat4.multiply(new Array(16).fill(0), b, a)),
      );
      const a3 = a.slice(0, 9),
        b3 = b.slice(0, 9);
      t.deepEqual(
        z(R.matmul(R.arr([3, 3], a3), R.arr([3, 3], b3), true, true).value.data),
        z(
          mat3.multiply(
            new Array(9).fill(0),
            mat3.transpose(new Array(9).fill(0), b3),
            mat3.transpose(new Array(9).fill(0), a3),
          ),
        ),
      );
    }),
    params,
  );
});

test('matmul: batch broadcast and hand values', (t) => {
  const { value, absDot } = R.matmul(R.arr([2, 2], [1, 2, 3, 4]), R.arr([2, 2], [5, -6, 7, 8]));
  t.deepEqual(value.data, [19, 10, 43, 14]);
  t.deepEqual(absDot.data, [19, 22, 43, 50]);
  const batched = R.matmul(R.arr([2, 1, 1, 1], [1, 2]), R.arr([3, 1, 1], [1, 2, 3]));
  t.deepEqual(batched.value, R.arr([2, 3, 1, 1], [1, 2, 3, 2, 4, 6]));
});

test('transpose, slice, concat, pad, reverse, gather, tile, reverseSequence by hand', (t) => {
  t.deepEqual(R.transpose(A23, [1, 0]).data, [1, 4, 2, 5, 3, 6]);
  t.deepEqual(R.slice(A23, [0, 1], [2, 2]).data, [2, 3, 5, 6]);
  t.deepEqual(R.concat([A23, R.arr([2, 1], [7, 8])], 1).data, [1, 2, 3, 7, 4, 5, 6, 8]);
  t.deepEqual(R.pad(R.arr([2], [1, 2]), [[1, 2]], 0).data, [0, 1, 2, 0, 0]);
  t.deepEqual(R.reverse(A23, [0, 1]).data, [6, 5, 4, 3, 2, 1]);
  t.deepEqual(R.gather(A23, R.arr([2], [1, 1]), 0).data, [4, 5, 6, 4, 5, 6]);
  t.deepEqual(R.gather(A23, R.arr([1], [2]), 1).data, [3, 6]);
  t.deepEqual(R.tile(R.arr([2], [1, 2]), [3]).data, [1, 2, 1, 2, 1, 2]);
  t.deepEqual(R.reverseSequence(R.arr([2, 3], [1, 2, 3, 4, 5, 6]), [2, 3], 1, 0).data, [2, 1, 3, 6, 5, 4]);
  t.deepEqual(R.oneHot(R.arr([2], [1, 3]), 3).data, [0, 1, 0, 0, 0, 0]);
  t.deepEqual(R.sequenceMask(R.arr([2], [1, 0]), 2).data, [1, 0, 0, 0]);
});

test('softmax sums to 1 and logSoftmax is its log', (t) => {
  const s = R.softmax(A23, 1);
  for (const v of R.sum(s, [1]).data) t.true(Math.abs(v - 1) < 1e-12);
  const l = R.logSoftmax(A23, 1);
  l.data.forEach((v, i) => t.true(Math.abs(v - Math.log(s.data[i])) < 1e-12));
});

test('property: transpose by a perm then its inverse is the identity; concat inverts split', (t) => {
  const arb = anyArr(int, 0, 4).chain((a) => fc.tuple(fc.constant(a), permutationOf(a.shape.length)));
  fc.assert(
    fc.property(arb, ([a, perm]) => {
      const inv = perm.map((_, i) => perm.indexOf(i));
      t.deepEqual(R.transpose(R.transpose(a, perm), inv), a);
      if (a.shape.length > 0) {
        const d = a.shape[0];
        t.deepEqual(R.concat(R.split(a, [Math.floor(d / 2), d - Math.floor(d / 2)], 0), 0), a);
      }
    }),
    params,
  );
});
