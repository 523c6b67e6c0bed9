/** softplus, elu, leakyRelu, rsqrt, notEqual, logicalOr, squaredDifference, addN against float64 references. */
import * as tf from '@tapeflow/core';
import fc from 'fast-check';
import type { Registry } from '../harness.js';
import { expectArrayEqual, expectClose, expectShape, expectThrows } from '../harness.js';
import { anyArr, arrOf, bool, broadcastPair, float, floatIn, int, shape } from './gen.js';
import { map, zip } from './reference.js';
import { T, TOL, check, expectArr, property } from './util.js';

// float64 references written from the definitions (log(1 + e^x) directly where it cannot overflow).
const softplusRef = (v: number): number => (v > 30 ? v + Math.exp(-v) : Math.log(1 + Math.exp(v)));
const eluRef = (v: number): number => (v > 0 ? v : Math.expm1(v));
const leakyRef =
  (alpha: number) =>
  (v: number): number =>
    v > 0 ? v : alpha * v;

export function elementwiseTf1Suite(r: Registry): void {
  r.test('softplus: log 2 at 0, stable at ±1e4 (x and 0, no overflow), tiny tails', () =>
    check(() => {
      expectClose(
        tf.softplus(tf.tensor([0, 1, -1, 20])),
        [Math.LN2, softplusRef(1), softplusRef(-1), softplusRef(20)],
        TOL.transcendental,
      );
      expectArrayEqual(tf.softplus(tf.tensor([1e4, -1e4])), [1e4, 0]);
      // e^-30 ≈ 9.4e-14: a log(1 + e^x) form would round it to 0.
      expectClose(tf.softplus(tf.tensor([-30])), [Math.exp(-30)], { rtol: 1e-5, atol: 0 });
    }),
  );

  r.test('elu: x above 0, e^x - 1 below, -1 at -Infinity, no NaN for large x', () =>
    check(() => {
      expectClose(
        tf.elu(tf.tensor([2, 0, -1, -20, -Infinity, 1e4])),
        [2, 0, Math.expm1(-1), Math.expm1(-20), -1, 1e4],
        TOL.transcendental,
      );
    }),
  );

  r.test('leakyRelu: default alpha 0.2, custom alpha (also above 1)', () =>
    check(() => {
      expectClose(tf.leakyRelu(tf.tensor([-2, 0, 3])), [-0.4, 0, 3], TOL.arith);
      expectClose(tf.leakyRelu(tf.tensor([-2, 3]), 0.01), [-0.02, 3], TOL.arith);
      expectClose(tf.leakyRelu(tf.tensor([-2, 3]), 2), [-4, 3], TOL.arith);
    }),
  );

  r.test('rsqrt: 1/sqrt(x); 0 -> Infinity, negative -> NaN', () =>
    check(() => {
      expectClose(tf.rsqrt(tf.tensor([4, 0.25, 2])), [0.5, 2, Math.SQRT1_2], TOL.arith);
      expectArrayEqual(tf.rsqrt(tf.tensor([0, -1])), [Infinity, NaN]);
    }),
  );

  r.test('notEqual: float32 (NaN != NaN) and int32, broadcasting, bool output', () =>
    check(() => {
      const y = tf.notEqual(tf.tensor([[1, NaN, 3]]), tf.tensor([[1], [3]]));
      if (y.dtype !== 'bool') throw new Error(`notEqual gave ${y.dtype}`);
      expectShape(y, [2, 3]);
      expectArrayEqual(y, [0, 1, 1, 1, 1, 0]);
      expectArrayEqual(tf.notEqual(tf.tensor([1, 2], [2], 'int32'), 2), [1, 0]);
      expectArrayEqual(tf.notEqual(tf.tensor([NaN]), tf.tensor([NaN])), [1]);
    }),
  );

  r.test('logicalOr: truth table and broadcasting', () =>
    check(() => {
      expectArrayEqual(
        tf.logicalOr(tf.tensor([true, true, false, false]), tf.tensor([true, false, true, false])),
        [1, 1, 1, 0],
      );
      expectShape(tf.logicalOr(tf.tensor([[true], [false]]), tf.tensor([false, false, true])), [2, 3]);
    }),
  );

  r.test('squaredDifference: (a - b)^2 with broadcasting, float32 and int32', () =>
    check(() => {
      expectClose(
        tf.squaredDifference(
          tf.tensor([
            [1, 2],
            [3, 4],
          ]),
          tf.tensor([0.5, 5]),
        ),
        [0.25, 9, 6.25, 1],
        TOL.arith,
      );
      expectArrayEqual(tf.squaredDifference(tf.tensor([1, -2], [2], 'int32'), tf.tensor([4, 1], [2], 'int32')), [9, 9]);
    }),
  );

  r.test('addN: sums a list; one element is a copy', () =>
    check(() => {
      expectClose(tf.addN([tf.tensor([1, 2]), tf.tensor([10, 20]), tf.tensor([100, 200])]), [111, 222], TOL.arith);
      expectArrayEqual(tf.addN([tf.tensor([[3]])]), [3]);
      expectArrayEqual(tf.addN([tf.tensor([1], [1], 'int32'), tf.tensor([2], [1], 'int32')]), [3]);
    }),
  );

  r.test('bad arguments: dtypes, shapes and empty lists name the op and argument', () =>
    check(() => {
      for (const [name, f] of [
        ['softplus', tf.softplus],
        ['elu', tf.elu],
        ['leakyRelu', tf.leakyRelu],
        ['rsqrt', tf.rsqrt],
      ] as const) {
        expectThrows(() => f(tf.zeros([3], 'int32')), TypeError, new RegExp(name), /\bx\b/, /int32/, /\[3\]/);
      }
      expectThrows(() => tf.logicalOr(tf.zeros([2]), tf.zeros([2])), TypeError, /logicalOr/, /bool/);
      expectThrows(
        () => tf.logicalOr(tf.tensor([true, false]), tf.tensor([true, false, true])),
        tf.ValueError,
        /logicalOr/,
        /\[2\]/,
        /\[3\]/,
      );
      expectThrows(() => tf.notEqual(tf.zeros([2]), tf.zeros([3])), tf.ValueError, /notEqual/, /\[2\]/, /\[3\]/);
      expectThrows(
        () => tf.squaredDifference(tf.zeros([2]), tf.zeros([2], 'int32')),
        TypeError,
        /squaredDifference/,
        /int32/,
      );
      expectThrows(() => tf.addN([]), tf.ValueError, /addN/, /non-empty/);
      expectThrows(
        () => tf.addN([tf.zeros([2]), tf.zeros([2, 1])]),
        tf.ValueError,
        /addN/,
        /ts\[1\]/,
        /\[2\]/,
        /\[2,1\]/,
      );
      expectThrows(() => tf.addN([tf.zeros([2]), tf.zeros([2], 'int32')]), TypeError, /addN/, /ts\[1\]/, /int32/);
    }),
  );

  // ---- properties ----
  const floatCases: [string, (x: tf.Tensor) => tf.Tensor, (v: number) => number, fc.Arbitrary<number>][] = [
    ['softplus', tf.softplus, softplusRef, floatIn(-50, 50)],
    ['elu', tf.elu, eluRef, float],
    ['leakyRelu', (x) => tf.leakyRelu(x), leakyRef(0.2), float],
    ['rsqrt', tf.rsqrt, (v) => 1 / Math.sqrt(v), floatIn(1e-3, 100)],
  ];
  for (const [name, f, g, values] of floatCases) {
    r.test(`${name}: property, float32 random shapes vs float64 reference`, (env) => {
      property(env, 20, anyArr(values), (a) => expectArr(f(T(a)), map(a, g), TOL.transcendental));
    });
  }
  r.test('notEqual and squaredDifference: property, broadcasting pairs (float32 and int32)', (env) => {
    property(env, 20, broadcastPair(fc.oneof(int, float)), ([a, b]) => {
      expectArr(
        tf.notEqual(T(a), T(b)),
        zip(a, b, (u, v) => (u !== v ? 1 : 0)),
      );
      expectArr(
        tf.squaredDifference(T(a), T(b)),
        zip(a, b, (u, v) => (u - v) ** 2),
        TOL.arith,
      );
      const [ai, bi] = [map(a, Math.round), map(b, Math.round)];
      expectArr(
        tf.notEqual(T(ai, 'int32'), T(bi, 'int32')),
        zip(ai, bi, (u, v) => (u !== v ? 1 : 0)),
      );
    });
  });
  r.test('logicalOr: property, broadcasting bool pairs', (env) => {
    property(env, 15, broadcastPair(bool), ([a, b]) =>
      expectArr(
        tf.logicalOr(T(a, 'bool'), T(b, 'bool')),
        zip(a, b, (u, v) => (u || v ? 1 : 0)),
      ),
    );
  });
  r.test('addN: property, 1-4 tensors of one random shape', (env) => {
    const arb = shape(0, 3).chain((s) => fc.array(arrOf(s, float), { minLength: 1, maxLength: 4 }));
    property(env, 15, arb, (as) => {
      const expected = as.slice(1).reduce((acc, a) => zip(acc, a, (u, v) => u + v), as[0]);
      expectArr(tf.addN(as.map((a) => T(a))), expected, { rtol: 1e-6, atol: 1e-5 });
    });
  });
}
