/** prod, any, all, logSumExp: TensorFlow's documented examples, edge cases, properties against reference.reduce. */
import * as tf from '@tapeflow/core';
import fc from 'fast-check';
import type { Registry } from '../harness.js';
import { expectArrayEqual, expectClose, expectShape, expectThrows } from '../harness.js';
import { anyArr, axesOf, bool, floatIn, resolveAxes } from './gen.js';
import * as ref from './reference.js';
import { T, TOL, check, expectArr, expectArrWithin, property } from './util.js';

const logSumExpRef = (a: ref.Arr, axes: number[], keepDims: boolean): ref.Arr => {
  const m = ref.max(a, axes, true);
  const shifted = ref.zip(a, m, (v, mm) => Math.exp(v - (Number.isFinite(mm) ? mm : 0)));
  const s = ref.sum(shifted, axes, true);
  const y = ref.zip(s, m, (v, mm) => Math.log(v) + (Number.isFinite(mm) ? mm : 0));
  return keepDims ? y : { shape: a.shape.filter((_, i) => !axes.includes(i)), data: y.data };
};

export function reduceTf1Suite(r: Registry): void {
  // tf.math.reduce_prod's documentation: x = [[1., 2.], [3., 4.]] -> 24, [3, 8], [2, 12].
  r.test("prod: TensorFlow's documented example, keepDims, zeros, int32, empty axis gives 1", () =>
    check(() => {
      const x = tf.tensor([
        [1, 2],
        [3, 4],
      ]);
      expectArrayEqual(tf.prod(x), [24]);
      expectArrayEqual(tf.prod(x, 0), [3, 8]);
      expectArrayEqual(tf.prod(x, 1), [2, 12]);
      expectShape(tf.prod(x, 1, true), [2, 1]);
      expectArrayEqual(
        tf.prod(
          tf.tensor([
            [0, 5],
            [-2, 3],
          ]),
          1,
        ),
        [0, -6],
      );
      const i = tf.prod(
        tf.tensor(
          [
            [2, -3],
            [4, 5],
          ],
          [2, 2],
          'int32',
        ),
        0,
      );
      if (i.dtype !== 'int32') throw new Error(`prod of int32 gave ${i.dtype}`);
      expectArrayEqual(i, [8, -15]);
      // int32 wraps like TensorFlow: 65536 * 65536 = 2^32 -> 0, 46341^2 = 2147488281 -> -2147479015.
      expectArrayEqual(
        tf.prod(
          tf.tensor(
            [
              [65536, 65536],
              [46341, 46341],
            ],
            [2, 2],
            'int32',
          ),
          1,
        ),
        [0, -2147479015],
      );
      expectArrayEqual(tf.prod(tf.zeros([0, 2]), 0), [1, 1]);
    }),
  );

  // tf.math.reduce_any / reduce_all's documentation: x = [[True, True], [False, False]].
  r.test("any / all: TensorFlow's documented examples, keepDims, empty axes", () =>
    check(() => {
      const x = tf.tensor([
        [true, true],
        [false, false],
      ]);
      const a = tf.any(x);
      if (a.dtype !== 'bool') throw new Error(`any gave ${a.dtype}`);
      expectArrayEqual(a, [1]);
      expectArrayEqual(tf.any(x, 0), [1, 1]);
      expectArrayEqual(tf.any(x, 1), [1, 0]);
      expectArrayEqual(tf.all(x), [0]);
      expectArrayEqual(tf.all(x, 0), [0, 0]);
      expectArrayEqual(tf.all(x, 1), [1, 0]);
      expectShape(tf.all(x, 1, true), [2, 1]);
      expectArrayEqual(tf.any(tf.zeros([0, 2], 'bool'), 0), [0, 0]);
      expectArrayEqual(tf.all(tf.zeros([0, 2], 'bool'), 0), [1, 1]);
      // Runs longer than one reduction pass (the webgl backend reduces chunks of 256, then the partials).
      const long = (k: number): tf.Tensor => tf.tensor(Array.from({ length: 1000 }, (_, i) => i === k));
      expectArrayEqual(tf.any(long(999)), [1]);
      expectArrayEqual(tf.all(tf.logicalNot(long(600))), [0]);
      const signs = Array.from({ length: 998 }, (_, i) => (i % 3 === 0 ? -1 : 1.0001));
      expectClose(tf.prod(tf.tensor(signs)), [signs.reduce((p, v) => p * Math.fround(v), 1)], { rtol: 1e-4, atol: 0 });
    }),
  );

  // tf.math.reduce_logsumexp's documentation: x = [[0., 0., 0.], [0., 0., 0.]] -> log(6), [log 2]*3, [log 3]*2.
  r.test("logSumExp: TensorFlow's documented example; stable at 1e4; -Infinity rows; Infinity", () =>
    check(() => {
      const x = tf.zeros([2, 3]);
      expectClose(tf.logSumExp(x), [Math.log(6)], TOL.transcendental);
      expectClose(tf.logSumExp(x, 0), [Math.LN2, Math.LN2, Math.LN2], TOL.transcendental);
      expectClose(tf.logSumExp(x, 1), [Math.log(3), Math.log(3)], TOL.transcendental);
      expectShape(tf.logSumExp(x, 1, true), [2, 1]);
      expectClose(
        tf.logSumExp(
          tf.tensor([
            [1e4, 1e4],
            [-1e4, -1e4 - 1],
          ]),
          1,
        ),
        [1e4 + Math.LN2, -1e4 + Math.log1p(Math.exp(-1))],
        { rtol: 1e-7, atol: 0 },
      );
      expectArrayEqual(
        tf.logSumExp(
          tf.tensor([
            [-Infinity, -Infinity],
            [Infinity, 1],
            [NaN, 1],
          ]),
          1,
        ),
        [-Infinity, Infinity, NaN],
      );
      expectArrayEqual(tf.logSumExp(tf.zeros([0, 2]), 0), [-Infinity, -Infinity]);
    }),
  );

  r.test('prod / any / all / logSumExp: wrong dtypes and axes name the op', () =>
    check(() => {
      expectThrows(() => tf.prod(tf.tensor([true])), TypeError, /prod/, /bool/);
      expectThrows(() => tf.any(tf.zeros([2])), TypeError, /any/, /\bx\b/, /float32/, /\[2\]/);
      expectThrows(() => tf.all(tf.zeros([2], 'int32')), TypeError, /all/, /int32/);
      expectThrows(() => tf.logSumExp(tf.zeros([2], 'int32')), TypeError, /logSumExp/, /int32/);
      expectThrows(() => tf.any(tf.zeros([2], 'bool'), 1), tf.ValueError, /any/, /axis/);
      expectThrows(() => tf.prod(tf.zeros([2, 2]), [0, 0]), tf.ValueError, /prod/, /repeats/);
    }),
  );

  const withAxes = (value: fc.Arbitrary<number>) =>
    anyArr(value).chain((a) => fc.tuple(fc.constant(a), axesOf(a.shape.length), fc.boolean()));
  r.test('prod: property, float32 and int32 random shapes, axes and keepDims', (env) => {
    // Values in [0.5, 2] with random signs keep products of up to 256 terms in float32 range.
    property(
      env,
      30,
      withAxes(fc.tuple(floatIn(0.5, 2), fc.boolean()).map(([v, s]) => (s ? -v : v))),
      ([a, axis, keepDims]) => {
        const axes = resolveAxes(axis, a.shape.length);
        const expected = ref.reduce(a, axes, keepDims, 1, (p, v) => p * v);
        // Each product rounds once per factor: relative error <= k·2^-24 for k <= 256 factors.
        expectArrWithin(
          tf.prod(T(a), axis, keepDims),
          expected,
          expected.data.map((v) => 2e-5 * Math.abs(v)),
        );
        const ai = ref.map(a, (v) => Math.round(v * 1.5));
        expectArr(tf.prod(T(ai, 'int32'), axis, keepDims), ref.reduce(ai, axes, keepDims, 1, Math.imul)); // wraps mod 2^32
      },
    );
  });
  r.test('any / all: property, bool random shapes, axes and keepDims', (env) => {
    property(env, 30, withAxes(bool), ([a, axis, keepDims]) => {
      const axes = resolveAxes(axis, a.shape.length);
      expectArr(
        tf.any(T(a, 'bool'), axis, keepDims),
        ref.reduce(a, axes, keepDims, 0, (p, v) => (p || v ? 1 : 0)),
      );
      expectArr(
        tf.all(T(a, 'bool'), axis, keepDims),
        ref.reduce(a, axes, keepDims, 1, (p, v) => (p && v ? 1 : 0)),
      );
    });
  });
  r.test('logSumExp: property, float32 random shapes, axes and keepDims (values up to ±50)', (env) => {
    property(env, 30, withAxes(floatIn(-50, 50)), ([a, axis, keepDims]) => {
      const axes = resolveAxes(axis, a.shape.length);
      const expected = logSumExpRef(a, axes, keepDims);
      expectArrWithin(
        tf.logSumExp(T(a), axis, keepDims),
        expected,
        expected.data.map((v) => 2e-5 * Math.abs(v) + 2e-5),
      );
    });
  });
}
