/**
 * Op regressions of issue 12, each against TensorFlow's documented behaviour: squeeze with
 * axis=[] squeezes every size-1 axis, reverse_sequence rejects lengths outside the sequence
 * axis, and TF1's reduce_mean of int32 stays int32, truncating toward zero like C++ division.
 */
import fc from 'fast-check';
import * as tf from '@tapeflow/core';
import type { Registry } from '../harness.js';
import { expectArrayEqual, expectShape, expectThrows } from '../harness.js';
import { check, property } from './util.js';

export function regressionsSuite(r: Registry): void {
  r.test('squeeze(x, []): every size-1 axis, like TF axis=[]', () =>
    check(() => {
      expectShape(tf.squeeze(tf.zeros([1, 2, 1, 3, 1]), []), [2, 3]);
      expectShape(tf.squeeze(tf.zeros([1, 1]), []), []);
      expectShape(tf.squeeze(tf.zeros([2, 0]), []), [2, 0]);
    }),
  );

  r.test('reverseSequence: a length beyond the sequence axis or negative is a ValueError naming it', () =>
    check(() => {
      const x = tf.zeros([3, 4]);
      expectThrows(
        () => tf.reverseSequence(x, tf.tensor([4, 5, 0], [3], 'int32'), 1),
        tf.ValueError,
        /reverseSequence/,
        /seqLengths\[1\] = 5/,
        /\[0, 4\]/,
        /\[3,4\]/,
      );
      expectThrows(
        () => tf.reverseSequence(x, tf.tensor([1, 0, -1], [3], 'int32'), 1),
        tf.ValueError,
        /seqLengths\[2\] = -1/,
      );
      // The bounds themselves are fine: 0 reverses nothing, 4 the whole row.
      expectArrayEqual(
        tf.reverseSequence(
          tf.tensor([
            [1, 2],
            [3, 4],
          ]),
          tf.tensor([0, 2], [2], 'int32'),
          1,
        ),
        [1, 2, 4, 3],
      );
    }),
  );

  r.test('mean of int32: int32, the sum divided with truncation toward zero (TF1 reduce_mean), property', (env) => {
    expectArrayEqual(tf.mean(tf.tensor([-3, 0], [2], 'int32')), [-1]);
    const arb = fc
      .tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 }), fc.boolean())
      .chain(([n, m, byRow]) =>
        fc.tuple(
          fc.constant([n, m]),
          fc.array(fc.integer({ min: -50, max: 50 }), { minLength: n * m, maxLength: n * m }),
          fc.constant(byRow),
        ),
      );
    property(env, 20, arb, ([[n, m], data, byRow]) => {
      const y = tf.mean(tf.tensor(data, [n, m], 'int32'), byRow ? 1 : undefined);
      const rows = byRow ? Array.from({ length: n }, (_, i) => data.slice(i * m, (i + 1) * m)) : [data];
      const expected = rows.map((row) => Math.trunc(row.reduce((a, b) => a + b, 0) / row.length));
      if (y.dtype !== 'int32') throw new Error(`mean of int32 is ${y.dtype}`);
      expectArrayEqual(y, expected, `mean ${JSON.stringify(data)} byRow ${byRow}`);
    });
  });
}
