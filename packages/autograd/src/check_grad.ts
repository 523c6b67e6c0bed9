/**
 * checkGrad: the analytic gradient against central differences,
 *   d sum(f) / dx[i] ≈ (sum f(x + eps e_i) - sum f(x - eps e_i)) / (2 eps),
 * whose error is O(eps²) from truncation plus O(u |f| / eps) from rounding (u = machine epsilon).
 */
import { ENGINE, Tensor, ValueError, isFloat, sum, tensor, tidy } from '@tapeflow/core';
import { gradient, isArray, noGrad } from './api.js';

export interface CheckGradOptions {
  eps?: number;
  rtol?: number;
  atol?: number;
}

export interface CheckGradReport {
  /** Every element within atol + rtol * |numeric|. */
  ok: boolean;
  /** The element furthest outside (or closest to the edge of) its tolerance. */
  worst: { arg: number; index: number; analytic: number; numeric: number; error: number } | null;
  analytic: Float64Array[];
  numeric: Float64Array[];
  message: string;
}

/**
 * Compares the gradient of sum(f(...xs)) with central differences; f's result is summed, so
 * any tensor-valued f can be checked. Defaults suit the inputs' dtype: in float64 eps = 1e-6
 * balances the two error terms near 1e-10; in float32 eps = 1e-3 leaves errors near 1e-3.
 */
export function checkGrad(
  f: (...xs: Tensor[]) => Tensor,
  xs: readonly Tensor[],
  opts: CheckGradOptions = {},
): CheckGradReport {
  if (typeof f !== 'function') throw new TypeError('checkGrad: f must be a function');
  if (!isArray(xs)) throw new TypeError('checkGrad: xs must be an array of Tensors');
  xs.forEach((x, i) => {
    ENGINE.assertUsable(x, 'checkGrad', `xs[${i}]`);
    if (!isFloat(x.dtype)) throw new ValueError(`checkGrad: xs[${i}] must be float32 or float64, got ${x.dtype}`);
  });
  const f64 = xs.every((x) => x.dtype === 'float64');
  const { eps = f64 ? 1e-6 : 1e-3, rtol = f64 ? 1e-5 : 2e-2, atol = f64 ? 1e-7 : 2e-3 } = opts;
  const total = (...args: Tensor[]): Tensor => sum(f(...args));

  const analytic = tidy(() =>
    gradient(
      'checkGrad',
      () => total(...xs),
      () => xs,
    ).grads.map((g) => Float64Array.from(g.dataSync())),
  );
  const at = (i: number, values: Float64Array): number =>
    noGrad(() =>
      tidy(() => {
        const args = xs.map((x, k) => (k === i ? tensor(values, x.shape, x.dtype) : x));
        return total(...args).dataSync()[0];
      }),
    );
  const numeric = xs.map((x, i) => {
    const base = Float64Array.from(x.dataSync());
    const out = new Float64Array(base.length);
    for (let j = 0; j < base.length; j++) {
      const v = base[j];
      base[j] = v + eps;
      const up = at(i, base);
      base[j] = v - eps;
      const down = at(i, base);
      base[j] = v;
      out[j] = (up - down) / (2 * eps);
    }
    return out;
  });

  let worst: CheckGradReport['worst'] = null;
  let ok = true;
  numeric.forEach((num, arg) =>
    num.forEach((n, index) => {
      const a = analytic[arg][index];
      const error = Math.abs(a - n) / (atol + rtol * Math.abs(n));
      const bad = !(error <= 1);
      if (bad) ok = false;
      if (worst === null || error > worst.error || (bad && !(worst.error > 1)))
        worst = { arg, index, analytic: a, numeric: n, error };
    }),
  );
  const w = worst as CheckGradReport['worst'];
  const message =
    w === null
      ? 'checkGrad: no elements to compare'
      : `checkGrad: ${ok ? 'ok' : 'MISMATCH'}; worst element xs[${w.arg}][${w.index}]: analytic ${w.analytic}, ` +
        `numeric ${w.numeric} (${w.error.toPrecision(3)}x the tolerance atol ${atol} + rtol ${rtol}·|numeric|)`;
  return { ok, worst: w, analytic, numeric, message };
}
