/**
 * Cross-entropy losses, l2Loss and the clipping utilities: TensorFlow's documented examples
 * (printed float32 results), stability at logits ~1e4, and properties against float64 loops.
 */
import * as tf from '@tapeflow/core';
import fc from 'fast-check';
import type { Registry } from '../harness.js';
import { assert, expectArrayEqual, expectClose, expectShape, expectThrows } from '../harness.js';
import { arrOf, floatIn, nonEmptyDim, shape } from './gen.js';
import { T, TOL, check, expectArr, property } from './util.js';
import { arr, type Arr } from './reference.js';

/** float64 rows of the last axis: loss_r = -sum_j z_rj (x_rj - logsumexp_r). */
function softmaxXentRef(z: Arr, x: Arr): Arr {
  const k = x.shape[x.shape.length - 1];
  const out: number[] = [];
  for (let r = 0; r * k < x.data.length; r++) {
    const row = x.data.slice(r * k, (r + 1) * k);
    const m = Math.max(...row);
    const lse = m + Math.log(row.reduce((s, v) => s + Math.exp(v - m), 0));
    out.push(-row.reduce((s, v, j) => s + z.data[r * k + j] * (v - lse), 0));
  }
  return arr(x.shape.slice(0, -1), out);
}
// -z log σ(x) - (1 - z) log(1 - σ(x)) with log σ(x) = -log1p(e^-x) (stable for the inputs drawn).
const sigmoidXentRef = (x: number, z: number): number =>
  z * Math.log1p(Math.exp(-x)) + (1 - z) * Math.log1p(Math.exp(x));

export function lossesSuite(r: Registry): void {
  // tf.nn.softmax_cross_entropy_with_logits's documentation example.
  r.test("softmaxCrossEntropyWithLogits: TensorFlow's documented example", () =>
    check(() => {
      const loss = tf.softmaxCrossEntropyWithLogits({
        labels: [
          [1, 0, 0],
          [0, 0.8, 0.2],
        ],
        logits: tf.tensor([
          [4, 2, 1],
          [0, 5, 1],
        ]),
      });
      expectShape(loss, [2]);
      expectClose(loss, [0.16984604, 0.82474494], TOL.transcendental);
      // axis 0: the same rows transposed.
      const t = tf.softmaxCrossEntropyWithLogits({
        labels: tf.tensor([
          [1, 0],
          [0, 0.8],
          [0, 0.2],
        ]),
        logits: tf.tensor([
          [4, 0],
          [2, 5],
          [1, 1],
        ]),
        axis: 0,
      });
      expectClose(t, [0.16984604, 0.82474494], TOL.transcendental);
    }),
  );

  // tf.nn.sparse_softmax_cross_entropy_with_logits's documentation example.
  r.test("sparseSoftmaxCrossEntropyWithLogits: TensorFlow's documented example; out-of-range labels give NaN", () =>
    check(() => {
      const logits = tf.tensor([
        [2, -5, 0.5, -0.1],
        [0, 0, 1.9, 1.4],
        [-100, 100, -100, -100],
      ]);
      expectClose(
        tf.sparseSoftmaxCrossEntropyWithLogits({ labels: tf.tensor([0, 3, 1], [3], 'int32'), logits }),
        [0.29750752, 1.1448325, 0],
        { rtol: 2e-5, atol: 1e-6 },
      );
      expectArrayEqual(
        tf
          .sparseSoftmaxCrossEntropyWithLogits({ labels: tf.tensor([4, -1, 0], [3], 'int32'), logits })
          .dataSync()
          .map((v) => (Number.isNaN(v) ? 1 : 0)),
        [1, 1, 0],
      );
    }),
  );

  // tf.nn.sigmoid_cross_entropy_with_logits's documentation example.
  r.test("sigmoidCrossEntropyWithLogits: TensorFlow's documented example", () =>
    check(() => {
      const loss = tf.sigmoidCrossEntropyWithLogits({
        labels: tf.tensor([0, 0, 0, 1, 1, 1, 0.5]),
        logits: tf.tensor([1, -1, 0, 1, -1, 0, 0]),
      });
      expectClose(
        loss,
        [1.3132617, 0.3132617, 0.6931472, 0.3132617, 1.3132617, 0.6931472, 0.6931472],
        TOL.transcendental,
      );
    }),
  );

  r.test('losses: stable for logits ~1e4 (no Infinity, no NaN)', () =>
    check(() => {
      expectClose(
        tf.softmaxCrossEntropyWithLogits({
          labels: [
            [0, 1, 0],
            [1, 0, 0],
          ],
          logits: tf.tensor([
            [1e4, 0, -1e4],
            [1e4, 1e4, -1e4],
          ]),
        }),
        [1e4, Math.LN2],
        { rtol: 1e-6, atol: 1e-6 },
      );
      expectClose(
        tf.sparseSoftmaxCrossEntropyWithLogits({
          labels: tf.tensor([1, 0], [2], 'int32'),
          logits: tf.tensor([
            [1e4, -1e4],
            [1e4, -1e4],
          ]),
        }),
        [2e4, 0],
        { rtol: 1e-6, atol: 0 },
      );
      expectClose(
        tf.sigmoidCrossEntropyWithLogits({ labels: [0, 1, 1, 0.25], logits: tf.tensor([1e4, -1e4, 1e4, 1e4]) }),
        [1e4, 1e4, 0, 7500],
        { rtol: 1e-6, atol: 0 },
      );
    }),
  );

  r.test('l2Loss: sum(x^2) / 2 as a scalar', () =>
    check(() => {
      const y = tf.l2Loss(
        tf.tensor([
          [1, 2],
          [3, -4],
        ]),
      );
      expectShape(y, []);
      expectClose(y, [15], TOL.arith);
    }),
  );

  // tf.clip_by_norm's documentation: [[1, 2, 3, 4, 5]] clipped to 2.
  r.test("clipByNorm: TensorFlow's documented example; below the norm unchanged; per-axis; zeros stay zeros", () =>
    check(() => {
      expectClose(
        tf.clipByNorm(tf.tensor([[1, 2, 3, 4, 5]]), 2),
        [0.26967996, 0.5393599, 0.80903983, 1.0787199, 1.3483998],
        TOL.arith,
      );
      expectClose(tf.clipByNorm(tf.tensor([3, 4]), 10), [3, 4], TOL.arith);
      expectClose(
        tf.clipByNorm(
          tf.tensor([
            [3, 4],
            [0.3, 0.4],
          ]),
          1,
          1,
        ),
        [0.6, 0.8, 0.3, 0.4],
        TOL.arith,
      );
      expectArrayEqual(tf.clipByNorm(tf.zeros([3]), 1), [0, 0, 0]);
    }),
  );

  r.test(
    'globalNorm and clipByGlobalNorm: scale by clipNorm / max(norm, clipNorm); nulls kept; useNorm; Infinity gives NaN',
    () =>
      check(() => {
        const a = tf.tensor([3, 0]),
          b = tf.tensor([[4]]);
        expectClose(tf.globalNorm([a, null, b]), [5], TOL.arith);
        const [clipped, norm] = tf.clipByGlobalNorm([a, null, b], 2.5);
        expectClose(norm, [5], TOL.arith);
        assert(clipped[1] === null && clipped.length === 3, 'null entry not kept in place');
        expectClose(clipped[0]!, [1.5, 0], TOL.arith);
        expectShape(clipped[2]!, [1, 1]);
        expectClose(clipped[2]!, [2], TOL.arith);
        const [same] = tf.clipByGlobalNorm([a, b], 10);
        expectClose(same[0]!, [3, 0], TOL.arith);
        const [byUse] = tf.clipByGlobalNorm([a], 1, tf.scalar(6));
        expectClose(byUse[0]!, [0.5, 0], TOL.arith);
        const [inf, infNorm] = tf.clipByGlobalNorm([tf.tensor([Infinity, 1])], 1);
        expectArrayEqual(infNorm, [Infinity]);
        expectArrayEqual(inf[0]!, [NaN, NaN]);
      }),
  );

  r.test('losses and clipping: bad arguments name the op, the argument and the shapes', () =>
    check(() => {
      const { ValueError } = tf;
      expectThrows(
        () => tf.softmaxCrossEntropyWithLogits({ labels: tf.zeros([2, 3]), logits: tf.zeros([2, 4]) }),
        ValueError,
        /softmaxCrossEntropyWithLogits/,
        /labels/,
        /\[2,3\]/,
        /\[2,4\]/,
      );
      expectThrows(
        () => tf.softmaxCrossEntropyWithLogits(tf.zeros([2]) as never),
        TypeError,
        /softmaxCrossEntropyWithLogits/,
        /labels, logits/,
      );
      expectThrows(
        () => tf.softmaxCrossEntropyWithLogits({ labels: tf.zeros([2], 'int32'), logits: tf.zeros([2], 'int32') }),
        TypeError,
        /logits/,
        /int32/,
      );
      expectThrows(
        () => tf.sparseSoftmaxCrossEntropyWithLogits({ labels: tf.zeros([3], 'int32'), logits: tf.zeros([2, 4]) }),
        ValueError,
        /sparseSoftmaxCrossEntropyWithLogits/,
        /\[3\]/,
        /\[2,4\]/,
      );
      expectThrows(
        () => tf.sparseSoftmaxCrossEntropyWithLogits({ labels: tf.zeros([2]), logits: tf.zeros([2, 4]) }),
        TypeError,
        /labels/,
        /int32/,
        /float32/,
      );
      expectThrows(
        () => tf.sigmoidCrossEntropyWithLogits({ labels: tf.zeros([3]), logits: tf.zeros([2]) }),
        ValueError,
        /sigmoidCrossEntropyWithLogits/,
        /\[3\]/,
        /\[2\]/,
      );
      expectThrows(() => tf.l2Loss(tf.zeros([2], 'int32')), TypeError, /l2Loss/, /int32/);
      expectThrows(() => tf.clipByNorm(tf.zeros([2]), 0), ValueError, /clipByNorm/, /clipNorm/);
      expectThrows(() => tf.clipByNorm(tf.zeros([2]), tf.zeros([2])), ValueError, /clipByNorm/, /scalar/, /\[2\]/);
      expectThrows(() => tf.clipByGlobalNorm([null], 1), ValueError, /clipByGlobalNorm/, /no tensors/);
      expectThrows(
        () => tf.globalNorm([tf.zeros([2]), tf.zeros([2], 'int32')]),
        TypeError,
        /globalNorm/,
        /ts\[1\]/,
        /int32/,
      );
      expectThrows(
        () => tf.clipByGlobalNorm([tf.zeros([2])], 1, tf.zeros([2])),
        ValueError,
        /clipByGlobalNorm/,
        /useNorm/,
        /\[2\]/,
      );
    }),
  );

  // ---- properties ----
  const rowsOf = (k: fc.Arbitrary<number>) => fc.tuple(shape(0, 2, nonEmptyDim), k).map(([lead, n]) => [...lead, n]);
  r.test('softmaxCrossEntropyWithLogits: property, random rows and label distributions vs float64', (env) => {
    const arb = rowsOf(fc.integer({ min: 1, max: 5 })).chain((s) =>
      fc.tuple(arrOf(s, floatIn(-20, 20)), arrOf(s, floatIn(0, 1))),
    );
    property(env, 25, arb, ([x, z]) => {
      expectArr(tf.softmaxCrossEntropyWithLogits({ labels: T(z), logits: T(x) }), softmaxXentRef(z, x), {
        rtol: 2e-5,
        atol: 2e-5,
      });
    });
  });
  r.test('sparseSoftmaxCrossEntropyWithLogits: property, random rows and class indices vs float64', (env) => {
    const arb = rowsOf(fc.integer({ min: 1, max: 5 })).chain((s) =>
      fc.tuple(arrOf(s, floatIn(-20, 20)), arrOf(s.slice(0, -1), fc.integer({ min: 0, max: s[s.length - 1] - 1 }))),
    );
    property(env, 25, arb, ([x, idx]) => {
      const k = x.shape[x.shape.length - 1];
      const z = arr(
        x.shape,
        x.data.map((_, i) => (idx.data[Math.floor(i / k)] === i % k ? 1 : 0)),
      );
      expectArr(
        tf.sparseSoftmaxCrossEntropyWithLogits({ labels: T(idx, 'int32'), logits: T(x) }),
        softmaxXentRef(z, x),
        { rtol: 2e-5, atol: 2e-5 },
      );
    });
  });
  r.test('sigmoidCrossEntropyWithLogits: property, random shapes vs float64', (env) => {
    const arb = shape(0, 3).chain((s) => fc.tuple(arrOf(s, floatIn(-30, 30)), arrOf(s, floatIn(0, 1))));
    property(env, 25, arb, ([x, z]) => {
      expectArr(
        tf.sigmoidCrossEntropyWithLogits({ labels: T(z), logits: T(x) }),
        arr(
          x.shape,
          x.data.map((v, i) => sigmoidXentRef(v, z.data[i])),
        ),
        { rtol: 2e-5, atol: 2e-5 },
      );
    });
  });
  r.test('clipByGlobalNorm: property, 1-3 random tensors and clip norms vs float64', (env) => {
    const arb = fc.tuple(
      fc.array(
        shape(0, 3).chain((s) => arrOf(s, floatIn(-3, 3))),
        { minLength: 1, maxLength: 3 },
      ),
      floatIn(0.1, 8),
    );
    property(env, 20, arb, ([as, c]) => {
      const norm = Math.sqrt(as.reduce((s, a) => s + a.data.reduce((q, v) => q + v * v, 0), 0));
      const [clipped, n] = tf.clipByGlobalNorm(
        as.map((a) => T(a)),
        c,
      );
      expectClose(n, [norm], { rtol: 1e-5, atol: 1e-6 });
      as.forEach((a, i) =>
        expectArr(
          clipped[i]!,
          arr(
            a.shape,
            a.data.map((v) => (v * c) / Math.max(norm, c)),
          ),
          { rtol: 1e-5, atol: 1e-6 },
        ),
      );
    });
  });
}
