/**
 * Second derivatives against closed forms. Rules that read their op's saved output (tanh,
 * sigmoid, exp) are where TensorFlow.js breaks (tfjs#3252); here the saved output is itself a
 * recorded tensor, so the outer tape differentiates through it.
 */
import fc from 'fast-check';
import * as tf from '@tapeflow/core';
import { grad, grads } from '@tapeflow/autograd';
import type { Tensor } from '@tapeflow/core';
import { expectClose, type Registry } from '../harness.js';
import { arrArb, gradTolerance, property, shapeArb, type Arr } from './numeric.js';

const RUNS = 10;

/** d²/dx² of sum(f(x)), elementwise, against `second` computed on the host in float64. */
export function secondDerivative(
  r: Registry,
  name: string,
  f: (x: Tensor) => Tensor,
  second: (x: number) => number,
  lo = -2,
  hi = 2,
): void {
  r.test(`${name}: grad(grad(f)) equals the closed-form second derivative`, (env) => {
    const { dtype } = gradTolerance(env);
    // The analytic second derivative is exact arithmetic on rounded inputs: float32 adds a few ulps per op.
    const tol = env.float64 ? { rtol: 1e-10, atol: 1e-12 } : { rtol: 1e-4, atol: 1e-5 };
    property(
      env,
      RUNS,
      shapeArb().chain((s) => arrArb(s, { lo, hi })),
      (a: Arr) =>
        tf.tidy(() => {
          const x = tf.tensor(a.data, a.shape, dtype);
          const x64 = Array.from(x.dataSync());
          const before = tf.memory().numTensors;
          const g2 = grad((y) => tf.sum(grad((z) => tf.sum(f(z)))(y)))(x);
          expectClose(g2, x64.map(second), { ...tol, msg: name });
          g2.dispose();
          expectClose(tf.memory().numTensors, before, {
            rtol: 0,
            atol: 0,
            msg: `${name}: tensors leaked by grad(grad(f))`,
          });
        }),
    );
  });
}

const sig = (x: number): number => 1 / (1 + Math.exp(-x));

export function higherOrderSuite(r: Registry): void {
  secondDerivative(r, 'tanh', tf.tanh, (x) => -2 * Math.tanh(x) * (1 - Math.tanh(x) ** 2), -3, 3);
  secondDerivative(r, 'sigmoid', tf.sigmoid, (x) => sig(x) * (1 - sig(x)) * (1 - 2 * sig(x)), -4, 4);
  secondDerivative(r, 'exp', tf.exp, Math.exp);
  secondDerivative(r, 'log', tf.log, (x) => -1 / (x * x), 0.3, 3);
  secondDerivative(
    r,
    'mul (x·x·x)',
    (x) => tf.mul(tf.mul(x, x), x),
    (x) => 6 * x,
  );
  secondDerivative(r, 'sqrt', tf.sqrt, (x) => -0.25 * x ** -1.5, 0.3, 3);

  r.test('mul: mixed second derivative d/dy sum(w ⊙ d/dx sum(x ⊙ y)) = w', (env) => {
    const { dtype } = gradTolerance(env);
    property(
      env,
      RUNS,
      shapeArb().chain((s) => fc.tuple(arrArb(s), arrArb(s), arrArb(s))),
      ([a, b, w]) =>
        tf.tidy(() => {
          const [x, y, wt] = [a, b, w].map((v) => tf.tensor(v.data, v.shape, dtype));
          const [, dy] = grads((p, q) => tf.sum(tf.mul(wt, grads((u, v) => tf.sum(tf.mul(u, v)))(p, q)[0])))(x, y);
          expectClose(dy, wt.dataSync(), { rtol: 0, atol: 0, msg: 'mixed' });
        }),
    );
  });

  r.test('matmul: second derivative of sum(A @ A) against its closed form', (env) => {
    const { dtype } = gradTolerance(env);
    // f(A) = sum(A A) has ∂f/∂A_ab = rowsum(A)_b + colsum(A)_a, so h(A) = sum(W ⊙ ∇f) has
    // ∂h/∂A_pq = colsum(W)_p + rowsum(W)_q.
    const arb = fc.integer({ min: 1, max: 4 }).chain((n) => fc.tuple(arrArb([n, n]), arrArb([n, n])));
    property(env, RUNS, arb, ([a, w]) =>
      tf.tidy(() => {
        const n = a.shape[0];
        const [A, W] = [a, w].map((v) => tf.tensor(v.data, v.shape, dtype));
        const Wv = Array.from(W.dataSync());
        const h = grad((x) => tf.sum(tf.mul(W, grad((y) => tf.sum(tf.matmul(y, y)))(x))))(A);
        const expected: number[] = [];
        for (let p = 0; p < n; p++)
          for (let q = 0; q < n; q++) {
            let col = 0,
              row = 0;
            for (let i = 0; i < n; i++) {
              col += Wv[i * n + p];
              row += Wv[q * n + i];
            }
            expected.push(col + row);
          }
        expectClose(h, expected, { rtol: 1e-6, atol: 1e-5, msg: 'matmul second derivative' });
      }),
    );
  });

  r.test('third derivative of exp through three nested grads', (env) => {
    const { dtype } = gradTolerance(env);
    tf.tidy(() => {
      const x = tf.tensor([-1, 0, 0.5, 1.5], [4], dtype);
      const d1 = (t: Tensor): Tensor => grad((z) => tf.sum(tf.exp(z)))(t);
      const d2 = (t: Tensor): Tensor => grad((z) => tf.sum(d1(z)))(t);
      const d3 = grad((z) => tf.sum(d2(z)))(x);
      expectClose(d3, Array.from(x.dataSync(), Math.exp), { rtol: env.float64 ? 1e-12 : 1e-5 });
    });
  });
}
