/** Activations composed from primitives (so their gradients, and gradients of those, come for free). */
import type { Tensor } from '../tensor.js';
import { assertFloat, toTensor, type TensorLike } from './creation.js';
import { add, greater, maximum, minimum, mul, sub, where } from './binary.js';
import { exp, neg } from './unary.js';
import { log1p } from './math.js';
import { op } from './op.js';

/**
 * log(1 + e^x), as log1p(e^x) for x <= 0 and x + log1p(e^-x) above: e^x never overflows (fine
 * at |x| ~ 1e4) and each branch is smooth, so first and second derivatives are right at 0 too
 * (a max(x, 0) + log1p(e^-|x|) form gets both wrong there, from the kinks of max and abs).
 * The branch not taken reads x clamped to 0, so it stays finite and passes back zeros.
 */
export const softplus = op('softplus', (x: TensorLike): Tensor => {
  const t = toTensor(x, 'softplus', 'x');
  assertFloat(t, 'softplus');
  return where(greater(t, 0), add(t, log1p(exp(neg(maximum(t, 0))))), log1p(exp(minimum(t, 0))));
});

/** x for x > 0, e^x - 1 otherwise (TF's Elu); e^min(x, 0) keeps the unused branch finite for large x. */
export const elu = op('elu', (x: TensorLike): Tensor => {
  const t = toTensor(x, 'elu', 'x');
  assertFloat(t, 'elu');
  return where(greater(t, 0), t, sub(exp(minimum(t, 0)), 1));
});

/** x for x > 0, alpha * x otherwise (TF's LeakyRelu, alpha 0.2 by default; any alpha, not only < 1). */
export const leakyRelu = op('leakyRelu', (x: TensorLike, alpha: number = 0.2): Tensor => {
  const t = toTensor(x, 'leakyRelu', 'x');
  assertFloat(t, 'leakyRelu');
  if (typeof alpha !== 'number' || !Number.isFinite(alpha))
    throw new TypeError(`leakyRelu: alpha must be a finite number, got ${String(alpha)}`);
  return where(greater(t, 0), t, mul(t, alpha));
});
