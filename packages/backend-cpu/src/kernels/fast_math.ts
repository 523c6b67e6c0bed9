/**
 * exp, sigmoid and tanh for kernels whose output is float32 (and sigmoidRow/tanhRow, which the
 * fused RNN kernels use for either dtype). Math.exp costs ~15-20 ns a call in
 * V8; these take a few ns and never call into the runtime. They compute in float64 with a
 * relative error below ~5e-14, far under float32's half ulp (2^-25 ~ 3e-8), so once the result
 * is stored into a Float32Array it is the correctly rounded value, or 1 ulp from it when the
 * exact value lies within 5e-14 of a rounding midpoint (test/fast_math.test.ts measures this).
 * float64 kernels keep Math.exp/Math.tanh: 5e-14 is not float64 accuracy.
 */
import type { TypedArray } from '@tapeflow/core';

// exp(x) = 2^(k/32) e^r with k = round(x 32/ln2) and |r| <= ln2/64: 2^(k/32) = 2^m 2^(j/32) with
// k = 32m + j comes from two small tables, and e^r from a degree-5 Taylor polynomial, whose
// truncation error r^6/720 <= 2.3e-15 relative (degree 4, at 1.2e-12, also stays within 1 ulp
// but rounds more results the other way than the exact value would).
const N = 32;
const INV_LN2_N = N / Math.LN2;
// ln2/32 in two parts (Cody-Waite; fdlibm's split of ln2): HI has its 32 low bits zero, so k HI
// is exact for every |k| < 2^20, and x - k HI - k LO keeps r's absolute error ~1e-17.
const LN2_N_HI = 6.9314718036912381649e-1 / N;
const LN2_N_LO = 1.90821492927058770002e-10 / N;
// Adding 1.5 * 2^52 rounds a double of magnitude < 2^51 to an integer (ties to even): cheaper
// than Math.round and exact for any k, which only has to be near x 32/ln2.
const ROUNDER = 6755399441055744;
// x is clamped to [-LIMIT, LIMIT]: beyond it the float32 results are 0 or Infinity anyway (e^-105
// is below half the smallest float32 subnormal, 2^-150 = e^-103.97, and e^105 above the largest
// float32). The limit is 105, not 89, so sigmoid(-100) = 1 / (1 + e^100) still comes out as a
// float32 subnormal. Clamping with min/max keeps NaN and was faster than early returns for the
// ends (which measured up to ~2x slower over 1M floats, though never taken).
const LIMIT = 105;
const M_BIAS = 160; // 2^m for m in [-160, 160] covers k/32 for |x| <= LIMIT (|m| <= 152)

/** 2^(j/32) for j in [0, 32). */
const TWO_J = Float64Array.from({ length: N }, (_, j) => 2 ** (j / N));
/** 2^m for m in [-M_BIAS, M_BIAS], at index m + M_BIAS (all normal doubles, so exact). */
const TWO_M = Float64Array.from({ length: 2 * M_BIAS + 1 }, (_, i) => 2 ** (i - M_BIAS));

/**
 * e^x in float64 to ~5e-15 relative, for storing into a Float32Array, where it rounds like
 * Math.fround(Math.exp(x)) (or 1 ulp off). Only the float32 rounding is exact at the ends: x >= 105
 * (Infinity included) gives e^105, which the store turns into Infinity, and x <= -105 gives
 * e^-105, stored as 0. NaN -> NaN.
 */
export function expF32(x0: number): number {
  const x = Math.min(Math.max(x0, -LIMIT), LIMIT);
  // NaN passes min/max: k | 0 is then 0 (table indices stay valid) and r, hence the result, NaN.
  const kf = x * INV_LN2_N + ROUNDER - ROUNDER;
  const r = x - kf * LN2_N_HI - kf * LN2_N_LO;
  const k = kf | 0;
  const p = 1 + r * (1 + r * (1 / 2 + r * (1 / 6 + r * (1 / 24 + r * (1 / 120)))));
  return TWO_M[(k >> 5) + M_BIAS] * TWO_J[k & (N - 1)] * p;
}

/** 1 / (1 + e^-x) for a float32 output (stored as 0 from x ~ -104 down, as 1 from x ~ 17.4 up). */
export function sigmoidF32(x: number): number {
  return 1 / (1 + expF32(-x));
}

/**
 * e^x - 1 like expF32, without cancellation near 0: with T = 2^(k/32), e^x - 1 = T (e^r - 1) +
 * (T - 1), where e^r - 1 is the polynomial without its 1. For k = 0 (|x| <= ln2/64) T - 1 is 0
 * and the result is the polynomial's, accurate relative to x; for k != 0, |e^x - 1| > 0.01 and
 * both terms are exact to ~1e-16 of it. Does not keep -0 (tanhF32 sees to that).
 */
function expm1F32(x0: number): number {
  const x = Math.min(Math.max(x0, -LIMIT), LIMIT);
  const kf = x * INV_LN2_N + ROUNDER - ROUNDER;
  const r = x - kf * LN2_N_HI - kf * LN2_N_LO;
  const k = kf | 0;
  // One degree more than expF32: relative to q ~ r, the truncation error is r^6/5040 <= 4e-16.
  const q = r * (1 + r * (1 / 2 + r * (1 / 6 + r * (1 / 24 + r * (1 / 120 + r * (1 / 720))))));
  const t = TWO_M[(k >> 5) + M_BIAS] * TWO_J[k & (N - 1)];
  return t * q + (t - 1);
}

/**
 * tanh(x) = m / (m + 2) with m = e^2x - 1 (m + 2 >= 1: no cancellation), for a float32 output:
 * odd (tanh(-0) = -0), +-1 for |x| >= ~9 (m is at most e^105, at least e^-105 - 1 = -1), NaN ->
 * NaN. One formula for every x: no branch on the sign or size of x (random signs made such
 * branches cost as much as the exp).
 */
export function tanhF32(x: number): number {
  const m = expm1F32(2 * x);
  return x === 0 ? x : m / (m + 2);
}

/** sigmoid and tanh in float64 for the fused RNN kernels' float64 path. */
const sigmoidF64 = (x: number): number => 1 / (1 + Math.exp(-x));
// tanh through one exp: cheaper than Math.tanh in V8 (the kernels run ~12% faster), within a few ulps (for tiny
// |x| the absolute error stays ~1e-16), and exact at the limits: -1 at -Infinity, 1 at Infinity.
const tanhF64 = (x: number): number => 1 - 2 / (Math.exp(2 * x) + 1);

// The fused RNN kernels apply their activations a row at a time through these two: a kernel
// loop calling sigmoid and tanh 4-5 times per element exceeds TurboFan's inlining budget (~920
// bytecode bytes per optimized function), so some calls stay real calls that box their result
// (measured: LSTMBlock ~2x slower). A loop with one call site inlines it.

/** out[o + t] = sigmoid(x[i + t] + bias) for t < n: the float32 helper if `f32`, else Math.exp. */
export function sigmoidRow(
  out: Float64Array,
  o: number,
  x: TypedArray,
  i: number,
  n: number,
  bias: number,
  f32: boolean,
): void {
  if (f32) for (let t = 0; t < n; t++) out[o + t] = sigmoidF32(x[i + t] + bias);
  else for (let t = 0; t < n; t++) out[o + t] = sigmoidF64(x[i + t] + bias);
}

/** out[o + t] = tanh(x[i + t]) for t < n: the float32 helper if `f32`, else through Math.exp. */
export function tanhRow(out: Float64Array, o: number, x: TypedArray, i: number, n: number, f32: boolean): void {
  if (f32) for (let t = 0; t < n; t++) out[o + t] = tanhF32(x[i + t]);
  else for (let t = 0; t < n; t++) out[o + t] = tanhF64(x[i + t]);
}
