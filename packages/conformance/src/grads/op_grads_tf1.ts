/**
 * Gradients of the ops TF1 ports use (issue 12), first order against central differences and,
 * for the elementwise ones, second order against closed forms: everything composite must stay
 * differentiable twice, since its gradient is written with recorded ops.
 */
import * as tf from '@tapeflow/core';
import { grad, grads } from '@tapeflow/autograd';
import { expectClose, type Registry } from '../harness.js';
import { secondDerivative } from './higher_order.js';
import { binaryCase, movementCase, reduceCase, unaryCase } from './op_grads.js';
import { arrArb, expectGradMatches, property, shapeArb } from './numeric.js';
import fc from 'fast-check';

export function tf1OpGradSuite(r: Registry): void {
  // ---- math ----
  unaryCase(r, 'log1p', tf.log1p, { lo: -0.8, hi: 3 });
  secondDerivative(r, 'log1p', tf.log1p, (x) => -1 / (1 + x) ** 2, -0.7, 3);
  r.test('floor, ceil, round and sign have zero gradient (TensorFlow: None / zeros)', () =>
    tf.tidy(() => {
      const x = tf.tensor([-1.7, -0.2, 0.3, 2.5]);
      for (const f of [tf.floor, tf.ceil, tf.round, tf.sign]) {
        expectClose(grad((t) => tf.sum(tf.add(f(t), t)))(x), [1, 1, 1, 1], { rtol: 0, atol: 0, msg: f.name });
      }
    }),
  );

  // ---- activations and elementwise composites ----
  const sig = (x: number): number => 1 / (1 + Math.exp(-x));
  unaryCase(r, 'softplus', tf.softplus, { lo: -4, hi: 4 });
  unaryCase(r, 'elu', tf.elu, { away: 0.1 });
  unaryCase(r, 'leakyRelu', (x) => tf.leakyRelu(x, 0.3), { away: 0.1 });
  unaryCase(r, 'rsqrt', tf.rsqrt, { lo: 0.3, hi: 3 });
  secondDerivative(r, 'softplus', tf.softplus, (x) => sig(x) * (1 - sig(x)), -4, 4);
  secondDerivative(
    r,
    'elu',
    (x) => tf.elu(tf.sub(tf.abs(x), 2.5)),
    (x) => (Math.abs(x) - 2.5 > 0 ? 0 : Math.exp(Math.abs(x) - 2.5)),
    0.1,
    2,
  );
  secondDerivative(r, 'rsqrt', tf.rsqrt, (x) => 0.75 * x ** -2.5, 0.3, 3);
  r.test('softplus: gradient sigmoid(x) at 0 and at ±1e4 (no NaN)', () =>
    tf.tidy(() => {
      expectClose(grad((t) => tf.sum(tf.softplus(t)))(tf.tensor([0, 1e4, -1e4, 2])), [0.5, 1, 0, sig(2)], {
        rtol: 1e-6,
        atol: 1e-7,
      });
    }),
  );
  binaryCase(r, 'squaredDifference', tf.squaredDifference);
  r.test('addN gradient matches central differences (1-4 inputs)', (env) => {
    const arb = shapeArb().chain((s) => fc.array(arrArb(s), { minLength: 1, maxLength: 4 }));
    property(env, 8, arb, (xs) => expectGradMatches(env, (...ts) => tf.addN(ts), xs, 'addN'));
  });

  // ---- argMax / argMin: recorded, but no gradient flows through the indices ----
  r.test('argMax / argMin on the tape: gradients flow only through the float path', () =>
    tf.tidy(() => {
      const x = tf.tensor([
        [1, 5, 2],
        [7, 0, 3],
      ]);
      // d/dx sum(x * (argMax(x, 1) + argMin(x, 1))) = argMax + argMin per row = [1+0, 0+1].
      const g = grad((t) =>
        tf.sum(tf.mul(t, tf.expandDims(tf.cast(tf.add(tf.argMax(t, 1), tf.argMin(t, 1)), 'float32'), 1))),
      )(x);
      expectClose(g, [1, 1, 1, 1, 1, 1], { rtol: 0, atol: 0 });
    }),
  );

  // ---- prod, logSumExp ----
  reduceCase(r, 'prod', (x, axes, keep) => tf.prod(x, axes, keep));
  reduceCase(r, 'logSumExp', (x, axes, keep) => tf.logSumExp(x, axes, keep));
  r.test('prod gradient with zeros: the product of the other elements, not y / x', () =>
    tf.tidy(() => {
      const g = grad((t) => tf.sum(tf.prod(t, 1)))(
        tf.tensor([
          [0, 2, 3],
          [0, 0, 5],
          [1, 2, 4],
        ]),
      );
      expectClose(g, [6, 0, 0, 0, 0, 0, 8, 4, 2], { rtol: 0, atol: 0 });
    }),
  );
  r.test(
    "prod gradient of a long row (past the n x n form): y / x without zeros, the others' product at a single zero",
    () =>
      tf.tidy(() => {
        const n = 3000;
        const v = Array.from({ length: n }, (_, i) => Math.fround(1 + ((i % 7) - 3) * 1e-4));
        // Prefix and suffix products in float64: the product of the others without any division.
        const pre = [1],
          suf = [1];
        for (let i = 0; i < n; i++) {
          pre.push(pre[i] * v[i]);
          suf.push(suf[i] * v[n - 1 - i]);
        }
        const expected = v.map((_, i) => pre[i] * suf[n - 1 - i]);
        expectClose(grad((t) => tf.prod(t))(tf.tensor(v)), expected, { rtol: 1e-4, atol: 0 });
        const withZero = [...v];
        withZero[5] = 0;
        const g = grad((t) => tf.prod(t))(tf.tensor(withZero)).dataSync();
        expectClose(g[5], [expected[5]], { rtol: 1e-4, atol: 0, msg: 'at the zero' });
        expectClose(
          Array.from(g).filter((_, i) => i !== 5),
          new Array(n - 1).fill(0),
          { rtol: 0, atol: 0, msg: 'elsewhere' },
        );
        withZero[9] = 0;
        expectClose(grad((t) => tf.prod(t))(tf.tensor(withZero)), new Array(n).fill(0), {
          rtol: 0,
          atol: 0,
          msg: 'two zeros',
        });
      }),
  );
  r.test('prod and logSumExp: second order (the gradient of the gradient) matches central differences', (env) => {
    const arb = shapeArb(1).chain((s) => fc.tuple(arrArb(s), fc.subarray([...s.keys()], { minLength: 1 })));
    property(env, 8, arb, ([x, axes]) => {
      expectGradMatches(env, (t) => grad((u) => tf.sum(tf.mul(tf.prod(u, axes), 0.5)))(t), [x], `prod'' axes ${axes}`);
      expectGradMatches(env, (t) => grad((u) => tf.sum(tf.logSumExp(u, axes)))(t), [x], `logSumExp'' axes ${axes}`);
    });
  });
  r.test('logSumExp gradient is softmax; finite at 1e4', () =>
    tf.tidy(() => {
      const g = grad((t) => tf.sum(tf.logSumExp(t, 1)))(
        tf.tensor([
          [1e4, 1e4],
          [0, Math.log(3)],
        ]),
      );
      expectClose(g, [0.5, 0.5, 0.25, 0.75], { rtol: 1e-6, atol: 1e-7 });
    }),
  );

  // ---- cumsum ----
  movementCase(
    r,
    'cumsum',
    (s) => fc.tuple(fc.integer({ min: 0, max: s.length - 1 }), fc.boolean(), fc.boolean()),
    (x, [axis, exclusive, reverse]) => tf.cumsum(x, axis, exclusive, reverse),
  );

  // ---- losses (gradient to the labels too, TF v2) and clipping ----
  r.test(
    'softmaxCrossEntropyWithLogits: gradients to logits and labels match central differences (random axis)',
    (env) => {
      const arb = shapeArb(1).chain((s) =>
        fc.tuple(arrArb(s), arrArb(s, { lo: 0, hi: 1 }), fc.integer({ min: 0, max: s.length - 1 })),
      );
      property(env, RUNS_LOSS, arb, ([x, z, axis]) =>
        expectGradMatches(
          env,
          (l, y) => tf.softmaxCrossEntropyWithLogits({ labels: y, logits: l, axis }),
          [x, z],
          `axis ${axis}`,
        ),
      );
    },
  );
  r.test('sparseSoftmaxCrossEntropyWithLogits: gradient to the logits matches central differences', (env) => {
    const arb = shapeArb(1, 3).chain((s) =>
      fc.tuple(
        arrArb(s),
        fc.array(fc.integer({ min: 0, max: s[s.length - 1] - 1 }), {
          minLength: s.slice(0, -1).reduce((p, d) => p * d, 1),
          maxLength: s.slice(0, -1).reduce((p, d) => p * d, 1),
        }),
      ),
    );
    property(env, RUNS_LOSS, arb, ([x, idx]) => {
      const labels = tf.tensor(idx, x.shape.slice(0, -1), 'int32');
      expectGradMatches(
        env,
        (l) => tf.sparseSoftmaxCrossEntropyWithLogits({ labels, logits: l }),
        [x],
        `labels ${idx}`,
      );
      labels.dispose();
    });
  });
  r.test('sigmoidCrossEntropyWithLogits: gradients to logits and labels match central differences', (env) => {
    const arb = shapeArb().chain((s) => fc.tuple(arrArb(s, { lo: -4, hi: 4 }), arrArb(s, { lo: 0, hi: 1 })));
    property(env, RUNS_LOSS, arb, ([x, z]) =>
      expectGradMatches(env, (l, y) => tf.sigmoidCrossEntropyWithLogits({ labels: y, logits: l }), [x, z]),
    );
  });
  r.test('losses: gradients at logits ~1e4 are finite and equal sigmoid / softmax minus labels', () =>
    tf.tidy(() => {
      const [gx, gz] = grads((l, y) => tf.sum(tf.softmaxCrossEntropyWithLogits({ labels: y, logits: l })))(
        tf.tensor([[1e4, 0, -1e4]]),
        tf.tensor([[0, 1, 0]]),
      );
      expectClose(gx, [1, -1, 0], { rtol: 0, atol: 1e-6 });
      expectClose(gz, [0, 1e4, 2e4], { rtol: 1e-6, atol: 0 });
      const g = grad((l) => tf.sum(tf.sigmoidCrossEntropyWithLogits({ labels: tf.tensor([0, 1, 0.5]), logits: l })))(
        tf.tensor([1e4, -1e4, 0]),
      );
      expectClose(g, [1, -1, 0], { rtol: 0, atol: 1e-6 });
    }),
  );
  r.test(
    'softmaxCrossEntropyWithLogits and sigmoidCrossEntropyWithLogits: second order matches central differences',
    (env) => {
      const arb = shapeArb(1, 2).chain((s) => fc.tuple(arrArb(s), arrArb(s, { lo: 0, hi: 1 })));
      property(env, 6, arb, ([x, z]) => {
        const labels = tf.tensor(z.data, z.shape, env.float64 ? 'float64' : 'float32');
        expectGradMatches(
          env,
          (t) => grad((l) => tf.sum(tf.softmaxCrossEntropyWithLogits({ labels, logits: l })))(t),
          [x],
          "softmax xent''",
        );
        expectGradMatches(
          env,
          (t) => grad((l) => tf.sum(tf.sigmoidCrossEntropyWithLogits({ labels, logits: l })))(t),
          [x],
          "sigmoid xent''",
        );
        labels.dispose();
      });
    },
  );
  unaryCase(r, 'l2Loss', tf.l2Loss);
  r.test('clipByNorm gradient matches central differences (clipped and not, per axis)', (env) => {
    const arb = shapeArb(1).chain((s) =>
      fc.tuple(arrArb(s, { away: 0.2 }), fc.constantFrom(0.5, 100), fc.integer({ min: 0, max: s.length - 1 })),
    );
    property(env, RUNS_LOSS, arb, ([x, c, axis]) =>
      expectGradMatches(env, (t) => tf.clipByNorm(t, c, axis), [x], `clip ${c} axis ${axis}`),
    );
  });
  r.test('globalNorm and clipByGlobalNorm gradients match central differences (1-3 tensors)', (env) => {
    // Values away from 0 keep the norm away from its kink at 0.
    const arb = fc.tuple(
      fc.array(
        shapeArb().chain((s) => arrArb(s, { away: 0.2 })),
        { minLength: 1, maxLength: 3 },
      ),
      fc.constantFrom(0.5, 100),
    );
    property(env, RUNS_LOSS, arb, ([xs, c]) => {
      expectGradMatches(env, (...ts) => tf.globalNorm(ts), xs, 'globalNorm');
      expectGradMatches(
        env,
        (...ts) =>
          tf.concat(
            tf.clipByGlobalNorm(ts, c)[0].map((t) => tf.reshape(t!, [-1])),
            0,
          ),
        xs,
        `clipByGlobalNorm ${c}`,
      );
    });
  });
  // ---- gatherNd, embeddingLookup (repeated indices add up), unsortedSegmentSum over two dims ----
  r.test('gatherNd gradient matches central differences (repeated and out-of-range rows)', (env) => {
    const arb = shapeArb(1, 3)
      .chain((s) => fc.tuple(arrArb(s), fc.integer({ min: 1, max: s.length })))
      .chain(([p, k]) =>
        fc.tuple(
          fc.constant(p),
          fc.constant(k),
          fc.array(fc.integer({ min: -1, max: 3 }), { minLength: 3 * k, maxLength: 3 * k }),
        ),
      );
    property(env, RUNS_LOSS, arb, ([p, k, flat]) => {
      const idx = tf.tensor(
        flat.map((v, i) => Math.min(v, p.shape[i % k])),
        [3, k],
        'int32',
      );
      expectGradMatches(env, (t) => tf.gatherNd(t, idx), [p], `gatherNd ${flat}`);
      idx.dispose();
    });
  });
  r.test('embeddingLookup gradient matches central differences (mod-partitioned shards, repeated ids)', (env) => {
    const arb = fc
      .tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 2, max: 5 }))
      .chain(([n, rows]) =>
        fc.tuple(
          fc.tuple(...Array.from({ length: n }, (_, i) => arrArb([Math.ceil((rows - i) / n) || 1, 2]))),
          fc.array(fc.integer({ min: 0, max: rows - 1 }), { minLength: 1, maxLength: 6 }),
        ),
      );
    property(env, RUNS_LOSS, arb, ([shards, ids]) => {
      const total = shards.reduce((s, a) => s + a.shape[0], 0);
      const id = tf.tensor(
        ids.map((v) => v % total),
        [ids.length],
        'int32',
      );
      expectGradMatches(env, (...ts) => tf.embeddingLookup(ts, id), shards, `embeddingLookup ${ids}`);
      id.dispose();
    });
  });
  r.test('unsortedSegmentSum over two dims of segment ids: gradient matches central differences', (env) => {
    property(
      env,
      RUNS_LOSS,
      fc.tuple(arrArb([2, 3, 2]), fc.array(fc.integer({ min: -1, max: 3 }), { minLength: 6, maxLength: 6 })),
      ([x, ids]) => {
        const segs = tf.tensor(ids, [2, 3], 'int32');
        expectGradMatches(env, (t) => tf.unsortedSegmentSum(t, segs, 3), [x], `ids ${ids}`);
        segs.dispose();
      },
    );
  });
  // ---- dropout: with a fixed seed it is x * mask / keep, differentiable in x ----
  r.test('dropout gradient (fixed seed, both forms, noiseShape) matches central differences', (env) => {
    const arb = shapeArb(1).chain((s) => fc.tuple(arrArb(s), fc.constantFrom(0.3, 0.6), fc.boolean()));
    property(env, RUNS_LOSS, arb, ([x, rate, rows]) => {
      const noiseShape = rows ? x.shape.map((d, i) => (i === 0 ? d : 1)) : undefined;
      expectGradMatches(env, (t) => tf.dropout(t, { rate, noiseShape, seed: 4 }), [x], `rate ${rate}`);
      expectGradMatches(
        env,
        (t) => tf.dropout(t, { keepProb: 1 - rate, noiseShape, seed: 4 }),
        [x],
        `keepProb ${1 - rate}`,
      );
    });
  });
}

const RUNS_LOSS = 10;
