/** floor, ceil, round (half to even), sign, log1p: TensorFlow's published examples, then properties against Math.*. */
import * as tf from '@tapeflow/core';
import fc from 'fast-check';
import type { Registry } from '../harness.js';
import { expectArrayEqual, expectClose, expectThrows } from '../harness.js';
import { anyArr, float, floatIn, int } from './gen.js';
import { map } from './reference.js';
import { T, TOL, check, expectArr, property } from './util.js';

/** Half to even, written independently of the kernels: the nearest even integer on a tie. */
function roundHalfEven(v: number): number {
  const lo = Math.floor(v);
  const d = v - lo;
  if (d < 0.5) return lo;
  if (d > 0.5) return lo + 1;
  return lo % 2 === 0 ? lo : lo + 1;
}
const signRef = (v: number): number => (Number.isNaN(v) ? NaN : v > 0 ? 1 : v < 0 ? -1 : 0);

export function mathSuite(r: Registry): void {
  // tf.math.round's documentation: round([0.9, 2.5, 2.3, 1.5, -4.5]) = [1, 2, 2, 2, -4].
  r.test("round: TensorFlow's documented example and ties to even", () =>
    check(() => {
      expectArrayEqual(tf.round(tf.tensor([0.9, 2.5, 2.3, 1.5, -4.5])), [1, 2, 2, 2, -4]);
      expectArrayEqual(tf.round(tf.tensor([0.5, -0.5, 3.5, -3.5, -2.5, 1e7 + 0.5])), [0, -0, 4, -4, -2, 1e7]);
      expectArrayEqual(tf.round(tf.tensor([NaN, Infinity, -Infinity])), [NaN, Infinity, -Infinity]);
    }),
  );

  r.test('floor and ceil: negatives, integers, infinities and NaN', () =>
    check(() => {
      const x = tf.tensor([-1.5, -1, -0.25, 0, 0.25, 1, 1.5, Infinity, NaN]);
      expectArrayEqual(tf.floor(x), [-2, -1, -1, 0, 0, 1, 1, Infinity, NaN]);
      expectArrayEqual(tf.ceil(x), [-1, -1, -0, 0, 1, 1, 2, Infinity, NaN]);
    }),
  );

  r.test('sign: float32 and int32, NaN stays NaN', () =>
    check(() => {
      expectArrayEqual(tf.sign(tf.tensor([-2.5, 0, 3, NaN, -Infinity, 1e-30])), [-1, 0, 1, NaN, -1, 1]);
      const i = tf.sign(tf.tensor([-7, 0, 9], [3], 'int32'));
      if (i.dtype !== 'int32') throw new Error(`sign of int32 gave ${i.dtype}`);
      expectArrayEqual(i, [-1, 0, 1]);
    }),
  );

  r.test('log1p: accurate near 0 where log(1 + x) is not; -1 -> -Infinity, < -1 -> NaN', () =>
    check(() => {
      const xs = [1e-7, -1e-6, 1e-3, 0.05, -0.09, 0.5, 3, 1e6].map(Math.fround);
      expectClose(tf.log1p(tf.tensor(xs)), xs.map(Math.log1p), { rtol: 2e-6, atol: 0 });
      expectArrayEqual(tf.log1p(tf.tensor([-1, -2, 0, Infinity])), [-Infinity, NaN, 0, Infinity]);
    }),
  );

  r.test('floor / ceil / round / log1p reject int32; sign rejects bool', () =>
    check(() => {
      for (const [name, f] of [
        ['floor', tf.floor],
        ['ceil', tf.ceil],
        ['round', tf.round],
        ['log1p', tf.log1p],
      ] as const) {
        expectThrows(() => f(tf.zeros([2], 'int32')), TypeError, new RegExp(name), /\bx\b/, /int32/, /\[2\]/);
      }
      expectThrows(() => tf.sign(tf.tensor([true])), TypeError, /sign/, /bool/);
    }),
  );

  const halves = fc.integer({ min: -40, max: 40 }).map((k) => k / 2);
  const cases: [string, (x: tf.Tensor) => tf.Tensor, (v: number) => number][] = [
    ['floor', tf.floor, Math.floor],
    ['ceil', tf.ceil, Math.ceil],
    ['round', tf.round, roundHalfEven],
    ['sign', tf.sign, signRef],
  ];
  for (const [name, f, g] of cases) {
    r.test(`${name}: property, float32 random shapes (half-integers included) vs reference`, (env) => {
      property(env, 20, anyArr(fc.oneof(float, halves)), (a) => expectArr(f(T(a)), map(a, g), TOL.exact));
    });
  }
  r.test('sign: property, int32 random shapes are exact and stay int32', (env) => {
    property(env, 10, anyArr(int), (a) => expectArr(tf.sign(T(a, 'int32')), map(a, signRef)));
  });
  r.test('log1p: property, float32 random shapes vs Math.log1p', (env) => {
    property(env, 20, anyArr(fc.oneof(floatIn(-0.999, 10), floatIn(-0.01, 0.01))), (a) =>
      expectArr(tf.log1p(T(a)), map(a, Math.log1p), TOL.transcendental),
    );
  });
}
