/**
 * The independent reference for every gradient test: central differences of the forward op,
 *   d/dx_j sum_k w_k f(x)_k ≈ sum_k w_k (f(x + eps e_j)_k - f(x - eps e_j)_k) / (2 eps),
 * summed on the host in float64. Outputs that do not depend on x_j come out bit-identical in
 * both evaluations and cancel exactly, so the rounding error only involves the affected elements.
 */
import fc from 'fast-check';
import { noGrad, grads } from '@tapeflow/autograd';
import { Tensor, mul, sum, tensor, tidy, type DType } from '@tapeflow/core';
import { expectClose, fcParams, expectNoLeak, type TestEnv } from '../harness.js';

export interface Arr {
  shape: number[];
  data: number[];
}

/**
 * float64 (eps 1e-5): truncation error eps²·|f'''|/6 ≲ 1e-9 for our inputs (|f'''| ≲ 50),
 * rounding u·|y|/eps ≲ 1e-10; rtol 1e-5 + atol 1e-6 leaves two orders of margin, while any real
 * mistake in a rule (a missing term, a wrong sign, a lost broadcast sum) is O(1).
 * float32 (eps 1e-2, for backends without float64): rounding of the affected outputs is
 * ≈ 6e-8·|y|/eps ≈ 6e-6·|y|, GPU transcendentals add ~2e-5·|y|/eps ≈ 2e-3·|y|, truncation
 * ≈ 1.7e-5·|f'''|; hence rtol 2e-2, atol 5e-3. Inputs stay ≥ 0.1 from any kink, more than eps.
 */
export function gradTolerance(env: TestEnv): { dtype: DType; eps: number; rtol: number; atol: number } {
  return env.float64
    ? { dtype: 'float64', eps: 1e-5, rtol: 1e-5, atol: 1e-6 }
    : { dtype: 'float32', eps: 1e-2, rtol: 2e-2, atol: 5e-3 };
}

/** Deterministic, varied weights (sign changes included) so the loss is not just a plain sum. */
export const weights = (n: number): number[] => Array.from({ length: n }, (_, i) => (((i * 37) % 11) - 5) / 3 + 0.25);

const size = (s: readonly number[]): number => s.reduce((n, d) => n * d, 1);

/**
 * Asserts grads of sum(w ⊙ f(...xs)) equal central differences for every element of every input.
 * `diff` lists the inputs to differentiate (default: all); others are passed as given (e.g. int indices).
 */
export function expectGradMatches(
  env: TestEnv,
  f: (...xs: Tensor[]) => Tensor,
  inputs: (Arr | Tensor)[],
  msg = '',
  diff?: number[],
): void {
  const { dtype, eps, rtol, atol } = gradTolerance(env);
  const which = diff ?? inputs.map((_, i) => i);
  expectNoLeak(
    () =>
      tidy(() => {
        const xs = inputs.map((a) => (a instanceof Tensor ? a : tensor(a.data, a.shape, dtype)));
        const y0 = noGrad(() => f(...xs));
        const w = weights(y0.size);
        const wT = tensor(w, y0.shape, y0.dtype);
        const loss = (...args: Tensor[]): Tensor => sum(mul(f(...args), wT));
        const analytic = grads((...ds: Tensor[]) =>
          loss(...xs.map((x, i) => (which.includes(i) ? ds[which.indexOf(i)] : x))),
        )(...which.map((i) => xs[i]));
        const evalAt = (i: number, vals: number[]): Float64Array =>
          noGrad(() =>
            tidy(() => {
              const args = xs.map((x, k) => (k === i ? tensor(vals, x.shape, dtype) : x));
              return Float64Array.from(f(...args).dataSync());
            }),
          );
        which.forEach((i, gi) => {
          const x = xs[i];
          const base = Array.from(x.dataSync());
          const numeric = base.map((v, j) => {
            base[j] = v + eps;
            const up = evalAt(i, base);
            base[j] = v - eps;
            const down = evalAt(i, base);
            base[j] = v;
            let d = 0;
            for (let k = 0; k < up.length; k++) if (up[k] !== down[k]) d += w[k] * (up[k] - down[k]);
            return d / (2 * eps);
          });
          expectClose(analytic[gi], numeric, { rtol, atol, msg: `${msg} d/d input ${i} ${JSON.stringify(x.shape)}:` });
        });
      }),
    msg,
  );
}

// ---- arbitraries ---------------------------------------------------------------------------

export const shapeArb = (minRank = 0, maxRank = 3, maxDim = 3): fc.Arbitrary<number[]> =>
  fc.array(fc.integer({ min: 1, max: maxDim }), { minLength: minRank, maxLength: maxRank });

export interface ValueOpts {
  lo?: number;
  hi?: number;
  away?: number;
}

/** Values in [lo, hi], at least `away` from 0 when given (kinks of abs, relu, ...). float32-exact. */
export function arrArb(shape: number[], { lo = -2, hi = 2, away }: ValueOpts = {}): fc.Arbitrary<Arr> {
  const n = size(shape);
  return fc
    .array(fc.double({ min: lo, max: hi, noNaN: true, noDefaultInfinity: true }), { minLength: n, maxLength: n })
    .map((vs) => ({
      shape,
      data: vs.map((v) => Math.fround(away === undefined ? v : Math.sign(v || 1) * (away + Math.abs(v)))),
    }));
}

/** Distinct values spaced ≥ 0.1 apart (max/min ties would make the gradient ill-defined). */
export function distinctArb(shape: number[]): fc.Arbitrary<Arr> {
  const n = size(shape);
  return fc
    .uniqueArray(fc.integer({ min: -30, max: 30 }), { minLength: n, maxLength: n })
    .map((vs) => ({ shape, data: vs.map((v) => Math.fround(v / 10)) }));
}

/** A shape that broadcasts to `s`: a suffix of it with some dims set to 1. */
export const broadcastableTo = (s: number[]): fc.Arbitrary<number[]> =>
  fc
    .tuple(fc.integer({ min: 0, max: s.length }), fc.array(fc.boolean(), { minLength: s.length, maxLength: s.length }))
    .map(([drop, ones]) => s.slice(drop).map((d, i) => (ones[i + drop] ? 1 : d)));

/** Runs a fast-check property with the suite's seed; each case checks gradients itself. */
export function property<T>(env: TestEnv, runs: number, arb: fc.Arbitrary<T>, pred: (v: T) => void): void {
  fc.assert(
    fc.property(arb, (v) => {
      pred(v);
    }),
    fcParams(env, runs),
  );
}
