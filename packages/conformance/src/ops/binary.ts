/** Arithmetic binary ops with NumPy broadcasting: hand cases, then properties over broadcast pairs. */
import * as tf from '@tapeflow/core';
import fc from 'fast-check';
import type { Registry } from '../harness.js';
import { expectArrayEqual, expectClose, expectShape } from '../harness.js';
import { broadcastPair, float, floatIn, int } from './gen.js';
import { zip } from './reference.js';
import { T, TOL, check, expectArr, property } from './util.js';

type Bin = (a: tf.TensorLike, b: tf.TensorLike) => tf.Tensor;

export function binarySuite(r: Registry): void {
  r.test('add: [2,3] + [3] broadcasts the row', () =>
    check(() => {
      const y = tf.add(
        tf.tensor([
          [1, 2, 3],
          [4, 5, 6],
        ]),
        tf.tensor([10, 20, 30]),
      );
      expectShape(y, [2, 3]);
      expectArrayEqual(y, [11, 22, 33, 14, 25, 36]);
    }),
  );

  r.test('add: [3,1] + [1,2] is an outer sum [3,2]', () =>
    check(() => {
      const y = tf.add(tf.tensor([[1], [2], [3]]), tf.tensor([[10, 20]]));
      expectShape(y, [3, 2]);
      expectArrayEqual(y, [11, 21, 12, 22, 13, 23]);
    }),
  );

  r.test('add: scalar tensor and JS number operands take the other dtype', () =>
    check(() => {
      expectArrayEqual(tf.add(tf.tensor([1, 2]), tf.scalar(0.5)), [1.5, 2.5]);
      const i = tf.add(tf.tensor([1, 2], [2], 'int32'), 3);
      if (i.dtype !== 'int32') throw new Error(`int32 + 3 gave ${i.dtype}`);
      expectArrayEqual(i, [4, 5]);
      const j = tf.add(3, tf.tensor([1, 2], [2], 'int32'));
      if (j.dtype !== 'int32') throw new Error(`3 + int32 gave ${j.dtype}`);
      expectArrayEqual(j, [4, 5]);
    }),
  );

  r.test('add: empty [0,3] + [3] gives [0,3]', () =>
    check(() => {
      const y = tf.add(tf.zeros([0, 3]), tf.tensor([1, 2, 3]));
      expectShape(y, [0, 3]);
      expectArrayEqual(y, []);
    }),
  );

  r.test('sub: [2,2] - [2,1] and 1 - x', () =>
    check(() => {
      expectArrayEqual(
        tf.sub(
          tf.tensor([
            [5, 6],
            [7, 8],
          ]),
          tf.tensor([[1], [2]]),
        ),
        [4, 5, 5, 6],
      );
      expectArrayEqual(tf.sub(1, tf.tensor([0.5, 3])), [0.5, -2]);
      expectArrayEqual(tf.sub(tf.tensor([1, 2], [2], 'int32'), tf.tensor([5, -5], [2], 'int32')), [-4, 7]);
    }),
  );

  r.test('mul: float32 and int32 with broadcasting', () =>
    check(() => {
      expectArrayEqual(
        tf.mul(
          tf.tensor([
            [1, 2],
            [3, 4],
          ]),
          tf.tensor([0.5, -2]),
        ),
        [0.5, -4, 1.5, -8],
      );
      expectArrayEqual(tf.mul(tf.tensor([3, -4], [2], 'int32'), 6), [18, -24]);
    }),
  );

  r.test('div: float32 quotients, x/0 = ±Infinity, 0/0 = NaN', () =>
    check(() => {
      expectClose(tf.div(tf.tensor([1, 3, -6]), tf.tensor([4, 2, 3])), [0.25, 1.5, -2], TOL.arith);
      expectClose(tf.div(tf.tensor([1, -1, 0]), tf.tensor([0, 0, 0])), [Infinity, -Infinity, NaN]);
    }),
  );

  r.test('div: int32 is floor division (7/2=3, -7/2=-4, 7/-2=-4, -7/-2=3)', () =>
    check(() => {
      const y = tf.div(tf.tensor([7, -7, 7, -7, 6], [5], 'int32'), tf.tensor([2, 2, -2, -2, 3], [5], 'int32'));
      if (y.dtype !== 'int32') throw new Error(`int32 div gave ${y.dtype}`);
      expectArrayEqual(y, [3, -4, -4, 3, 2]);
    }),
  );

  r.test('pow: 2^3=8, 3^2=9, 4^0.5=2, x^0=1, int32 powers', () =>
    check(() => {
      expectClose(tf.pow(tf.tensor([2, 3, 4, 5]), tf.tensor([3, 2, 0.5, 0])), [8, 9, 2, 1], TOL.transcendental);
      expectClose(tf.pow(tf.tensor([[2], [3]]), tf.tensor([1, 2])), [2, 4, 3, 9], TOL.transcendental);
      expectArrayEqual(tf.pow(tf.tensor([2, 3, -2], [3], 'int32'), tf.tensor([10, 2, 3], [3], 'int32')), [1024, 9, -8]);
    }),
  );

  r.test('pow: negative base with integer exponent (-2)^2=4, (-2)^3=-8', () =>
    check(() => {
      expectClose(tf.pow(tf.tensor([-2, -2, -0.5]), tf.tensor([2, 3, 2])), [4, -8, 0.25], TOL.transcendental);
    }),
  );

  r.test('maximum and minimum: broadcasting, ties and int32', () =>
    check(() => {
      const a = tf.tensor([
        [1, 5],
        [3, -2],
      ]);
      expectArrayEqual(tf.maximum(a, tf.tensor([3, 0])), [3, 5, 3, 0]);
      expectArrayEqual(tf.minimum(a, tf.tensor([3, 0])), [1, 0, 3, -2]);
      expectArrayEqual(tf.maximum(tf.tensor([1, -9], [2], 'int32'), 0), [1, 0]);
      expectArrayEqual(tf.minimum(tf.tensor([1, -9], [2], 'int32'), 0), [0, -9]);
    }),
  );

  // Like NumPy and TensorFlow, maximum/minimum propagate NaN from either side (Math.max does too).
  r.test('maximum and minimum: NaN on either side gives NaN', () =>
    check(() => {
      const a = tf.tensor([NaN, 1, NaN]),
        b = tf.tensor([2, NaN, NaN]);
      expectArrayEqual(tf.maximum(a, b), [NaN, NaN, NaN]);
      expectArrayEqual(tf.minimum(a, b), [NaN, NaN, NaN]);
    }),
  );

  // ---- properties: random broadcast pairs, float32 and int32 ----------------------------------

  const floatOps: [string, Bin, (x: number, y: number) => number][] = [
    ['add', tf.add, (x, y) => x + y],
    ['sub', tf.sub, (x, y) => x - y],
    ['mul', tf.mul, (x, y) => x * y],
    ['maximum', tf.maximum, Math.max],
    ['minimum', tf.minimum, Math.min],
  ];
  for (const [name, f, ref] of floatOps) {
    r.test(`${name}: property, float32 broadcast pairs (rank 0-4)`, (env) => {
      property(env, 30, broadcastPair(float), ([a, b]) => expectArr(f(T(a), T(b)), zip(a, b, ref), TOL.arith));
    });
    r.test(`${name}: property, int32 broadcast pairs are exact`, (env) => {
      property(env, 15, broadcastPair(int), ([a, b]) => {
        const y = f(T(a, 'int32'), T(b, 'int32'));
        if (y.dtype !== 'int32') throw new Error(`${name} of int32 gave ${y.dtype}`);
        expectArr(y, zip(a, b, ref));
      });
    });
  }

  // Divisors kept away from 0 so every quotient is finite.
  const divisor = fc.oneof(floatIn(0.25, 10), floatIn(-10, -0.25));
  r.test('div: property, float32 broadcast pairs', (env) => {
    property(env, 30, broadcastPair(float, divisor), ([a, b]) =>
      expectArr(
        tf.div(T(a), T(b)),
        zip(a, b, (x, y) => x / y),
        TOL.arith,
      ),
    );
  });
  const intDivisor = fc.oneof(fc.integer({ min: 1, max: 7 }), fc.integer({ min: -7, max: -1 }));
  r.test('div: property, int32 floor division', (env) => {
    property(env, 20, broadcastPair(int, intDivisor), ([a, b]) =>
      expectArr(
        tf.div(T(a, 'int32'), T(b, 'int32')),
        zip(a, b, (x, y) => Math.floor(x / y)),
      ),
    );
  });
  r.test('pow: property, positive float32 bases and exponents in [-3, 3]', (env) => {
    property(env, 25, broadcastPair(floatIn(0.1, 4), floatIn(-3, 3)), ([a, b]) =>
      expectArr(tf.pow(T(a), T(b)), zip(a, b, Math.pow), TOL.transcendental),
    );
  });
  r.test('pow: property, int32 bases and small non-negative exponents', (env) => {
    property(env, 15, broadcastPair(fc.integer({ min: -6, max: 6 }), fc.integer({ min: 0, max: 5 })), ([a, b]) =>
      expectArr(tf.pow(T(a, 'int32'), T(b, 'int32')), zip(a, b, Math.pow)),
    );
  });
  r.test('add: property, JS number operand broadcasts like a scalar', (env) => {
    property(env, 15, fc.tuple(broadcastPair(float), float), ([[a], s]) =>
      expectArr(
        tf.add(T(a), s),
        zip(a, { shape: [], data: [s] }, (x, y) => x + y),
        TOL.arith,
      ),
    );
  });
}
