/** Elementwise unary ops and cast: hand-computed cases, then properties against Math.*. */
import * as tf from '@tapeflow/core';
import type fc from 'fast-check';
import type { Registry } from '../harness.js';
import { expectArrayEqual, expectClose, expectShape } from '../harness.js';
import { anyArr, bool, float, floatIn, int } from './gen.js';
import { map } from './reference.js';
import { T, TOL, check, expectArr, property } from './util.js';

const E = Math.E;

export function unarySuite(r: Registry): void {
  r.test('neg: float32 and int32 hand cases', () =>
    check(() => {
      expectClose(tf.neg(tf.tensor([1, -2, 0, 3.5])), [-1, 2, 0, -3.5], TOL.exact);
      const y = tf.neg(tf.tensor([3, -4], [2], 'int32'));
      expectArrayEqual(y, [-3, 4]);
      if (y.dtype !== 'int32') throw new Error(`neg of int32 gave ${y.dtype}`);
    }),
  );

  r.test('abs: float32 and int32 hand cases', () =>
    check(() => {
      expectClose(
        tf.abs(
          tf.tensor([
            [-1.5, 2],
            [0, -7],
          ]),
        ),
        [1.5, 2, 0, 7],
        TOL.exact,
      );
      expectArrayEqual(tf.abs(tf.tensor([-3, 4, 0], [3], 'int32')), [3, 4, 0]);
    }),
  );

  r.test('exp: exp(0)=1, exp(1)=e, exp(-1)=1/e, exp(2)=e^2', () =>
    check(() => {
      expectClose(tf.exp(tf.tensor([0, 1, -1, 2])), [1, E, 1 / E, E * E], TOL.transcendental);
    }),
  );

  r.test('log: log(1)=0, log(e)=1, log(0.5)=-ln 2, log(0)=-Infinity, log(-1)=NaN', () =>
    check(() => {
      expectClose(tf.log(tf.tensor([1, E, 0.5])), [0, 1, -Math.LN2], TOL.transcendental);
      expectArrayEqual(tf.log(tf.tensor([0])), [-Infinity]);
      expectClose(tf.log(tf.tensor([-1])), [NaN]);
    }),
  );

  r.test('sqrt: perfect squares, sqrt(2), sqrt(-1)=NaN', () =>
    check(() => {
      expectClose(tf.sqrt(tf.tensor([0, 1, 4, 2.25, 2])), [0, 1, 2, 1.5, Math.SQRT2], TOL.arith);
      expectClose(tf.sqrt(tf.tensor([-1])), [NaN]);
    }),
  );

  r.test('square: float32 and int32, keeps dtype', () =>
    check(() => {
      expectClose(tf.square(tf.tensor([-3, 0.5, 2])), [9, 0.25, 4], TOL.exact);
      const y = tf.square(tf.tensor([-3, 5], [2], 'int32'));
      expectArrayEqual(y, [9, 25]);
      if (y.dtype !== 'int32') throw new Error(`square of int32 gave ${y.dtype}`);
    }),
  );

  r.test('tanh: 0, ±1 and saturation at 20', () =>
    check(() => {
      const t1 = (E * E - 1) / (E * E + 1);
      expectClose(tf.tanh(tf.tensor([0, 1, -1, 20, -20])), [0, t1, -t1, 1, -1], TOL.transcendental);
    }),
  );

  r.test('sigmoid: 0.5 at 0, 1/(1+e^-2) at 2, saturates without NaN at ±50', () =>
    check(() => {
      const s2 = 1 / (1 + Math.exp(-2));
      expectClose(tf.sigmoid(tf.tensor([0, 2, -2, 50, -50])), [0.5, s2, 1 - s2, 1, 0], TOL.transcendental);
    }),
  );

  r.test('relu: negatives to 0 on float32 and int32', () =>
    check(() => {
      expectClose(tf.relu(tf.tensor([-1, 0, 2.5, -0.001])), [0, 0, 2.5, 0], TOL.exact);
      expectArrayEqual(tf.relu(tf.tensor([-4, 4], [2], 'int32')), [0, 4]);
    }),
  );

  r.test('logicalNot: flips bools', () =>
    check(() => {
      const y = tf.logicalNot(tf.tensor([true, false, true]));
      expectArrayEqual(y, [0, 1, 0]);
      if (y.dtype !== 'bool') throw new Error(`logicalNot gave ${y.dtype}`);
    }),
  );

  r.test('cast: float32 -> int32 truncates toward zero', () =>
    check(() => {
      const y = tf.cast(tf.tensor([1.7, -1.7, 0, 2.5, -0.5]), 'int32');
      expectArrayEqual(y, [1, -1, 0, 2, 0]);
      if (y.dtype !== 'int32') throw new Error(`cast gave ${y.dtype}`);
    }),
  );

  r.test('cast: float32/int32 -> bool is "nonzero", bool -> float32 is 0/1', () =>
    check(() => {
      const b = tf.cast(tf.tensor([0, 0.5, -2, 0]), 'bool');
      if (b.dtype !== 'bool') throw new Error(`cast gave ${b.dtype}`);
      expectArrayEqual(b, [0, 1, 1, 0]);
      expectArrayEqual(tf.cast(tf.tensor([0, 3, -1], [3], 'int32'), 'bool'), [0, 1, 1]);
      const f = tf.cast(tf.tensor([true, false]), 'float32');
      if (f.dtype !== 'float32') throw new Error(`cast gave ${f.dtype}`);
      expectArrayEqual(f, [1, 0]);
    }),
  );

  r.test('cast: int32 -> float32 -> int32 round-trips, same-dtype cast is a copy', () =>
    check(() => {
      const x = tf.tensor(
        [
          [-5, 0],
          [7, 123456],
        ],
        [2, 2],
        'int32',
      );
      const y = tf.cast(tf.cast(x, 'float32'), 'int32');
      expectShape(y, [2, 2]);
      expectArrayEqual(y, [-5, 0, 7, 123456]);
      expectArrayEqual(tf.cast(x, 'int32'), [-5, 0, 7, 123456]);
    }),
  );

  r.test('unary ops accept JS numbers and arrays as x', () =>
    check(() => {
      expectClose(tf.exp(0), [1], TOL.exact);
      expectClose(tf.neg([1, 2]), [-1, -2], TOL.exact);
    }),
  );

  // ---- properties against Math.* over random shapes (rank 0-4, dims 0-4) ----------------------

  type Case = [
    name: string,
    f: (x: tf.Tensor) => tf.Tensor,
    ref: (v: number) => number,
    values: fc.Arbitrary<number>,
    tol: { rtol: number; atol: number },
  ];
  const sig = (v: number): number => 1 / (1 + Math.exp(-v));
  const floatCases: Case[] = [
    ['neg', tf.neg, (v) => -v, float, TOL.exact],
    ['abs', tf.abs, Math.abs, float, TOL.exact],
    ['exp', tf.exp, Math.exp, float, TOL.transcendental],
    ['log', tf.log, Math.log, floatIn(1e-3, 100), TOL.transcendental],
    ['sqrt', tf.sqrt, Math.sqrt, floatIn(0, 100), TOL.arith],
    ['square', tf.square, (v) => v * v, float, TOL.arith],
    ['tanh', tf.tanh, Math.tanh, float, TOL.transcendental],
    ['sigmoid', tf.sigmoid, sig, float, TOL.transcendental],
    ['relu', tf.relu, (v) => Math.max(v, 0), float, TOL.exact],
  ];
  for (const [name, f, ref, values, tol] of floatCases) {
    r.test(`${name}: property, float32 random shapes vs Math reference`, (env) => {
      property(env, 25, anyArr(values), (a) => expectArr(f(T(a)), map(a, ref), tol));
    });
  }

  const intCases: [string, (x: tf.Tensor) => tf.Tensor, (v: number) => number][] = [
    ['neg', tf.neg, (v) => -v],
    ['abs', tf.abs, Math.abs],
    ['square', tf.square, (v) => v * v],
    ['relu', tf.relu, (v) => Math.max(v, 0)],
  ];
  for (const [name, f, ref] of intCases) {
    r.test(`${name}: property, int32 random shapes are exact and stay int32`, (env) => {
      property(env, 15, anyArr(int), (a) => {
        const y = f(T(a, 'int32'));
        if (y.dtype !== 'int32') throw new Error(`${name} of int32 gave ${y.dtype}`);
        expectArr(y, map(a, ref));
      });
    });
  }

  r.test('logicalNot: property, bool random shapes', (env) => {
    property(env, 15, anyArr(bool), (a) =>
      expectArr(
        tf.logicalNot(T(a, 'bool')),
        map(a, (v) => 1 - v),
      ),
    );
  });

  r.test('cast: property, float32 -> int32 truncation and -> bool', (env) => {
    property(env, 20, anyArr(float), (a) => {
      expectArr(tf.cast(T(a), 'int32'), map(a, Math.trunc));
      expectArr(
        tf.cast(T(a), 'bool'),
        map(a, (v) => (v !== 0 ? 1 : 0)),
      );
    });
  });

  r.test('cast: property, int32 and bool -> float32 are exact', (env) => {
    property(env, 15, anyArr(int), (a) => {
      expectArr(tf.cast(T(a, 'int32'), 'float32'), a, TOL.exact);
      const b = map(a, (v) => (v > 0 ? 1 : 0));
      expectArr(tf.cast(T(b, 'bool'), 'float32'), b, TOL.exact);
      expectArr(tf.cast(T(b, 'bool'), 'int32'), b);
    });
  });
}
