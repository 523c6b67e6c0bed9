/** argMax / argMin: TF's arg_max / arg_min, int32 indices, the first index on ties. */
import { ENGINE } from '../engine.js';
import { ValueError } from '../errors.js';
import { fmt, normalizeAxis } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { assertNumeric, toTensor, type TensorLike } from './creation.js';
import { op } from './op.js';

function argReduce(name: string, kernel: 'ArgMax' | 'ArgMin') {
  /** axis defaults to 0, as in TensorFlow. A NaN along the axis wins (as max/min propagate it). */
  return op(name, (x: TensorLike, axis: number = 0): Tensor => {
    const t = toTensor(x, name, 'x');
    assertNumeric(t, name);
    const a = normalizeAxis(axis, t.rank, name, 'axis', t.shape);
    if (t.shape[a] === 0)
      throw new ValueError(`${name}: axis ${a} of x ${fmt(t.shape)} is empty; there is no index to return`);
    return ENGINE.runKernel(kernel, [t], { axis: a }, { shape: t.shape.filter((_, i) => i !== a), dtype: 'int32' });
  });
}

export const argMax = argReduce('argMax', 'ArgMax');
export const argMin = argReduce('argMin', 'ArgMin');
