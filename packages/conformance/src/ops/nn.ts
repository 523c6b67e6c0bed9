/** softmax, logSoftmax, clipByValue, oneHot, sequenceMask. */
import * as tf from '@tapeflow/core';
import fc from 'fast-check';
import type { Registry } from '../harness.js';
import { expectArrayEqual, expectClose, expectShape } from '../harness.js';
import { anyArr, axisOf, float, floatIn, nonEmptyDim } from './gen.js';
import * as ref from './reference.js';
import { T, TOL, check, expectArr, property } from './util.js';

export function nnSuite(r: Registry): void {
  r.test('softmax: [1,2,3] and uniform logits', () =>
    check(() => {
      const e = [1, 2, 3].map(Math.exp);
      const s = e[0] + e[1] + e[2];
      expectClose(
        tf.softmax(tf.tensor([1, 2, 3])),
        e.map((v) => v / s),
        TOL.transcendental,
      );
      expectClose(tf.softmax(tf.tensor([[5, 5, 5, 5]])), [0.25, 0.25, 0.25, 0.25], TOL.transcendental);
    }),
  );

  r.test('softmax: large logits do not overflow (1000, 1001)', () =>
    check(() => {
      const p = 1 / (1 + Math.E);
      expectClose(tf.softmax(tf.tensor([1000, 1001])), [p, 1 - p], TOL.transcendental);
      expectClose(tf.softmax(tf.tensor([-1000, -1001])), [1 - p, p], TOL.transcendental);
    }),
  );

  r.test('softmax: axis 0 of a [2,2] matrix', () =>
    check(() => {
      const y = tf.softmax(
        tf.tensor([
          [0, 1],
          [0, 3],
        ]),
        0,
      );
      const q = 1 / (1 + Math.exp(2));
      expectClose(y, [0.5, q, 0.5, 1 - q], TOL.transcendental);
    }),
  );

  r.test('logSoftmax: [1,2,3] equals log of softmax; stable for 1000', () =>
    check(() => {
      const lse = Math.log(Math.exp(1) + Math.exp(2) + Math.exp(3));
      expectClose(tf.logSoftmax(tf.tensor([1, 2, 3])), [1 - lse, 2 - lse, 3 - lse], TOL.transcendental);
      expectClose(tf.logSoftmax(tf.tensor([1000, 0])), [0, -1000], TOL.transcendental);
    }),
  );

  r.test('clipByValue: clamps to [lo, hi] on float32 and int32', () =>
    check(() => {
      expectArrayEqual(tf.clipByValue(tf.tensor([-5, -1, 0, 0.5, 9]), -1, 0.5), [-1, -1, 0, 0.5, 0.5]);
      const i = tf.clipByValue(tf.tensor([-5, 2, 9], [3], 'int32'), 0, 4);
      if (i.dtype !== 'int32') throw new Error(`clipByValue of int32 gave ${i.dtype}`);
      expectArrayEqual(i, [0, 2, 4]);
    }),
  );

  r.test('oneHot: depth 3, out-of-range index is all off, custom on/off', () =>
    check(() => {
      const y = tf.oneHot(tf.tensor([0, 2, 5, -1], [4], 'int32'), 3);
      expectShape(y, [4, 3]);
      if (y.dtype !== 'float32') throw new Error(`oneHot gave ${y.dtype}`);
      expectArrayEqual(y, [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0]);
      expectArrayEqual(tf.oneHot(tf.tensor([1], [1], 'int32'), 2, 5, -1), [-1, 5]);
      const m = tf.oneHot(tf.tensor([[1, 0]], [1, 2], 'int32'), 2);
      expectShape(m, [1, 2, 2]);
      expectArrayEqual(m, [0, 1, 1, 0]);
    }),
  );

  r.test('oneHot: int32 dtype and JS array indices', () =>
    check(() => {
      const y = tf.oneHot([1, 0], 2, 1, 0, 'int32');
      if (y.dtype !== 'int32') throw new Error(`oneHot gave ${y.dtype}`);
      expectArrayEqual(y, [0, 1, 1, 0]);
    }),
  );

  r.test('sequenceMask: lengths [1,3,0] with maxLen 4, default maxLen, float32 dtype', () =>
    check(() => {
      const m = tf.sequenceMask(tf.tensor([1, 3, 0], [3], 'int32'), 4);
      expectShape(m, [3, 4]);
      if (m.dtype !== 'bool') throw new Error(`sequenceMask gave ${m.dtype}`);
      expectArrayEqual(m, [1, 0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0]);
      const d = tf.sequenceMask(tf.tensor([2, 1], [2], 'int32'));
      expectShape(d, [2, 2]);
      expectArrayEqual(d, [1, 1, 1, 0]);
      const f = tf.sequenceMask(tf.tensor([1, 2], [2], 'int32'), 3, 'float32');
      if (f.dtype !== 'float32') throw new Error(`sequenceMask gave ${f.dtype}`);
      expectArrayEqual(f, [1, 0, 0, 1, 1, 0]);
    }),
  );

  r.test('sequenceMask: 2-D lengths give a 3-D mask', () =>
    check(() => {
      const m = tf.sequenceMask(
        tf.tensor(
          [
            [0, 2],
            [1, 3],
          ],
          [2, 2],
          'int32',
        ),
        3,
      );
      expectShape(m, [2, 2, 3]);
      expectArrayEqual(m, [0, 0, 0, 1, 1, 0, 1, 0, 0, 1, 1, 1]);
    }),
  );

  // ---- properties ------------------------------------------------------------------------------

  // Non-empty dims: softmax over an empty axis has nothing to normalize.
  const withAxis = anyArr(float, 1, 4, nonEmptyDim).chain((a) => fc.tuple(fc.constant(a), axisOf(a.shape.length)));
  r.test('softmax: property, random shapes and axes; rows sum to 1', (env) => {
    property(env, 40, withAxis, ([a, axis]) => {
      const k = axis < 0 ? axis + a.shape.length : axis;
      const y = tf.softmax(T(a), axis);
      expectArr(y, ref.softmax(a, k), TOL.transcendental);
      expectClose(
        tf.sum(y, axis),
        ref.build(
          a.shape.filter((_, i) => i !== k),
          () => 1,
        ).data,
        { rtol: 1e-5, atol: 1e-5 },
      );
    });
  });

  r.test('logSoftmax: property, random shapes and axes', (env) => {
    // Absolute tolerance: log-probabilities near 0 carry the rounding of the log-sum-exp (~|x|·u).
    property(env, 40, withAxis, ([a, axis]) => {
      const k = axis < 0 ? axis + a.shape.length : axis;
      expectArr(tf.logSoftmax(T(a), axis), ref.logSoftmax(a, k), { rtol: 2e-5, atol: 2e-5 });
    });
  });

  r.test('clipByValue: property, random bounds on float32 and int32', (env) => {
    const arb = fc.tuple(anyArr(float), floatIn(-10, 10), floatIn(0, 5));
    property(env, 30, arb, ([a, lo, width]) => {
      const hi = Math.fround(lo + width);
      const clip = (v: number): number => Math.min(Math.max(v, lo), hi);
      expectArr(tf.clipByValue(T(a), lo, hi), ref.map(a, clip), TOL.exact);
      const ai = ref.map(a, Math.round);
      const [li, hiI] = [Math.floor(lo), Math.ceil(hi)];
      expectArr(
        tf.clipByValue(T(ai, 'int32'), li, hiI),
        ref.map(ai, (v) => Math.min(Math.max(v, li), hiI)),
      );
    });
  });

  r.test('oneHot: property, random index shapes and depths (indices may be out of range)', (env) => {
    const arb = fc
      .integer({ min: 1, max: 5 })
      .chain((depth) => fc.tuple(anyArr(fc.integer({ min: -1, max: depth }), 0, 3), fc.constant(depth)));
    property(env, 30, arb, ([idx, depth]) =>
      expectArr(tf.oneHot(T(idx, 'int32'), depth), ref.oneHot(idx, depth), TOL.exact),
    );
  });

  r.test('sequenceMask: property, random lengths and maxLen', (env) => {
    const arb = fc.tuple(anyArr(fc.integer({ min: 0, max: 5 }), 0, 2), fc.integer({ min: 0, max: 6 }));
    property(env, 30, arb, ([lens, maxLen]) => {
      expectArr(tf.sequenceMask(T(lens, 'int32'), maxLen), ref.sequenceMask(lens, maxLen));
      const auto = Math.max(0, ...lens.data);
      expectArr(tf.sequenceMask(T(lens, 'int32')), ref.sequenceMask(lens, auto));
    });
  });
}
