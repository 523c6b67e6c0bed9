/** cumsum: TensorFlow's tf.math.cumsum, with its exclusive and reverse flags. */
import { ENGINE } from '../engine.js';
import { normalizeAxis } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { assertNumeric, toTensor, type TensorLike } from './creation.js';
import { op } from './op.js';

/**
 * Running sums of x along `axis` (0 by default, as in TF). `exclusive`: each sum leaves out its
 * own element ([a, b, c] -> [0, a, a + b]); `reverse`: sums run from the end ([a + b + c, b + c, c]).
 */
export const cumsum = op(
  'cumsum',
  (x: TensorLike, axis: number = 0, exclusive: boolean = false, reverse: boolean = false): Tensor => {
    const t = toTensor(x, 'cumsum', 'x');
    assertNumeric(t, 'cumsum');
    const a = normalizeAxis(axis, t.rank, 'cumsum', 'axis', t.shape);
    if (typeof exclusive !== 'boolean' || typeof reverse !== 'boolean') {
      throw new TypeError(
        `cumsum: exclusive and reverse must be booleans, got ${typeof exclusive} and ${typeof reverse}`,
      );
    }
    return ENGINE.runKernel('Cumsum', [t], { axis: a, exclusive, reverse }, { shape: t.shape, dtype: t.dtype });
  },
);
