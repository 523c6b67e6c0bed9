/** dropout in TF1's keep_prob form and TF2's rate form. */
import { ValueError } from '../errors.js';
import { broadcastShapes, fmt, shapesEqual } from '../shape.js';
import { Tensor } from '../tensor.js';
import { assertFloat, toTensor, type TensorLike } from './creation.js';
import { div, greaterEqual, mul, sub } from './binary.js';
import { cast } from './unary.js';
import { identity } from './movement.js';
import { randomUniform } from './random.js';
import { op } from './op.js';

export interface DropoutOptions {
  /** TF2: the probability that an element is dropped, in [0, 1). */
  rate?: number | Tensor;
  /** TF1: the probability that an element is kept, in (0, 1]. Give rate or keepProb, not both. */
  keepProb?: number | Tensor;
  /** Shape of the keep/drop mask, broadcast against x (e.g. [batch, 1] drops whole rows). */
  noiseShape?: readonly number[];
  seed?: number;
}

/**
 * Zeroes each element with probability rate and scales the kept ones by 1 / (1 - rate), so the
 * expectation is x (tf.nn.dropout). Element i is kept when a uniform draw u_i >= rate, as in TF2;
 * TF1's floor(keep_prob + u) keeps the same elements. The draws are seeded on the host (same
 * mask on every backend); rate and keepProb may be scalar tensors (then not checked for range).
 */
export const dropout = op('dropout', (x: TensorLike, opts: DropoutOptions): Tensor => {
  const t = toTensor(x, 'dropout', 'x');
  assertFloat(t, 'dropout');
  if (opts === null || typeof opts !== 'object') throw new TypeError('dropout: expected options {rate} or {keepProb}');
  const { rate, keepProb, noiseShape = t.shape, seed } = opts;
  if ((rate === undefined) === (keepProb === undefined)) {
    throw new ValueError(
      `dropout: give exactly one of rate (TF2) and keepProb (TF1), got ${rate === undefined ? 'neither' : 'both'}`,
    );
  }
  if (typeof rate === 'number' && !(rate >= 0 && rate < 1))
    throw new ValueError(`dropout: rate must be in [0, 1), got ${rate}`);
  if (typeof keepProb === 'number' && !(keepProb > 0 && keepProb <= 1))
    throw new ValueError(`dropout: keepProb must be in (0, 1], got ${keepProb}`);
  if (rate === 0 || keepProb === 1) return identity(t);
  let mask: readonly number[];
  try {
    mask = broadcastShapes('dropout', noiseShape, t.shape);
  } catch {
    mask = [];
  }
  if (!Array.isArray(noiseShape) || !shapesEqual(mask, t.shape)) {
    throw new ValueError(
      `dropout: noiseShape ${JSON.stringify(noiseShape)} must broadcast to the shape of x ${fmt(t.shape)}`,
    );
  }
  const scalarOf = (v: number | Tensor, arg: string): Tensor => {
    const s = toTensor(v, 'dropout', arg, t.dtype);
    if (s.rank !== 0 || s.dtype !== t.dtype)
      throw new ValueError(`dropout: ${arg} must be a ${t.dtype} scalar, got ${s.dtype} ${fmt(s.shape)}`);
    return s;
  };
  const keep = keepProb !== undefined ? scalarOf(keepProb, 'keepProb') : sub(1, scalarOf(rate!, 'rate'));
  const dropRate = rate !== undefined ? scalarOf(rate, 'rate') : sub(1, keep);
  const u = randomUniform(noiseShape, { seed, dtype: t.dtype });
  return mul(div(t, keep), cast(greaterEqual(u, dropRate), t.dtype));
});
