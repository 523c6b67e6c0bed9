import { ENGINE } from '../engine.js';
import { normalizeAxes } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { assertFloat, assertNumeric, toTensor, type TensorLike } from './creation.js';
import { identity, reshape } from './shape_ops.js';
import { cast } from './unary.js';
import { div } from './binary.js';
import { op } from './op.js';

export type Axis = number | number[] | null;

function reduce(name: string, kernel: 'Sum' | 'Max' | 'Min') {
  return op(name, (x: TensorLike, axis?: Axis, keepDims = false): Tensor => {
    let t = toTensor(x, name, 'x');
    // Sum of bools counts trues, as in TensorFlow.js.
    if (t.dtype === 'bool' && kernel === 'Sum') t = cast(t, 'int32');
    assertNumeric(t, name);
    const axes = normalizeAxes(axis, t.rank, name, t.shape);
    if (axes.length === 0) return identity(t);
    const shape = t.shape.filter((_, i) => !axes.includes(i));
    const y = ENGINE.runKernel(kernel, [t], { axes }, { shape, dtype: t.dtype });
    return keepDims ? reshape(y, t.shape.map((d, i) => (axes.includes(i) ? 1 : d))) : y;
  });
}

export const sum = reduce('sum', 'Sum');
export const max = reduce('max', 'Max');
export const min = reduce('min', 'Min');

export const mean = op('mean', (x: TensorLike, axis?: Axis, keepDims: boolean = false): Tensor => {
  const t = toTensor(x, 'mean', 'x');
  assertFloat(t, 'mean');
  const axes = normalizeAxes(axis, t.rank, 'mean', t.shape);
  const count = axes.reduce((n, a) => n * t.shape[a], 1);
  return div(sum(t, axes, keepDims), count);
});
