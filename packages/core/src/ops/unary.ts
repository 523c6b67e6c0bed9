import { isDType, type DType } from '../dtypes.js';
import { ENGINE } from '../engine.js';
import type { Tensor } from '../tensor.js';
import { toTensor, type TensorLike } from './creation.js';
import { op } from './op.js';
import { unary } from './unary_op.js';

export const neg = unary('neg', 'Neg', 'numeric');
export const abs = unary('abs', 'Abs', 'numeric');
export const exp = unary('exp', 'Exp', 'float');
export const log = unary('log', 'Log', 'float');
export const sqrt = unary('sqrt', 'Sqrt', 'float');
export const tanh = unary('tanh', 'Tanh', 'float');
export const sigmoid = unary('sigmoid', 'Sigmoid', 'float');
export const relu = unary('relu', 'Relu', 'numeric');
export const logicalNot = unary('logicalNot', 'LogicalNot', 'bool');

export const cast = op('cast', (x: TensorLike, dtype: DType): Tensor => {
  const t = toTensor(x, 'cast', 'x');
  if (!isDType(dtype)) throw new TypeError(`cast: unknown dtype ${JSON.stringify(dtype)}`);
  if (!ENGINE.backend.supportsDType(dtype))
    throw new TypeError(`cast: backend '${ENGINE.backend.name}' does not support ${dtype}`);
  return ENGINE.runKernel('Cast', [t], { dtype }, { shape: t.shape, dtype });
});
