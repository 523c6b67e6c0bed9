/** argMax / argMin: TF's documented examples, ties (first index), NaN, and a property against a plain scan. */
import * as tf from '@tapeflow/core';
import fc from 'fast-check';
import type { Registry } from '../harness.js';
import { expectArrayEqual, expectShape, expectThrows } from '../harness.js';
import { anyArr, axisOf, float, nonEmptyDim } from './gen.js';
import { at, build, type Arr } from './reference.js';
import { T, check, expectArr, property } from './util.js';

/** The index along `axis` of the first element that no later one beats (first NaN if any). */
function argRef(a: Arr, axis: number, better: (v: number, best: number) => boolean): Arr {
  return build(
    a.shape.filter((_, i) => i !== axis),
    (idx) => {
      const src = (k: number): number[] => [...idx.slice(0, axis), k, ...idx.slice(axis)];
      let best = 0;
      for (let k = 0; k < a.shape[axis]; k++) {
        const v = at(a, src(k));
        if (Number.isNaN(v)) return k;
        if (better(v, at(a, src(best)))) best = k;
      }
      return best;
    },
  );
}

export function argMinMaxSuite(r: Registry): void {
  // tf.math.argmax's documentation: B = [[2,20,30,3,6],[3,11,16,1,8],[14,45,23,5,27]].
  r.test("argMax: TensorFlow's documented examples (axis 0 default, axis 1), int32 output", () =>
    check(() => {
      const y = tf.argMax(tf.tensor([2, 20, 30, 3, 6]));
      if (y.dtype !== 'int32') throw new Error(`argMax gave ${y.dtype}`);
      expectShape(y, []);
      expectArrayEqual(y, [2]);
      const B = tf.tensor([
        [2, 20, 30, 3, 6],
        [3, 11, 16, 1, 8],
        [14, 45, 23, 5, 27],
      ]);
      expectArrayEqual(tf.argMax(B, 0), [2, 2, 0, 2, 2]);
      expectArrayEqual(tf.argMax(B, 1), [2, 2, 1]);
      expectArrayEqual(tf.argMin(B, -1), [0, 3, 3]);
    }),
  );

  r.test('argMax / argMin: ties give the first index; NaN wins; ±Infinity; int32 input', () =>
    check(() => {
      expectArrayEqual(tf.argMax(tf.tensor([1, 3, 3, 0])), [1]);
      expectArrayEqual(
        tf.argMin(
          tf.tensor([
            [0, 1, 0],
            [5, 5, 5],
          ]),
          1,
        ),
        [0, 0],
      );
      expectArrayEqual(tf.argMax(tf.tensor([1, NaN, 3, NaN])), [1]);
      expectArrayEqual(tf.argMin(tf.tensor([NaN, -1])), [0]);
      expectArrayEqual(tf.argMax(tf.tensor([-Infinity, -Infinity])), [0]);
      expectArrayEqual(tf.argMin(tf.tensor([3, -Infinity, 2])), [1]);
      expectArrayEqual(
        tf.argMax(
          tf.tensor(
            [
              [-5, 7],
              [7, -9],
            ],
            [2, 2],
            'int32',
          ),
          0,
        ),
        [1, 0],
      );
    }),
  );

  r.test('argMax / argMin: bad axis, empty axis, bool input', () =>
    check(() => {
      expectThrows(() => tf.argMax(tf.zeros([2, 3]), 2), tf.ValueError, /argMax/, /axis/, /\[2,3\]/);
      expectThrows(() => tf.argMin(tf.scalar(1)), tf.ValueError, /argMin/, /axis/);
      expectThrows(() => tf.argMax(tf.zeros([2, 0]), 1), tf.ValueError, /argMax/, /empty/, /\[2,0\]/);
      expectThrows(() => tf.argMin(tf.tensor([true])), TypeError, /argMin/, /bool/);
    }),
  );

  const withAxis = (v: fc.Arbitrary<number>) =>
    anyArr(v, 1, 4, nonEmptyDim).chain((a) => fc.tuple(fc.constant(a), axisOf(a.shape.length)));
  const small = fc.integer({ min: -2, max: 2 }); // many ties
  for (const [name, f, better] of [
    ['argMax', tf.argMax, (v: number, b: number) => v > b],
    ['argMin', tf.argMin, (v: number, b: number) => v < b],
  ] as const) {
    r.test(`${name}: property, float32 and int32 random shapes and axes (with ties) vs a plain scan`, (env) => {
      property(env, 25, withAxis(fc.oneof(float, small)), ([a, axis]) => {
        const ax = axis < 0 ? axis + a.shape.length : axis;
        expectArr(f(T(a), axis), argRef(a, ax, better));
        const ai = { shape: a.shape, data: a.data.map(Math.round) };
        expectArr(f(T(ai, 'int32'), axis), argRef(ai, ax, better));
      });
    });
  }
}
