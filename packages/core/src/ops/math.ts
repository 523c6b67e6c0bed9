/** Elementwise rounding, sign and log1p: TensorFlow's tf.math ops of the same names. */
import type { Tensor } from '../tensor.js';
import { assertFloat, toTensor, type TensorLike } from './creation.js';
import { div } from './binary.js';
import { sqrt } from './unary.js';
import { op } from './op.js';
import { unary } from './unary_op.js';

export const floor = unary('floor', 'Floor', 'float');
export const ceil = unary('ceil', 'Ceil', 'float');
/** Rounds half to even (banker's rounding), as TensorFlow does: round(2.5) = 2, round(-1.5) = -2. */
export const round = unary('round', 'Round', 'float');
/** -1, 0 or 1 by the sign of x, in x's dtype; NaN stays NaN. */
export const sign = unary('sign', 'Sign', 'numeric');
/** log(1 + x), accurate for x near 0 where log(1 + x) rounds 1 + x first. */
export const log1p = unary('log1p', 'Log1p', 'float');

/** 1 / sqrt(x). */
export const rsqrt = op('rsqrt', (x: TensorLike): Tensor => {
  const t = toTensor(x, 'rsqrt', 'x');
  assertFloat(t, 'rsqrt');
  return div(1, sqrt(t));
});
