/** squaredDifference and addN. */
import { ValueError } from '../errors.js';
import { fmt, isList, shapesEqual } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { add, binaryOperands, square, sub } from './binary.js';
import { assertNumeric, toTensor, type TensorLike } from './creation.js';
import { identity } from './movement.js';
import { op } from './op.js';

/** (a - b)^2 elementwise, broadcasting. */
export const squaredDifference = op('squaredDifference', (a: TensorLike, b: TensorLike): Tensor => {
  const [x, y] = binaryOperands(a, b, 'squaredDifference');
  assertNumeric(x, 'squaredDifference', 'a');
  return square(sub(x, y));
});

/** The elementwise sum of a list of tensors, which must all have one shape and dtype (TF's add_n). */
export const addN = op('addN', (ts: readonly TensorLike[]): Tensor => {
  if (!isList(ts) || ts.length === 0) throw new ValueError('addN: ts must be a non-empty array of tensors');
  const xs = ts.map((t, i) => toTensor(t, 'addN', `ts[${i}]`));
  xs.forEach((x, i) => {
    assertNumeric(x, 'addN', `ts[${i}]`);
    if (x.dtype !== xs[0].dtype) throw new TypeError(`addN: ts[0] is ${xs[0].dtype} but ts[${i}] is ${x.dtype}`);
    if (!shapesEqual(x.shape, xs[0].shape)) {
      throw new ValueError(
        `addN: all tensors must have the same shape; ts[0] is ${fmt(xs[0].shape)}, ts[${i}] is ${fmt(x.shape)}`,
      );
    }
  });
  return xs.length === 1 ? identity(xs[0]) : xs.slice(1).reduce((s, x) => add(s, x), xs[0]);
});
