/** Shared plumbing for the op suites: tensors from reference arrays, tolerances, leak-checked runs. */
import fc from 'fast-check';
import { tidy, tensor, type DType, type Tensor } from '@tapeflow/core';
import { expectClose, expectNoLeak, expectShape, expectWithin, fcParams, type TestEnv } from '../harness.js';
import { arr, type Arr } from './reference.js';

export const T = (a: Arr, dtype: DType = 'float32'): Tensor => tensor(a.data, a.shape, dtype);
export const toArr = (t: Tensor): Arr => arr(t.shape, t.dataSync());

/**
 * Tolerances of float32 results against the float64 reference. Inputs are float32-exact (the
 * generators round with Math.fround), so the only error is the backend's own rounding:
 * - exact: movement, int32, bool and comparisons copy or decide, they never round;
 * - arith: one rounding is 2^-24 ≈ 6e-8 relative; GLSL allows ~2.5 ulp for division, so 1e-6;
 * - transcendental: exp/log/tanh/pow on GPUs are approximations good to a few 1e-7 relative,
 *   plus the rounding of the argument itself (|x| ≤ 10 multiplies it), so 2e-5 and a small atol
 *   for results near 0 (tanh, sigmoid tails).
 * Sums and dot products get a bound per element instead (see sumTol).
 */
export const TOL = {
  exact: { rtol: 0, atol: 0 },
  arith: { rtol: 1e-6, atol: 1e-7 },
  transcendental: { rtol: 2e-5, atol: 2e-6 },
} as const;

/**
 * A float sum of k terms is within about k·u·Σ|terms| of the exact one, whatever the order of
 * summation. 1e-5·Σ|terms| covers k up to ~150 with room for GPU rounding, yet any wrong, missing
 * or doubled term (error ~ one term) far exceeds it.
 */
export const sumTol = (absSum: Arr): number[] => absSum.data.map((s) => 1e-5 * s + 1e-6);

/** Asserts t has the reference's shape and values (exact for non-float dtypes). */
export function expectArr(t: Tensor, ref: Arr, tol: { rtol: number; atol: number } = TOL.arith, msg = ''): void {
  expectShape(t, ref.shape, msg);
  expectClose(t, ref.data, t.dtype === 'float32' || t.dtype === 'float64' ? { ...tol, msg } : { ...TOL.exact, msg });
}

export function expectArrWithin(t: Tensor, ref: Arr, tol: number[] | number, msg = ''): void {
  expectShape(t, ref.shape, msg);
  expectWithin(t, ref.data, typeof tol === 'number' ? [tol] : tol, msg);
}

/** Runs fn in a tidy and asserts it leaves no tensor behind. */
export function check(fn: () => void, msg = ''): void {
  expectNoLeak(() => {
    tidy(() => {
      fn();
    });
  }, msg);
}

/** fast-check property with the fixed seed; every run is tidied and leak-checked. */
export function property<T>(env: TestEnv, runs: number, arb: fc.Arbitrary<T>, pred: (v: T) => void): void {
  fc.assert(
    fc.property(arb, (v) => {
      check(() => pred(v));
    }),
    { ...fcParams(env, runs), includeErrorInReport: true },
  );
}

/** Float32-exact copies of JS numbers (what a float32 tensor of them holds). */
export const f32 = (xs: readonly number[]): number[] => xs.map(Math.fround);
