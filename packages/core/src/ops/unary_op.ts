import { ENGINE } from '../engine.js';
import type { KernelDefs, KernelName, TensorInfo } from '../kernels.js';
import type { Tensor } from '../tensor.js';
import { assertFloat, assertNumeric, toTensor, type TensorLike } from './creation.js';
import { op } from './op.js';

/** Every kernel with one input and no attributes. */
type UnaryKernel = {
  [K in KernelName]: KernelDefs[K] extends { inputs: [TensorInfo]; attrs: Record<string, never> } ? K : never;
}[KernelName];

/** An elementwise op over one kernel: converts x, checks its dtype domain, keeps its shape and dtype. */
export function unary(name: string, kernel: UnaryKernel, domain: 'float' | 'numeric' | 'bool') {
  return op(name, (x: TensorLike): Tensor => {
    const t = toTensor(x, name, 'x');
    if (domain === 'float') assertFloat(t, name);
    else if (domain === 'numeric') assertNumeric(t, name);
    else if (t.dtype !== 'bool') throw new TypeError(`${name}: argument 'x' must be bool, got ${t.dtype}`);
    return ENGINE.runKernel(kernel, [t], {}, { shape: t.shape, dtype: t.dtype });
  });
}
