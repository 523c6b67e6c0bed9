/**
 * Floor, Ceil, Round (half to even: WGSL's round), Sign and Log1p. GPUs flush subnormals to
 * zero in arithmetic, so where that changes the answer (floor of a tiny negative is -1, not -0)
 * the shader decides from the bits.
 */
import type { KernelTable } from '@tapeflow/core';
import type { WebGPUBackend } from '../backend.js';
import { elementwise } from './unary.js';

const SUBNORMAL =
  'fn subnormal_(x: f32) -> bool { let u = bitcast<u32>(x) & 0x7fffffffu; return u != 0u && u < 0x00800000u; }\n';

// log(1 + x) loses the low bits of x when 1 + x rounds: below |x| = 0.1 an 8-term series
// (error < x^9/9, under 1e-9 relative) instead.
const LOG1P = `fn log1p_(x: f32) -> f32 {
  if (x == -1.0) { return -inf_(); }
  if (x < -1.0) { return nan_(); }
  if (isinf_(x)) { return x; }
  if (abs(x) >= 0.1) { return log(1.0 + x); }
  var p = -1.0 / 8.0;
  p = 1.0 / 7.0 + x * p; p = -1.0 / 6.0 + x * p; p = 1.0 / 5.0 + x * p; p = -1.0 / 4.0 + x * p;
  p = 1.0 / 3.0 + x * p; p = -1.0 / 2.0 + x * p; p = 1.0 + x * p;
  return x * p;
}
`;

export function mathKernels(b: WebGPUBackend): Pick<KernelTable, 'Floor' | 'Ceil' | 'Round' | 'Sign' | 'Log1p'> {
  return {
    Floor: elementwise(
      b,
      'Floor',
      'select(floor(x), -1.0, subnormal_(x) && bitcast<i32>(x) < 0)',
      undefined,
      SUBNORMAL,
    ),
    Ceil: elementwise(b, 'Ceil', 'select(ceil(x), 1.0, subnormal_(x) && bitcast<i32>(x) > 0)', undefined, SUBNORMAL),
    Round: elementwise(b, 'Round', 'round(x)'),
    // ±0 return themselves; otherwise the sign bit decides (subnormals included).
    Sign: elementwise(
      b,
      'Sign',
      'select(select(1.0, -1.0, bitcast<i32>(x) < 0), x, (bitcast<u32>(x) & 0x7fffffffu) == 0u)',
      'sign(x)',
    ),
    Log1p: elementwise(b, 'Log1p', 'log1p_(x)', undefined, LOG1P),
  };
}
