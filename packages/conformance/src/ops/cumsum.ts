/** cumsum: TensorFlow's documented examples, then a property against a plain running-sum loop. */
import * as tf from '@tapeflow/core';
import fc from 'fast-check';
import type { Registry } from '../harness.js';
import { expectArrayEqual, expectShape, expectThrows } from '../harness.js';
import { anyArr, axisOf, float } from './gen.js';
import { at, build, map, type Arr } from './reference.js';
import { T, check, expectArr, expectArrWithin, property, sumTol } from './util.js';

/** Running sum of f(x) along `axis`, straight from the definition. */
function cumsumRef(a: Arr, axis: number, exclusive: boolean, reverse: boolean, f = (v: number) => v): Arr {
  return build(a.shape, (idx) => {
    let s = 0;
    for (let k = 0; k < a.shape[axis]; k++) {
      const t = idx[axis];
      const inside = reverse ? (exclusive ? k > t : k >= t) : exclusive ? k < t : k <= t;
      if (inside)
        s += f(
          at(
            a,
            idx.map((v, d) => (d === axis ? k : v)),
          ),
        );
    }
    return s;
  });
}

export function cumsumSuite(r: Registry): void {
  // tf.math.cumsum's documentation: x = [2, 4, 6, 8], y = [[2, 4, 6, 8], [1, 3, 5, 7]].
  r.test("cumsum: TensorFlow's documented examples (axis, exclusive, reverse)", () =>
    check(() => {
      const x = tf.tensor([2, 4, 6, 8]);
      expectArrayEqual(tf.cumsum(x), [2, 6, 12, 20]);
      expectArrayEqual(tf.cumsum(x, 0, true), [0, 2, 6, 12]);
      expectArrayEqual(tf.cumsum(x, 0, false, true), [20, 18, 14, 8]);
      expectArrayEqual(tf.cumsum(x, 0, true, true), [18, 14, 8, 0]);
      const y = tf.tensor([
        [2, 4, 6, 8],
        [1, 3, 5, 7],
      ]);
      expectArrayEqual(tf.cumsum(y, 0), [2, 4, 6, 8, 3, 7, 11, 15]);
      expectArrayEqual(tf.cumsum(y, 1), [2, 6, 12, 20, 1, 4, 9, 16]);
      const i = tf.cumsum(tf.tensor([1, -2, 3], [3], 'int32'));
      if (i.dtype !== 'int32') throw new Error(`cumsum of int32 gave ${i.dtype}`);
      expectArrayEqual(i, [1, -1, 2]);
      expectShape(tf.cumsum(tf.zeros([2, 0]), 1), [2, 0]);
    }),
  );

  r.test('cumsum: bad axis, bool input and non-boolean flags name the op', () =>
    check(() => {
      expectThrows(() => tf.cumsum(tf.zeros([2, 3]), 2), tf.ValueError, /cumsum/, /axis/, /\[2,3\]/);
      expectThrows(() => tf.cumsum(tf.scalar(1)), tf.ValueError, /cumsum/, /axis/);
      expectThrows(() => tf.cumsum(tf.tensor([true])), TypeError, /cumsum/, /bool/);
      expectThrows(() => tf.cumsum(tf.zeros([2]), 0, 1 as unknown as boolean), TypeError, /cumsum/, /exclusive/);
    }),
  );

  r.test('cumsum: property, float32 and int32 random shapes, axes and flags vs a running-sum loop', (env) => {
    const arb = anyArr(float, 1).chain((a) =>
      fc.tuple(fc.constant(a), axisOf(a.shape.length), fc.boolean(), fc.boolean()),
    );
    property(env, 40, arb, ([a, axis, exclusive, reverse]) => {
      const ax = axis < 0 ? axis + a.shape.length : axis;
      const tol = sumTol(cumsumRef(a, ax, exclusive, reverse, Math.abs));
      expectArrWithin(tf.cumsum(T(a), axis, exclusive, reverse), cumsumRef(a, ax, exclusive, reverse), tol);
      const ai = map(a, Math.round);
      expectArr(tf.cumsum(T(ai, 'int32'), axis, exclusive, reverse), cumsumRef(ai, ax, exclusive, reverse));
    });
  });
}
