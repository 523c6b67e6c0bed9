/** Gradient clipping as TF1 code writes it: clipByNorm, globalNorm, clipByGlobalNorm. */
import { ValueError } from '../errors.js';
import { fmt, isList, normalizeAxes } from '../shape.js';
import { Tensor } from '../tensor.js';
import { assertFloat, ones, toTensor, type TensorLike } from './creation.js';
import { add, div, greater, maximum, minimum, mul, sub, where } from './binary.js';
import { cast, sqrt } from './unary.js';
import { sum } from './reduce.js';
import { addN } from './arithmetic.js';
import { l2Loss } from './losses.js';
import { op } from './op.js';

/** clipNorm as a scalar tensor of `dtype`; a number must be positive (TF: "a 0-D Tensor > 0"). */
function clipNormOf(name: string, clipNorm: TensorLike, dtype: Tensor['dtype']): Tensor {
  if (typeof clipNorm === 'number' && !(clipNorm > 0))
    throw new ValueError(`${name}: clipNorm must be > 0, got ${clipNorm}`);
  const c = toTensor(clipNorm, name, 'clipNorm', dtype);
  if (c.rank !== 0) throw new ValueError(`${name}: clipNorm must be a scalar, got ${c.dtype} ${fmt(c.shape)}`);
  return c.dtype === dtype ? c : cast(c, dtype);
}

/**
 * x * clipNorm / max(||x||, clipNorm), the L2 norm taken over `axes` (all by default): x unchanged
 * when its norm is at most clipNorm. As in TF, the norm is computed so that its gradient stays
 * finite where x is all zeros.
 */
export const clipByNorm = op('clipByNorm', (x: TensorLike, clipNorm: TensorLike, axes?: number | number[]): Tensor => {
  const t = toTensor(x, 'clipByNorm', 'x');
  assertFloat(t, 'clipByNorm');
  const c = clipNormOf('clipByNorm', clipNorm, t.dtype);
  const l2sum = sum(mul(t, t), normalizeAxes(axes, t.rank, 'clipByNorm', t.shape), true);
  const positive = greater(l2sum, 0);
  const l2norm = where(positive, sqrt(where(positive, l2sum, ones(l2sum.shape, l2sum.dtype))), l2sum);
  return div(mul(t, c), maximum(l2norm, c));
});

/** The tensors of a list, skipping nulls (TF ignores None entries); all of one float dtype. */
function floatList(name: string, ts: readonly (TensorLike | null)[]): (Tensor | null)[] {
  if (!isList(ts))
    throw new TypeError(`${name}: ts must be an array of tensors, got ${ts === null ? 'null' : typeof ts}`);
  const xs = ts.map((t, i) => (t === null || t === undefined ? null : toTensor(t, name, `ts[${i}]`)));
  const present = xs.filter((t): t is Tensor => t !== null);
  if (present.length === 0) throw new ValueError(`${name}: ts has no tensors`);
  xs.forEach((t, i) => {
    if (t === null) return;
    assertFloat(t, name, `ts[${i}]`);
    if (t.dtype !== present[0].dtype)
      throw new TypeError(
        `${name}: ts[${i}] is ${t.dtype} ${fmt(t.shape)} but the first tensor is ${present[0].dtype}`,
      );
  });
  return xs;
}

/** sqrt(sum of every element squared) over all the tensors (TF's global_norm); nulls are skipped. */
export const globalNorm = op('globalNorm', (ts: readonly (TensorLike | null)[]): Tensor => {
  const xs = floatList('globalNorm', ts).filter((t): t is Tensor => t !== null);
  return sqrt(mul(addN(xs.map((t) => l2Loss(t))), 2));
});

/**
 * Scales every tensor by clipNorm / max(globalNorm, clipNorm) and returns [clipped, globalNorm]
 * (TF's clip_by_global_norm; nulls stay null). useNorm replaces the computed norm. An infinite or
 * NaN norm makes every clipped value NaN, as in TF, instead of silently zeroing them.
 */
export const clipByGlobalNorm = op(
  'clipByGlobalNorm',
  (ts: readonly (TensorLike | null)[], clipNorm: TensorLike, useNorm?: TensorLike): [(Tensor | null)[], Tensor] => {
    const xs = floatList('clipByGlobalNorm', ts);
    const dtype = xs.find((t) => t !== null)!.dtype;
    const c = clipNormOf('clipByGlobalNorm', clipNorm, dtype);
    let norm: Tensor;
    if (useNorm === undefined) norm = globalNorm(xs);
    else {
      norm = toTensor(useNorm, 'clipByGlobalNorm', 'useNorm', dtype);
      if (norm.rank !== 0 || norm.dtype !== dtype)
        throw new ValueError(
          `clipByGlobalNorm: useNorm must be a ${dtype} scalar, got ${norm.dtype} ${fmt(norm.shape)}`,
        );
    }
    // norm - norm is 0, or NaN when the norm is not finite.
    const scale = add(mul(c, minimum(div(1, norm), div(1, c))), sub(norm, norm));
    return [xs.map((t) => (t === null ? null : mul(t, scale))), norm];
  },
);
