/**
 * Floor, Ceil, Round (half to even: GLSL's roundEven), Sign and Log1p. GPUs flush subnormals to
 * zero in arithmetic, so where that changes the answer (floor of a tiny negative is -1, not -0)
 * the shader decides from the bits.
 */
import type { KernelTable } from '@tapeflow/core';
import type { WebGLBackend } from '../backend.js';
import { elementwise } from './unary.js';

const SUBNORMAL =
  'bool subnormal_(float x) { uint u = floatBitsToUint(x) & 0x7fffffffu; return u != 0u && u < 0x00800000u; }\n';

// log(1 + x) loses the low bits of x when 1 + x rounds, and GLSL's log is only good to ~2^-21
// absolutely near 1: below |x| = 0.1 an 8-term series (error < x^9/9, under 1e-9 relative) instead.
const LOG1P = `float log1p_(float x) {
  if (x == -1.0) return -inf_();
  if (x < -1.0) return nan_();
  if (isinf(x)) return x;
  if (abs(x) >= 0.1) return log(1.0 + x);
  float p = -1.0 / 8.0;
  p = 1.0 / 7.0 + x * p; p = -1.0 / 6.0 + x * p; p = 1.0 / 5.0 + x * p; p = -1.0 / 4.0 + x * p;
  p = 1.0 / 3.0 + x * p; p = -1.0 / 2.0 + x * p; p = 1.0 + x * p;
  return x * p;
}
`;

export function mathKernels(b: WebGLBackend): Pick<KernelTable, 'Floor' | 'Ceil' | 'Round' | 'Sign' | 'Log1p'> {
  return {
    Floor: elementwise(b, 'Floor', 'subnormal_(x) && floatBitsToInt(x) < 0 ? -1.0 : floor(x)', undefined, SUBNORMAL),
    Ceil: elementwise(b, 'Ceil', 'subnormal_(x) && floatBitsToInt(x) > 0 ? 1.0 : ceil(x)', undefined, SUBNORMAL),
    Round: elementwise(b, 'Round', 'roundEven(x)'),
    // ±0 return themselves; otherwise the sign bit decides (subnormals included).
    Sign: elementwise(
      b,
      'Sign',
      '(floatBitsToUint(x) & 0x7fffffffu) == 0u ? x : floatBitsToInt(x) < 0 ? -1.0 : 1.0',
      'sign(x)',
    ),
    Log1p: elementwise(b, 'Log1p', 'log1p_(x)', undefined, LOG1P),
  };
}
