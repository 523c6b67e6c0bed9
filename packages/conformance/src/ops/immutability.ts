/** Tensors are immutable: no op changes its inputs, and tensor() neither mutates nor aliases user arrays. */
import * as tf from '@tapeflow/core';
import type { Registry } from '../harness.js';
import { assert, expectArrayEqual, expectNestedEqual } from '../harness.js';
import { anyArr, floatIn, nonEmptyDim } from './gen.js';
import { T, check, property } from './util.js';

/** Every op of the contract applied to x (float32, rank >= 1, non-empty), and to an int32/bool companion. */
function applyAll(x: tf.Tensor): void {
  const r = x.rank;
  const i = tf.cast(x, 'int32');
  const b = tf.greater(x, 0);
  const idx = tf.tensor([0], [1], 'int32');
  tf.add(x, x);
  tf.sub(x, 1);
  tf.mul(x, x);
  tf.div(x, 2);
  tf.neg(x);
  tf.abs(x);
  tf.exp(x);
  tf.log(x);
  tf.sqrt(x);
  tf.square(x);
  tf.pow(x, 2);
  tf.maximum(x, 0);
  tf.minimum(x, 0);
  tf.tanh(x);
  tf.sigmoid(x);
  tf.relu(x);
  tf.greater(x, 1);
  tf.greaterEqual(x, 1);
  tf.less(x, 1);
  tf.lessEqual(x, 1);
  tf.equal(x, 1);
  tf.logicalAnd(b, b);
  tf.logicalNot(b);
  tf.where(b, x, tf.neg(x));
  tf.sum(x);
  tf.mean(x, 0);
  tf.max(x, -1, true);
  tf.min(x);
  tf.softmax(x);
  tf.logSoftmax(x);
  tf.reshape(x, [-1]);
  tf.transpose(x);
  tf.expandDims(x);
  tf.squeeze(tf.expandDims(x));
  tf.slice(x, 0);
  tf.concat([x, x]);
  tf.split(x, 1);
  tf.stack([x, x]);
  tf.unstack(x);
  tf.gather(x, idx);
  tf.pad(
    x,
    x.shape.map(() => [1, 1] as [number, number]),
  );
  tf.reverse(x);
  tf.tile(
    x,
    x.shape.map(() => 2),
  );
  tf.cast(x, 'bool');
  tf.clipByValue(x, 0, 1);
  tf.oneHot(idx, 2);
  tf.sequenceMask(idx, 2);
  tf.zerosLike(x);
  tf.onesLike(x);
  tf.sum(i);
  tf.div(i, 2);
  tf.sum(b);
  // The TF1 port ops.
  tf.floor(x);
  tf.ceil(x);
  tf.round(x);
  tf.sign(x);
  tf.sign(i);
  tf.log1p(x);
  tf.rsqrt(x);
  tf.softplus(x);
  tf.elu(x);
  tf.leakyRelu(x);
  tf.notEqual(x, 1);
  tf.logicalOr(b, b);
  tf.squaredDifference(x, 1);
  tf.addN([x, x]);
  tf.argMax(x);
  tf.argMin(i, -1);
  tf.cumsum(x, 0, true, true);
  tf.prod(x);
  tf.any(b);
  tf.all(b, 0);
  tf.logSumExp(x, -1);
  tf.l2Loss(x);
  tf.softmaxCrossEntropyWithLogits({ labels: x, logits: x });
  tf.sigmoidCrossEntropyWithLogits({ labels: x, logits: x });
  tf.sparseSoftmaxCrossEntropyWithLogits({ labels: tf.zeros(x.shape.slice(0, -1), 'int32'), logits: x });
  tf.clipByNorm(x, 0.5);
  tf.clipByGlobalNorm([x, x], 0.5);
  tf.globalNorm([x]);
  tf.gatherNd(x, tf.zeros([2, 1], 'int32'));
  tf.embeddingLookup(x, idx);
  tf.unsortedSegmentSum(x, tf.zeros([x.shape[0]], 'int32'), 2);
  tf.dropout(x, { rate: 0.5 });
  if (r >= 2) {
    tf.matmul(x, x, false, true);
    tf.matmul(i, i, true, false);
    tf.reverseSequence(x, tf.fill([x.shape[0]], 1, 'int32'), 1, 0);
  }
}

export function immutabilitySuite(r: Registry): void {
  r.test('no op mutates its inputs: property, every op on random float32 tensors', (env) => {
    // Positive values keep log/sqrt finite; the check is on the input, not the outputs.
    property(env, 15, anyArr(floatIn(0.1, 5), 1, 3, nonEmptyDim), (a) => {
      const x = T(a);
      applyAll(x);
      expectArrayEqual(x, a.data, 'input changed');
    });
  });

  r.test('tensor(): the user array is not mutated, and later changes to it do not reach the tensor', () =>
    check(() => {
      const nested = [
        [1.5, 2],
        [3, 4],
      ];
      const t = tf.tensor(nested);
      nested[0][0] = 99;
      expectArrayEqual(t, [1.5, 2, 3, 4]);
      const typed = new Float32Array([1, 2, 3]);
      const u = tf.tensor(typed);
      typed[0] = 42;
      expectArrayEqual(u, [1, 2, 3]);
      const ints = new Int32Array([5, 6]);
      tf.tensor(ints, [2], 'float32');
      expectArrayEqual(ints, [5, 6]);
      const mixed = [1.7, -2.2];
      tf.tensor(mixed, [2], 'int32');
      expectNestedEqual(mixed, [1.7, -2.2]);
      const flags = [true, false];
      tf.tensor(flags);
      expectNestedEqual(flags, [true, false]);
    }),
  );

  r.test('shape arguments are not mutated or aliased', () =>
    check(() => {
      const s = [2, 3];
      const z = tf.zeros(s);
      s[0] = 5;
      assert(z.shape[0] === 2, `tensor shape follows the caller's array: ${z.shape}`);
      const target = [3, 2];
      tf.reshape(z, target);
      expectNestedEqual(target, [3, 2]);
      const perm = [1, 0];
      tf.transpose(z, perm);
      expectNestedEqual(perm, [1, 0]);
      const axes = [1, 0];
      tf.sum(z, axes);
      expectNestedEqual(axes, [1, 0]);
      const begin = [0, 1];
      const size = [2, -1];
      tf.slice(z, begin, size);
      expectNestedEqual(
        [begin, size],
        [
          [0, 1],
          [2, -1],
        ],
      );
      const paddings: [number, number][] = [
        [1, 0],
        [0, 1],
      ];
      tf.pad(z, paddings);
      expectNestedEqual(paddings, [
        [1, 0],
        [0, 1],
      ]);
      const sizes = [1, -1];
      tf.split(z, sizes, 1);
      expectNestedEqual(sizes, [1, -1]);
      const list = [z, z];
      tf.concat(list);
      assert(list.length === 2 && list[0] === z, 'concat changed its list');
    }),
  );

  r.test('dataSync returns a copy: writing to it does not change the tensor', () =>
    check(() => {
      const t = tf.tensor([1, 2, 3, 4], [2, 2]);
      const d1 = t.dataSync();
      d1.fill(0);
      expectArrayEqual(t.dataSync(), [1, 2, 3, 4]);
      const y = tf.reshape(t, [4]);
      expectArrayEqual(y, [1, 2, 3, 4]);
    }),
  );
}
