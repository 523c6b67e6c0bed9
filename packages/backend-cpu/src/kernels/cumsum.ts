/** Cumsum: x seen as [outer, dim, inner]; one running sum (float64) per (outer, inner) pair. */
import { sizeOf, type KernelImpl, type KernelTable } from '@tapeflow/core';
import { contiguousOf, makeArray, store } from '../storage.js';

const cumsum: KernelImpl<'Cumsum'> = ([x], { axis, exclusive, reverse }, out) => {
  const { data, offset } = contiguousOf(x);
  const dim = x.shape[axis];
  const inner = sizeOf(x.shape.slice(axis + 1));
  const outer = sizeOf(x.shape.slice(0, axis));
  const y = makeArray(out.dtype, sizeOf(out.shape));
  const step = reverse ? -inner : inner;
  for (let a = 0; a < outer; a++) {
    for (let c = 0; c < inner; c++) {
      let i = a * dim * inner + c + (reverse ? (dim - 1) * inner : 0);
      let s = 0;
      for (let k = 0; k < dim; k++, i += step) {
        if (exclusive) {
          y[i] = s;
          s += data[offset + i];
        } else {
          s += data[offset + i];
          y[i] = s;
        }
      }
    }
  }
  return store(y, out.shape, out.dtype);
};

export const cumsumKernels = { Cumsum: cumsum } satisfies Partial<KernelTable>;
