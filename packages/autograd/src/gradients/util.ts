import { broadcastAxes, reshape, shapesEqual, sum, type Tensor } from '@tapeflow/core';

/**
 * The gradient of a broadcast is a sum: an input of shape [1, 3] added to a [4, 3] output was
 * used 4 times, so its gradient adds up the 4 rows of dy.
 */
export function unbroadcast(dy: Tensor, shape: readonly number[]): Tensor {
  if (shapesEqual(dy.shape, shape)) return dy;
  const axes = broadcastAxes(shape, dy.shape);
  return reshape(axes.length > 0 ? sum(dy, axes) : dy, shape);
}

/** `shape` with the reduced axes kept as 1s, so a reduction's dy broadcasts against its input. */
export const keepDimsShape = (shape: readonly number[], axes: readonly number[]): number[] =>
  shape.map((d, i) => (axes.includes(i) ? 1 : d));
