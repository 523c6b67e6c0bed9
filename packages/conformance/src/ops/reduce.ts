/** sum, mean, max, min over axes (none, one, several, negative), with and without keepDims. */
import * as tf from '@tapeflow/core';
import fc from 'fast-check';
import type { Registry } from '../harness.js';
import { expectArrayEqual, expectClose, expectShape } from '../harness.js';
import { anyArr, axesOf, float, int, nonEmptyDim, resolveAxes } from './gen.js';
import * as ref from './reference.js';
import { T, TOL, check, expectArr, expectArrWithin, property, sumTol } from './util.js';

type Reduce = (x: tf.TensorLike, axis?: number | number[] | null, keepDims?: boolean) => tf.Tensor;

export function reduceSuite(r: Registry): void {
  const m = [
    [1, 2, 3],
    [4, 5, 6],
  ];

  r.test('sum: all axes, axis 0, axis 1, axis -1, keepDims', () =>
    check(() => {
      const x = tf.tensor(m);
      const all = tf.sum(x);
      expectShape(all, []);
      expectArrayEqual(all, [21]);
      expectArrayEqual(tf.sum(x, 0), [5, 7, 9]);
      expectArrayEqual(tf.sum(x, 1), [6, 15]);
      expectArrayEqual(tf.sum(x, -1), [6, 15]);
      const k = tf.sum(x, 1, true);
      expectShape(k, [2, 1]);
      expectArrayEqual(k, [6, 15]);
      const k2 = tf.sum(x, [0, 1], true);
      expectShape(k2, [1, 1]);
      expectArrayEqual(k2, [21]);
    }),
  );

  r.test('sum: int32 stays int32; bool counts trues as int32', () =>
    check(() => {
      const i = tf.sum(tf.tensor(m, [2, 3], 'int32'), 0);
      if (i.dtype !== 'int32') throw new Error(`sum of int32 gave ${i.dtype}`);
      expectArrayEqual(i, [5, 7, 9]);
      const b = tf.sum(
        tf.tensor([
          [true, false, true],
          [true, true, true],
        ]),
        1,
      );
      if (b.dtype !== 'int32') throw new Error(`sum of bool gave ${b.dtype}`);
      expectArrayEqual(b, [2, 3]);
    }),
  );

  r.test('sum: empty axis list is a copy; empty tensor sums to 0', () =>
    check(() => {
      const x = tf.tensor(m);
      const y = tf.sum(x, []);
      expectShape(y, [2, 3]);
      expectArrayEqual(y, [1, 2, 3, 4, 5, 6]);
      expectArrayEqual(tf.sum(tf.zeros([0, 3]), 0), [0, 0, 0]);
      expectArrayEqual(tf.sum(tf.zeros([0])), [0]);
    }),
  );

  r.test('sum: scalar input', () =>
    check(() => {
      const y = tf.sum(tf.scalar(4.5));
      expectShape(y, []);
      expectArrayEqual(y, [4.5]);
    }),
  );

  r.test('mean: all, per axis, keepDims; 3-D over two axes', () =>
    check(() => {
      const x = tf.tensor(m);
      expectClose(tf.mean(x), [3.5], TOL.arith);
      expectClose(tf.mean(x, 0), [2.5, 3.5, 4.5], TOL.arith);
      expectClose(tf.mean(x, -1, true), [2, 5], TOL.arith);
      expectShape(tf.mean(x, -1, true), [2, 1]);
      const y = tf.mean(
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
        [0, 2],
      );
      expectShape(y, [2]);
      expectClose(y, [3.5, 5.5], TOL.arith);
    }),
  );

  r.test('max and min: per axis, negatives, keepDims, int32', () =>
    check(() => {
      const x = tf.tensor([
        [-1, 7, 3],
        [4, -5, 6],
      ]);
      expectArrayEqual(tf.max(x), [7]);
      expectArrayEqual(tf.min(x), [-5]);
      expectArrayEqual(tf.max(x, 0), [4, 7, 6]);
      expectArrayEqual(tf.min(x, 1), [-1, -5]);
      expectShape(tf.max(x, -1, true), [2, 1]);
      expectArrayEqual(tf.max(x, -1, true), [7, 6]);
      expectArrayEqual(
        tf.max(
          tf.tensor(
            [
              [-1, 7, 3],
              [4, -5, 6],
            ],
            [2, 3],
            'int32',
          ),
          1,
        ),
        [7, 6],
      );
      expectArrayEqual(
        tf.min(
          tf.tensor(
            [
              [-1, 7, 3],
              [4, -5, 6],
            ],
            [2, 3],
            'int32',
          ),
          0,
        ),
        [-1, -5, 3],
      );
    }),
  );

  r.test('max and min: all-negative rows (no hidden 0 initial value)', () =>
    check(() => {
      const x = tf.tensor([
        [-3, -2, -9],
        [-8, -7, -1],
      ]);
      expectArrayEqual(tf.max(x, 1), [-2, -1]);
      expectArrayEqual(tf.min(tf.neg(x), 1), [2, 1]);
    }),
  );

  r.test('max: Infinity and -Infinity pass through', () =>
    check(() => {
      expectArrayEqual(
        tf.max(
          tf.tensor([
            [-Infinity, -Infinity],
            [1, Infinity],
          ]),
          1,
        ),
        [-Infinity, Infinity],
      );
      expectArrayEqual(
        tf.min(
          tf.tensor([
            [-Infinity, 0],
            [1, Infinity],
          ]),
          1,
        ),
        [-Infinity, 1],
      );
    }),
  );

  // NumPy, TensorFlow and PyTorch propagate NaN through max/min: a NaN anywhere in a row must
  // not be hidden by a comparison that happens to prefer the other operand.
  r.test('max and min: a NaN anywhere in the reduced row makes the result NaN', () =>
    check(() => {
      const rows = [
        [NaN, 1, 2],
        [1, NaN, 2],
        [1, 2, NaN],
        [-Infinity, NaN, Infinity],
        [1, 2, 3],
      ];
      expectArrayEqual(tf.max(tf.tensor(rows), 1), [NaN, NaN, NaN, NaN, 3]);
      expectArrayEqual(tf.min(tf.tensor(rows), 1), [NaN, NaN, NaN, NaN, 1]);
      expectArrayEqual(tf.max(tf.tensor([3, NaN])), [NaN]);
    }),
  );

  // ---- properties: random shapes, random axes lists, keepDims ---------------------------------

  const withAxes = (value: fc.Arbitrary<number>, d?: fc.Arbitrary<number>) =>
    anyArr(value, 0, 4, d).chain((a) => fc.tuple(fc.constant(a), axesOf(a.shape.length), fc.boolean()));

  const sumLike: [string, Reduce, (a: ref.Arr, axes: number[], k: boolean) => ref.Arr][] = [
    ['sum', tf.sum, ref.sum],
    ['mean', tf.mean, ref.mean],
  ];
  for (const [name, f, g] of sumLike) {
    r.test(`${name}: property, float32 random shapes, axes and keepDims`, (env) => {
      property(env, 40, withAxes(float), ([a, axis, keepDims]) => {
        const axes = resolveAxes(axis, a.shape.length);
        const bound = g(ref.map(a, Math.abs), axes, keepDims);
        expectArrWithin(f(T(a), axis, keepDims), g(a, axes, keepDims), sumTol(bound));
      });
    });
  }

  // Longer reductions (up to 9^3 elements) exercise the accumulation order and any blocking.
  r.test('sum and mean: property, larger float32 tensors (dims up to 9)', (env) => {
    property(
      env,
      15,
      withAxes(float, fc.integer({ min: 1, max: 9 })).filter(([a]) => a.shape.length <= 3),
      ([a, axis, keepDims]) => {
        const axes = resolveAxes(axis, a.shape.length);
        expectArrWithin(
          tf.sum(T(a), axis, keepDims),
          ref.sum(a, axes, keepDims),
          sumTol(ref.sum(ref.map(a, Math.abs), axes, keepDims)),
        );
        expectArrWithin(
          tf.mean(T(a), axis, keepDims),
          ref.mean(a, axes, keepDims),
          sumTol(ref.mean(ref.map(a, Math.abs), axes, keepDims)),
        );
      },
    );
  });

  r.test('sum: property, int32 and bool are exact', (env) => {
    property(env, 20, withAxes(int), ([a, axis, keepDims]) => {
      const axes = resolveAxes(axis, a.shape.length);
      expectArr(tf.sum(T(a, 'int32'), axis, keepDims), ref.sum(a, axes, keepDims));
      const b = ref.map(a, (v) => (v > 0 ? 1 : 0));
      expectArr(tf.sum(T(b, 'bool'), axis, keepDims), ref.sum(b, axes, keepDims));
    });
  });

  // max/min of an empty set has no value in int32, so these draw non-empty dims.
  const extremes: [string, Reduce, (a: ref.Arr, axes: number[], k: boolean) => ref.Arr][] = [
    ['max', tf.max, ref.max],
    ['min', tf.min, ref.min],
  ];
  for (const [name, f, g] of extremes) {
    r.test(`${name}: property, float32 and int32 random shapes, axes and keepDims`, (env) => {
      property(env, 30, withAxes(float, nonEmptyDim), ([a, axis, keepDims]) => {
        const axes = resolveAxes(axis, a.shape.length);
        expectArr(f(T(a), axis, keepDims), g(a, axes, keepDims), TOL.exact);
        const ai = ref.map(a, Math.round);
        expectArr(f(T(ai, 'int32'), axis, keepDims), g(ai, axes, keepDims));
      });
    });
  }
}
