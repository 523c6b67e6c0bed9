import { ENGINE } from '../engine.js';
import { ValueError } from '../errors.js';
import { broadcastShapes, fmt, shapesEqual, sizeOf } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { assertNumeric, toTensor, type TensorLike } from './creation.js';
import { binaryOperands } from './binary.js';
import { broadcastTo, reshape } from './movement.js';
import { op } from './op.js';

/**
 * a @ b over the last two axes, batched (with broadcasting) over the leading ones.
 * Transposes are passed to the kernel as flags, never materialized.
 */
export const matmul = op(
  'matmul',
  (a: TensorLike, b: TensorLike, transposeA: boolean = false, transposeB: boolean = false): Tensor => {
    const [x, y] = binaryOperands(toTensor(a, 'matmul', 'a'), toTensor(b, 'matmul', 'b'), 'matmul');
    assertNumeric(x, 'matmul', 'a');
    if (x.rank < 2 || y.rank < 2) {
      throw new ValueError(`matmul: both operands must have rank >= 2, got a ${fmt(x.shape)} and b ${fmt(y.shape)}`);
    }
    const [m, ka] = transposeA
      ? [x.shape[x.rank - 1], x.shape[x.rank - 2]]
      : [x.shape[x.rank - 2], x.shape[x.rank - 1]];
    const [kb, n] = transposeB
      ? [y.shape[y.rank - 1], y.shape[y.rank - 2]]
      : [y.shape[y.rank - 2], y.shape[y.rank - 1]];
    if (ka !== kb) {
      throw new ValueError(
        `matmul: inner dimensions differ: a ${fmt(x.shape)}${transposeA ? 'ᵀ' : ''} has ${ka} columns, ` +
          `b ${fmt(y.shape)}${transposeB ? 'ᵀ' : ''} has ${kb} rows`,
      );
    }
    const batchA = x.shape.slice(0, -2);
    const batchB = y.shape.slice(0, -2);
    let batch: number[];
    try {
      batch = broadcastShapes('matmul', batchA, batchB);
    } catch {
      throw new ValueError(`matmul: batch dimensions of a ${fmt(x.shape)} and b ${fmt(y.shape)} do not broadcast`);
    }
    const nb = sizeOf(batch);
    // Each side becomes [nb or 1, rows, cols]; only a partially broadcast batch needs a copy.
    const as3 = (t: Tensor, tb: number[]): Tensor => {
      const inner = t.shape.slice(-2);
      if (sizeOf(tb) === 1) return reshape(t, [1, ...inner]);
      const full = shapesEqual(tb, batch) ? t : broadcastTo(t, [...batch, ...inner]);
      return reshape(full, [nb, ...inner]);
    };
    const y3 = ENGINE.runKernel(
      'BatchMatMul',
      [as3(x, batchA), as3(y, batchB)],
      { transposeA, transposeB },
      { shape: [nb, m, n], dtype: x.dtype },
    );
    return reshape(y3, [...batch, m, n]);
  },
);
