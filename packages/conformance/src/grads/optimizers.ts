/** Optimizers against plain float64 reference loops of TF1's update rules, and the leak test. */
import * as tf from '@tapeflow/core';
import type { Tensor, Variable } from '@tapeflow/core';
import { adam, momentum, sgd, type Optimizer } from '@tapeflow/autograd';
import { assert, expectClose, type Registry } from '../harness.js';
import { gradTolerance } from './numeric.js';

const start = [1.5, -2, 0.25];
const target = [0.5, 1, -1];

/** Runs `steps` of opt.minimize on sum((v - target)²) and returns v and the last loss. */
function run(dtype: tf.DType, opt: Optimizer, steps: number): { v: number[]; loss: number } {
  const v: Variable = tf.variable(tf.tensor(start, [3], dtype), { name: 'opt/v' });
  const t = tf.tensor(target, [3], dtype);
  let loss = NaN;
  for (let k = 0; k < steps; k++) {
    const l = opt.minimize(() => tf.sum(tf.square(tf.sub(v, t))));
    loss = l.dataSync()[0];
    l.dispose();
  }
  const out = Array.from(v.dataSync());
  v.dispose();
  t.dispose();
  opt.dispose();
  return { v: out, loss };
}

/** The same problem in plain JS with the gradient 2(v - target); returns v and the last loss (before its update). */
function reference(
  update: (v: number[], g: number[], step: number) => void,
  steps: number,
): { v: number[]; loss: number } {
  const v = [...start];
  let loss = NaN;
  for (let k = 1; k <= steps; k++) {
    loss = v.reduce((s, x, i) => s + (x - target[i]) ** 2, 0);
    update(
      v,
      v.map((x, i) => 2 * (x - target[i])),
      k,
    );
  }
  return { v, loss };
}

export function optimizerSuite(r: Registry): void {
  const tol = (env: { float64: boolean }) => (env.float64 ? { rtol: 1e-10, atol: 1e-12 } : { rtol: 1e-4, atol: 1e-5 });

  r.test('sgd follows v -= lr·g', (env) => {
    const got = run(gradTolerance(env).dtype, sgd(0.1), 15);
    const want = reference(
      (v, g) =>
        g.forEach((gi, i) => {
          v[i] -= 0.1 * gi;
        }),
      15,
    );
    expectClose(got.v, want.v, tol(env));
    expectClose(got.loss, want.loss, tol(env));
  });

  r.test("momentum follows TF1's accum = m·accum + g; v -= lr·accum", (env) => {
    const got = run(gradTolerance(env).dtype, momentum(0.05, 0.9), 15);
    const acc = [0, 0, 0];
    const want = reference(
      (v, g) =>
        g.forEach((gi, i) => {
          acc[i] = 0.9 * acc[i] + gi;
          v[i] -= 0.05 * acc[i];
        }),
      15,
    );
    expectClose(got.v, want.v, tol(env));
  });

  r.test("adam follows TF1's AdamOptimizer (bias correction folded into the step size)", (env) => {
    const [lr, b1, b2, eps] = [0.1, 0.8, 0.99, 1e-6];
    const got = run(gradTolerance(env).dtype, adam(lr, b1, b2, eps), 15);
    const m = [0, 0, 0],
      s = [0, 0, 0];
    const want = reference((v, g, t) => {
      const lrT = (lr * Math.sqrt(1 - b2 ** t)) / (1 - b1 ** t);
      g.forEach((gi, i) => {
        m[i] = b1 * m[i] + (1 - b1) * gi;
        s[i] = b2 * s[i] + (1 - b2) * gi * gi;
        v[i] -= (lrT * m[i]) / (Math.sqrt(s[i]) + eps);
      });
    }, 15);
    expectClose(got.v, want.v, env.float64 ? { rtol: 1e-9, atol: 1e-11 } : { rtol: 1e-3, atol: 1e-4 });
  });

  r.test('1000 minimize steps leave memory().numTensors flat (sgd, momentum, adam)', (env) => {
    const dtype = gradTolerance(env).dtype;
    for (const opt of [sgd(0.01), momentum(0.01, 0.9), adam(0.01)]) {
      const w = tf.variable(tf.randomNormal([3, 4], { seed: 7, dtype }), { name: 'leak/w' });
      const b = tf.variable(tf.zeros([4], dtype), { name: 'leak/b' });
      const x = tf.randomNormal([5, 3], { seed: 8, dtype });
      const y = tf.randomNormal([5, 4], { seed: 9, dtype });
      // A tidy inside the loss, as an RNN would have, exercises pending disposal too.
      const loss = (): Tensor =>
        tf.mean(
          tf.square(
            tf.sub(
              tf.tidy(() => tf.tanh(tf.add(tf.matmul(x, w), b))),
              y,
            ),
          ),
        );
      const counts: number[] = [];
      let first = NaN,
        last = NaN;
      for (let k = 0; k < 1000; k++) {
        const l = opt.minimize(loss);
        // Read only the first and last loss: a readback per step would time the readback path
        // (3000 synchronous reads), not the optimizers' memory.
        if (k === 0) first = l.dataSync()[0];
        if (k === 999) last = l.dataSync()[0];
        l.dispose();
        if (k === 0 || k === 999) counts.push(tf.memory().numTensors);
      }
      assert(
        counts[0] === counts[1],
        `${opt.constructor.name}: numTensors grew from ${counts[0]} after 1 step to ${counts[1]} after 1000`,
      );
      assert(last < first, `${opt.constructor.name} did not reduce the loss (${first} -> ${last})`);
      for (const t of [w, b, x, y]) t.dispose();
      opt.dispose();
    }
  });
}
