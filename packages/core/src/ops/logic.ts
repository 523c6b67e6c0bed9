/** notEqual and logicalOr, composed from equal, logicalAnd and logicalNot. */
import { broadcastShapes } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { binaryOperands, equal, logicalAnd } from './binary.js';
import { logicalNot } from './unary.js';
import type { TensorLike } from './creation.js';
import { op } from './op.js';

/** a != b elementwise (NaN != NaN is true, as in IEEE and TensorFlow). */
export const notEqual = op('notEqual', (a: TensorLike, b: TensorLike): Tensor => {
  const [x, y] = binaryOperands(a, b, 'notEqual');
  broadcastShapes('notEqual', x.shape, y.shape);
  return logicalNot(equal(x, y));
});

/** a || b elementwise, on bools: not (not a and not b). */
export const logicalOr = op('logicalOr', (a: TensorLike, b: TensorLike): Tensor => {
  const [x, y] = binaryOperands(a, b, 'logicalOr');
  if (x.dtype !== 'bool') throw new TypeError(`logicalOr: operands must be bool, got ${x.dtype}`);
  broadcastShapes('logicalOr', x.shape, y.shape);
  return logicalNot(logicalAnd(logicalNot(x), logicalNot(y)));
});
