/**
 * Bad input: ValueError for bad shapes, axes and argument values, TypeError for wrong kinds and
 * dtypes. Each message must name the op, the argument and the shapes involved. Every case runs
 * in check(), so a failing op must not leak the temporaries it made before throwing either.
 */
import * as tf from '@tapeflow/core';
import type { Registry } from '../harness.js';
import { assert, expectRejects, expectThrows } from '../harness.js';
import { check } from './util.js';

const { ValueError } = tf;
/** Matches a shape as messages print it: [2,3]. */
const sh = (...dims: number[]): RegExp => new RegExp(`\\[${dims.join(',')}\\]`);

export function errorsSuite(r: Registry): void {
  r.test('ValueError: is an Error named ValueError', () => {
    const e = new ValueError('x');
    assert(e instanceof Error && e.name === 'ValueError' && e.message === 'x', 'ValueError is not a proper Error');
  });

  r.test('matmul: inner dimensions that differ name a, b and both shapes', () =>
    check(() => {
      expectThrows(
        () => tf.matmul(tf.zeros([2, 3]), tf.zeros([4, 5])),
        ValueError,
        /matmul/,
        /\ba\b/,
        /\bb\b/,
        sh(2, 3),
        sh(4, 5),
      );
      expectThrows(
        () => tf.matmul(tf.zeros([2, 3]), tf.zeros([3, 2]), false, true),
        ValueError,
        /matmul/,
        /ᵀ|transpose/,
      );
      // With transposeA the inner dim of a [3,2] is 3, which b [2,4] does not match.
      expectThrows(() => tf.matmul(tf.zeros([3, 2]), tf.zeros([2, 4]), true), ValueError, /matmul/, sh(3, 2), sh(2, 4));
    }),
  );

  r.test('matmul: rank < 2 and incompatible batch dims', () =>
    check(() => {
      expectThrows(() => tf.matmul(tf.zeros([3]), tf.zeros([3, 2])), ValueError, /matmul/, /rank/, sh(3), sh(3, 2));
      expectThrows(
        () => tf.matmul(tf.zeros([2, 2, 2]), tf.zeros([3, 2, 2])),
        ValueError,
        /matmul/,
        sh(2, 2, 2),
        sh(3, 2, 2),
      );
    }),
  );

  r.test('binary ops: shapes that do not broadcast name the op and both shapes', () =>
    check(() => {
      expectThrows(() => tf.add(tf.zeros([2, 3]), tf.zeros([4])), ValueError, /add/, sh(2, 3), sh(4));
      expectThrows(() => tf.mul(tf.zeros([2, 1, 3]), tf.zeros([2, 2])), ValueError, /mul/, sh(2, 1, 3), sh(2, 2));
      expectThrows(() => tf.less(tf.zeros([3]), tf.zeros([2])), ValueError, /less/, sh(3), sh(2));
      expectThrows(
        () => tf.where(tf.tensor([true, false, true]), tf.zeros([2]), tf.zeros([2])),
        ValueError,
        /where/,
        sh(3),
        sh(2),
      );
    }),
  );

  r.test('binary ops: mixed dtypes are a TypeError naming both dtypes', () =>
    check(() => {
      expectThrows(() => tf.add(tf.zeros([2]), tf.zeros([2], 'int32')), TypeError, /add/, /float32/, /int32/, sh(2));
      expectThrows(
        () => tf.matmul(tf.zeros([2, 2]), tf.zeros([2, 2], 'int32')),
        TypeError,
        /matmul/,
        /float32/,
        /int32/,
      );
      expectThrows(() => tf.where(tf.tensor([true]), tf.zeros([1]), tf.zeros([1], 'int32')), TypeError, /where/);
      expectThrows(() => tf.concat([tf.zeros([1]), tf.zeros([1], 'int32')]), TypeError, /concat/, /float32/, /int32/);
    }),
  );

  r.test('wrong dtypes: float-only ops on int32, arithmetic on bool, logic on numbers', () =>
    check(() => {
      expectThrows(() => tf.exp(tf.zeros([2], 'int32')), TypeError, /exp/, /\bx\b/, /int32/, sh(2));
      expectThrows(() => tf.softmax(tf.zeros([2], 'int32')), TypeError, /softmax/, /logits/, /int32/);
      expectThrows(() => tf.mean(tf.tensor([true])), TypeError, /mean/, /bool/);
      expectThrows(() => tf.add(tf.tensor([true]), tf.tensor([false])), TypeError, /add/, /bool/);
      expectThrows(() => tf.max(tf.tensor([true])), TypeError, /max/, /bool/);
      expectThrows(() => tf.logicalAnd(tf.zeros([1]), tf.zeros([1])), TypeError, /logicalAnd/, /bool/);
      expectThrows(() => tf.logicalNot(tf.zeros([1])), TypeError, /logicalNot/, /bool/);
      expectThrows(() => tf.where(tf.zeros([2]), tf.zeros([2]), tf.zeros([2])), TypeError, /where/, /cond/, /float32/);
      expectThrows(() => tf.gather(tf.zeros([3]), tf.zeros([1])), TypeError, /gather/, /indices/, /float32/);
      expectThrows(() => tf.oneHot(tf.zeros([2]), 3), TypeError, /oneHot/, /indices/, /float32/);
      expectThrows(() => tf.sequenceMask(tf.zeros([2]), 3), TypeError, /sequenceMask/, /lengths/, /float32/);
      expectThrows(() => tf.cast(tf.zeros([1]), 'float16' as tf.DType), TypeError, /cast/, /float16/);
    }),
  );

  r.test('wrong kinds of object are a TypeError naming the op and argument', () =>
    check(() => {
      expectThrows(() => tf.add(null as unknown as tf.Tensor, 1), TypeError, /add/, /\ba\b/, /null/);
      expectThrows(
        () => tf.matmul(tf.zeros([2, 2]), 'x' as unknown as tf.Tensor),
        TypeError,
        /matmul/,
        /\bb\b/,
        /string/,
      );
      expectThrows(() => tf.tensor(['a'] as unknown as number[]), TypeError, /tensor/, /string/);
      expectThrows(() => tf.tensor([1], [1], 'complex64' as tf.DType), TypeError, /tensor/, /complex64/);
      expectThrows(() => tf.tidy(5 as unknown as () => void), TypeError, /tidy/);
      expectThrows(() => tf.tensor(tf.zeros([1])), TypeError, /tensor/);
    }),
  );

  r.test('bad axes: out of range, repeated, for reductions and shape ops', () =>
    check(() => {
      const x = tf.zeros([2, 3]);
      expectThrows(() => tf.sum(x, 2), ValueError, /sum/, /axis/, /\b2\b/, /rank 2/, sh(2, 3), /-2\.\.1/);
      expectThrows(() => tf.max(x, -3), ValueError, /max/, /axis/, /-3/);
      expectThrows(() => tf.sum(x, [0, 0]), ValueError, /sum/, /axis/, /repeat/);
      expectThrows(() => tf.sum(x, [0, -2]), ValueError, /sum/, /repeat/);
      expectThrows(() => tf.softmax(x, 2), ValueError, /softmax/, /axis/, sh(2, 3));
      expectThrows(() => tf.concat([x, x], 2), ValueError, /concat/, /axis/);
      expectThrows(() => tf.expandDims(x, 3), ValueError, /expandDims/, /axis/);
      expectThrows(() => tf.squeeze(x, 0), ValueError, /squeeze/, /axis 0/, sh(2, 3));
      expectThrows(() => tf.gather(x, [0], 2), ValueError, /gather/, /axis/, sh(2, 3));
      expectThrows(() => tf.reverse(x, 5), ValueError, /reverse/, /axis/);
      expectThrows(() => tf.unstack(x, -3), ValueError, /unstack/, /axis/);
      expectThrows(() => tf.sum(x, 0.5), ValueError, /sum/, /axis/);
    }),
  );

  r.test('reshape: to a different size names both shapes and sizes', () =>
    check(() => {
      expectThrows(() => tf.reshape(tf.zeros([2, 3]), [4]), ValueError, /reshape/, sh(2, 3), sh(4), /6/);
      expectThrows(() => tf.reshape(tf.zeros([2, 3]), [4, -1]), ValueError, /reshape/, sh(2, 3), sh(4, -1));
      expectThrows(() => tf.reshape(tf.zeros([2, 3]), [-1, -1]), ValueError, /reshape/, /-1/);
      expectThrows(() => tf.reshape(tf.zeros([2, 3]), [2.5, 2]), ValueError, /reshape/, /shape/);
    }),
  );

  r.test('concat: different ranks, mismatched dims, empty list', () =>
    check(() => {
      expectThrows(() => tf.concat([tf.zeros([2]), tf.zeros([2, 2])]), ValueError, /concat/, /rank/, sh(2), sh(2, 2));
      expectThrows(() => tf.concat([tf.zeros([2, 3]), tf.zeros([2, 4])], 0), ValueError, /concat/, sh(2, 3), sh(2, 4));
      expectThrows(() => tf.concat([]), ValueError, /concat/, /xs/);
      expectThrows(() => tf.stack([tf.zeros([2]), tf.zeros([3])]), ValueError, /stack/, sh(2), sh(3));
    }),
  );

  r.test('slice, split, pad, tile, transpose: bad arguments name the op, argument and shape', () =>
    check(() => {
      const x = tf.zeros([2, 3]);
      expectThrows(() => tf.slice(x, [1, 1], [2, 1]), ValueError, /slice/, /begin/, sh(2, 3));
      expectThrows(() => tf.slice(x, [-1, 0], [1, 1]), ValueError, /slice/, /begin/);
      expectThrows(() => tf.slice(x, [0, 0, 0], [1, 1, 1]), ValueError, /slice/, /rank/);
      expectThrows(() => tf.split(x, 2, 1), ValueError, /split/, sh(2, 3), /axis 1/);
      expectThrows(() => tf.split(x, [1, 1], 1), ValueError, /split/, /sizes/, sh(2, 3));
      expectThrows(() => tf.pad(x, [[1, 1]]), ValueError, /pad/, /paddings/, sh(2, 3));
      expectThrows(
        () =>
          tf.pad(x, [
            [1, 1],
            [-1, 0],
          ]),
        ValueError,
        /pad/,
        /paddings/,
      );
      expectThrows(() => tf.tile(x, [2]), ValueError, /tile/, /reps/, sh(2, 3));
      expectThrows(() => tf.transpose(x, [0, 0]), ValueError, /transpose/, /perm/, sh(2, 3));
      expectThrows(() => tf.transpose(x, [0, 1, 2]), ValueError, /transpose/, /perm/);
    }),
  );

  r.test('reverseSequence, oneHot, clipByValue, range, random: bad values', () =>
    check(() => {
      const x = tf.zeros([2, 3]);
      expectThrows(
        () => tf.reverseSequence(x, tf.tensor([1, 1, 1], [3], 'int32'), 1, 0),
        ValueError,
        /reverseSequence/,
        /seqLengths/,
        sh(2, 3),
        sh(3),
      );
      expectThrows(
        () => tf.reverseSequence(x, tf.tensor([1, 1], [2], 'int32'), 0, 0),
        ValueError,
        /reverseSequence/,
        /seqAxis/,
        /batchAxis/,
      );
      expectThrows(
        () => tf.reverseSequence(x, tf.tensor([1, 1], [2], 'int32'), 2, 0),
        ValueError,
        /reverseSequence/,
        /seqAxis/,
      );
      expectThrows(() => tf.oneHot(tf.tensor([1], [1], 'int32'), 0), ValueError, /oneHot/, /depth/);
      expectThrows(() => tf.clipByValue(x, 1, 0), ValueError, /clipByValue/, /clipMin/, /clipMax/);
      expectThrows(() => tf.range(0, 5, 0), ValueError, /range/, /step/);
      expectThrows(() => tf.randomUniform([2], { minval: 1, maxval: 1 }), ValueError, /randomUniform/, /minval/);
      expectThrows(() => tf.randomNormal([2], { stddev: -1 }), ValueError, /randomNormal/, /stddev/);
      expectThrows(() => tf.zeros([2, -1]), ValueError, /shape/);
    }),
  );

  r.test('tensor: ragged arrays and wrong value counts', () =>
    check(() => {
      expectThrows(() => tf.tensor([[1, 2], [3]]), ValueError, /tensor/, /ragged/);
      expectThrows(() => tf.tensor([1, 2, 3], [2, 2]), ValueError, /tensor/, /3 values/, sh(2, 2));
    }),
  );

  r.test('use of a disposed tensor names the op, argument and shape', () =>
    check(() => {
      const t = tf.tensor([[1, 2]]);
      t.dispose();
      expectThrows(() => tf.add(tf.ones([1, 2]), t), ValueError, /add/, /'b'/, /disposed/, sh(1, 2));
      expectThrows(() => tf.exp(t), ValueError, /exp/, /'x'/, /disposed/);
      expectThrows(() => tf.concat([tf.ones([1, 2]), t]), ValueError, /concat/, /xs\[1\]/, /disposed/);
      expectThrows(() => t.arraySync(), ValueError, /disposed/);
      expectThrows(() => tf.variable(t), ValueError, /variable/, /disposed/);
      expectThrows(() => tf.zerosLike(t), ValueError, /zerosLike/, /disposed/);
    }),
  );

  r.test('setBackend: an unknown backend is a ValueError naming it', async () => {
    await expectRejects(() => tf.setBackend('no-such-backend'), ValueError, /setBackend/, /no-such-backend/);
  });
}
