import { ENGINE } from '../engine.js';
import { Tensor } from '../tensor.js';
import { broadcastShapes, fmt } from '../shape.js';
import { assertNumeric, toTensor, type TensorLike } from './creation.js';
import { op } from './op.js';
import type { BinaryKernelName } from '../kernels.js';

type BinaryKernel = BinaryKernelName;

/** Converts both operands; a JS value takes the dtype of the Tensor beside it. Dtypes must agree. */
export function binaryOperands(a: TensorLike, b: TensorLike, name: string): [Tensor, Tensor] {
  const hint = a instanceof Tensor ? a.dtype : b instanceof Tensor ? b.dtype : undefined;
  const x = toTensor(a, name, 'a', hint);
  const y = toTensor(b, name, 'b', x.dtype);
  if (x.dtype !== y.dtype) {
    throw new TypeError(
      `${name}: operands must have the same dtype, got a ${x.dtype} ${fmt(x.shape)} and b ${y.dtype} ${fmt(y.shape)}`,
    );
  }
  return [x, y];
}

function binary(name: string, kernel: BinaryKernel, kind: 'arith' | 'compare' | 'logical') {
  return op(name, (a: TensorLike, b: TensorLike): Tensor => {
    const [x, y] = binaryOperands(a, b, name);
    if (kind === 'arith') {
      assertNumeric(x, name, 'a');
      assertNumeric(y, name, 'b');
    }
    if (kind === 'logical' && x.dtype !== 'bool') throw new TypeError(`${name}: operands must be bool, got ${x.dtype}`);
    const shape = broadcastShapes(name, x.shape, y.shape);
    return ENGINE.runKernel(kernel, [x, y], {}, { shape, dtype: kind === 'arith' ? x.dtype : 'bool' });
  });
}

export const add = binary('add', 'Add', 'arith');
export const sub = binary('sub', 'Sub', 'arith');
export const mul = binary('mul', 'Mul', 'arith');
/** Division; on int32 it is floor division, as in TensorFlow.js. */
export const div = binary('div', 'Div', 'arith');
export const pow = binary('pow', 'Pow', 'arith');
export const maximum = binary('maximum', 'Maximum', 'arith');
export const minimum = binary('minimum', 'Minimum', 'arith');
export const greater = binary('greater', 'Greater', 'compare');
export const greaterEqual = binary('greaterEqual', 'GreaterEqual', 'compare');
export const less = binary('less', 'Less', 'compare');
export const lessEqual = binary('lessEqual', 'LessEqual', 'compare');
export const equal = binary('equal', 'Equal', 'compare');
export const logicalAnd = binary('logicalAnd', 'LogicalAnd', 'logical');

export const square = op('square', (x: TensorLike): Tensor => {
  const t = toTensor(x, 'square', 'x');
  return mul(t, t);
});

/** Elementwise `cond ? a : b`, broadcasting all three. */
export const where = op('where', (cond: TensorLike, a: TensorLike, b: TensorLike): Tensor => {
  const c = toTensor(cond, 'where', 'cond', 'bool');
  if (c.dtype !== 'bool') throw new TypeError(`where: argument 'cond' must be bool, got ${c.dtype} ${fmt(c.shape)}`);
  const [x, y] = binaryOperands(a, b, 'where');
  const shape = broadcastShapes('where', c.shape, x.shape, y.shape);
  return ENGINE.runKernel('Where', [c, x, y], {}, { shape, dtype: x.dtype });
});
