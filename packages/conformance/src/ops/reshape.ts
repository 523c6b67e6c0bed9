/** reshape, transpose, expandDims, squeeze: pure data movement, so every check is exact. */
import * as tf from '@tapeflow/core';
import fc from 'fast-check';
import type { Registry } from '../harness.js';
import { expectArrayEqual, expectShape } from '../harness.js';
import { anyArr, axisOf, bool, float, int, permutationOf } from './gen.js';
import * as ref from './reference.js';
import { T, TOL, check, expectArr, property } from './util.js';

const dtypeAndValues = fc.constantFrom(['float32', float], ['int32', int], ['bool', bool]) as fc.Arbitrary<
  [tf.DType, fc.Arbitrary<number>]
>;
/** A random array of a random dtype (float32, int32 or bool): movement ops take them all. */
const anyDtypeArr = (minRank = 0, maxRank = 4) =>
  dtypeAndValues.chain(([dtype, v]) => fc.tuple(anyArr(v, minRank, maxRank), fc.constant(dtype)));

export function reshapeSuite(r: Registry): void {
  r.test('reshape: [2,3] -> [3,2] and [6] keeps row-major order', () =>
    check(() => {
      const x = tf.tensor([
        [1, 2, 3],
        [4, 5, 6],
      ]);
      const y = tf.reshape(x, [3, 2]);
      expectShape(y, [3, 2]);
      expectArrayEqual(y, [1, 2, 3, 4, 5, 6]);
      expectShape(tf.reshape(x, [6]), [6]);
    }),
  );

  r.test('reshape: -1 infers one dim; scalar <-> [1,1]', () =>
    check(() => {
      const x = tf.tensor([1, 2, 3, 4, 5, 6, 7, 8]);
      expectShape(tf.reshape(x, [2, -1, 2]), [2, 2, 2]);
      expectShape(tf.reshape(x, [-1]), [8]);
      const s = tf.reshape(tf.scalar(3), [1, 1]);
      expectShape(s, [1, 1]);
      expectShape(tf.reshape(s, []), []);
      expectArrayEqual(tf.reshape(s, []), [3]);
    }),
  );

  r.test('reshape: empty tensors [0,3] -> [3,0] and [0]', () =>
    check(() => {
      const x = tf.zeros([0, 3]);
      expectShape(tf.reshape(x, [3, 0]), [3, 0]);
      expectShape(tf.reshape(x, [0]), [0]);
    }),
  );

  r.test('transpose: default perm reverses the axes', () =>
    check(() => {
      const y = tf.transpose(
        tf.tensor([
          [1, 2, 3],
          [4, 5, 6],
        ]),
      );
      expectShape(y, [3, 2]);
      expectArrayEqual(y, [1, 4, 2, 5, 3, 6]);
      const z = tf.transpose(
        tf.tensor([
          [
            [1, 2],
            [3, 4],
          ],
          [
            [5, 6],
            [7, 8],
          ],
        ]),
      );
      expectShape(z, [2, 2, 2]);
      expectArrayEqual(z, [1, 5, 3, 7, 2, 6, 4, 8]);
    }),
  );

  r.test('transpose: perm [1,0,2] on [2,3,1] and bool/int32 dtypes', () =>
    check(() => {
      const x = tf.tensor([
        [[1], [2], [3]],
        [[4], [5], [6]],
      ]);
      const y = tf.transpose(x, [1, 0, 2]);
      expectShape(y, [3, 2, 1]);
      expectArrayEqual(y, [1, 4, 2, 5, 3, 6]);
      const b = tf.transpose(
        tf.tensor([
          [true, false],
          [false, false],
        ]),
      );
      if (b.dtype !== 'bool') throw new Error(`transpose of bool gave ${b.dtype}`);
      expectArrayEqual(b, [1, 0, 0, 0]);
      expectArrayEqual(tf.transpose(tf.tensor([[1, 2]], [1, 2], 'int32')), [1, 2]);
    }),
  );

  r.test('expandDims: axis 0, last, and negative', () =>
    check(() => {
      const x = tf.tensor([
        [1, 2, 3],
        [4, 5, 6],
      ]);
      expectShape(tf.expandDims(x), [1, 2, 3]);
      expectShape(tf.expandDims(x, 1), [2, 1, 3]);
      expectShape(tf.expandDims(x, 2), [2, 3, 1]);
      expectShape(tf.expandDims(x, -1), [2, 3, 1]);
      expectShape(tf.expandDims(x, -3), [1, 2, 3]);
      expectArrayEqual(tf.expandDims(x, 1), [1, 2, 3, 4, 5, 6]);
      expectShape(tf.expandDims(tf.scalar(1)), [1]);
    }),
  );

  r.test('squeeze: all size-1 axes, chosen axes, negative axes', () =>
    check(() => {
      const x = tf.zeros([1, 2, 1, 3, 1]);
      expectShape(tf.squeeze(x), [2, 3]);
      expectShape(tf.squeeze(x, 0), [2, 1, 3, 1]);
      expectShape(tf.squeeze(x, [2, -1]), [1, 2, 3]);
      expectShape(tf.squeeze(tf.tensor([[5]])), []);
      expectArrayEqual(tf.squeeze(tf.tensor([[5]])), [5]);
    }),
  );

  // ---- properties ------------------------------------------------------------------------------

  r.test('transpose: property, random perms of random shapes and dtypes', (env) => {
    const arb = anyDtypeArr().chain(([a, dtype]) =>
      fc.tuple(fc.constant(a), fc.constant(dtype), permutationOf(a.shape.length)),
    );
    property(env, 50, arb, ([a, dtype, perm]) =>
      expectArr(tf.transpose(T(a, dtype), perm), ref.transpose(a, perm), TOL.exact),
    );
  });

  r.test('reshape: property, to a random factorization keeps the flat values', (env) => {
    // Target: a shuffle of the dims plus two 1s, with one adjacent pair merged - same size, new layout.
    const arb = anyDtypeArr().chain(([a, dtype]) => {
      const n = a.shape.length + 2;
      return fc.tuple(
        fc.constant(a),
        fc.constant(dtype),
        fc.shuffledSubarray([...a.shape, 1, 1], { minLength: n, maxLength: n }),
        fc.integer({ min: 0, max: n - 2 }),
      );
    });
    property(env, 30, arb, ([a, dtype, dims, i]) => {
      const s = [...dims.slice(0, i), dims[i] * dims[i + 1], ...dims.slice(i + 2)];
      expectArr(tf.reshape(T(a, dtype), s), ref.arr(s, a.data), TOL.exact);
      expectArr(tf.reshape(T(a, dtype), [-1]), ref.arr([ref.size(a.shape)], a.data), TOL.exact);
    });
  });

  r.test('expandDims then squeeze: property, round-trips at any axis', (env) => {
    const arb = anyDtypeArr(0, 3).chain(([a, dtype]) =>
      fc.tuple(fc.constant(a), fc.constant(dtype), axisOf(a.shape.length + 1)),
    );
    property(env, 30, arb, ([a, dtype, axis]) => {
      const e = tf.expandDims(T(a, dtype), axis);
      const k = axis < 0 ? axis + a.shape.length + 1 : axis;
      const s = [...a.shape];
      s.splice(k, 0, 1);
      expectArr(e, ref.arr(s, a.data), TOL.exact);
      expectArr(tf.squeeze(e, axis), a, TOL.exact);
    });
  });
}
