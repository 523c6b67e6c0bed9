import { ENGINE } from '../engine.js';
import { fmt, normalizeAxes } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { assertFloat, assertNumeric, toTensor, type TensorLike } from './creation.js';
import { identity, reshape } from './movement.js';
import { abs, cast, exp, log, neg } from './unary.js';
import { add, div, less, sub, where } from './binary.js';
import { op } from './op.js';

export type Axis = number | number[] | null;

function reduce(name: string, kernel: 'Sum' | 'Max' | 'Min' | 'Prod') {
  return op(name, (x: TensorLike, axis?: Axis, keepDims = false): Tensor => {
    let t = toTensor(x, name, 'x');
    // Sum of bools counts trues, as in TensorFlow.js.
    if (t.dtype === 'bool' && kernel === 'Sum') t = cast(t, 'int32');
    assertNumeric(t, name);
    const axes = normalizeAxes(axis, t.rank, name, t.shape);
    if (axes.length === 0) return identity(t);
    const shape = t.shape.filter((_, i) => !axes.includes(i));
    const y = ENGINE.runKernel(kernel, [t], { axes }, { shape, dtype: t.dtype });
    return keepDims
      ? reshape(
          y,
          t.shape.map((d, i) => (axes.includes(i) ? 1 : d)),
        )
      : y;
  });
}

export const sum = reduce('sum', 'Sum');
export const max = reduce('max', 'Max');
export const min = reduce('min', 'Min');
/** Product over the axes (1 for an empty one); int32 wraps like TensorFlow's. */
export const prod = reduce('prod', 'Prod');

/** The mean; of int32 it stays int32, truncated toward zero (TF1's reduce_mean). */
export const mean = op('mean', (x: TensorLike, axis?: Axis, keepDims: boolean = false): Tensor => {
  const t = toTensor(x, 'mean', 'x');
  if (t.dtype !== 'int32') assertFloat(t, 'mean');
  const axes = normalizeAxes(axis, t.rank, 'mean', t.shape);
  const count = axes.reduce((n, a) => n * t.shape[a], 1);
  const total = sum(t, axes, keepDims);
  if (t.dtype !== 'int32') return div(total, count);
  // int32 Div floors; truncation divides the magnitude and puts the sign back.
  return where(less(total, 0), neg(div(neg(total), count)), div(total, count));
});

function logicalReduce(name: string, kernel: 'Any' | 'All') {
  return op(name, (x: TensorLike, axis?: Axis, keepDims = false): Tensor => {
    const t = toTensor(x, name, 'x');
    if (t.dtype !== 'bool') throw new TypeError(`${name}: argument 'x' must be bool, got ${t.dtype} ${fmt(t.shape)}`);
    const axes = normalizeAxes(axis, t.rank, name, t.shape);
    if (axes.length === 0) return identity(t);
    const y = ENGINE.runKernel(
      kernel,
      [t],
      { axes },
      { shape: t.shape.filter((_, i) => !axes.includes(i)), dtype: 'bool' },
    );
    return keepDims
      ? reshape(
          y,
          t.shape.map((d, i) => (axes.includes(i) ? 1 : d)),
        )
      : y;
  });
}

/** Logical or over the axes (TF's reduce_any; false over an empty axis). */
export const any = logicalReduce('any', 'Any');
/** Logical and over the axes (TF's reduce_all; true over an empty axis). */
export const all = logicalReduce('all', 'All');

/**
 * log(sum(exp(x))) over the axes, shifted by the max so exp cannot overflow (TF's
 * reduce_logsumexp). A non-finite max (a row of -Infinity, an Infinity, NaN) shifts by 0
 * instead, which gives -Infinity, Infinity and NaN without computing inf - inf.
 */
export const logSumExp = op('logSumExp', (x: TensorLike, axis?: Axis, keepDims: boolean = false): Tensor => {
  const t = toTensor(x, 'logSumExp', 'x');
  assertFloat(t, 'logSumExp');
  const axes = normalizeAxes(axis, t.rank, 'logSumExp', t.shape);
  if (axes.length === 0) return identity(t);
  const m = max(t, axes, true);
  const shift = where(less(abs(m), Infinity), m, 0);
  const y = add(log(sum(exp(sub(t, shift)), axes, true)), shift);
  return keepDims
    ? y
    : reshape(
        y,
        t.shape.filter((_, i) => !axes.includes(i)),
      );
});
