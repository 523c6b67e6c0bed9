/** ArgMax and ArgMin: x seen as [outer, dim, inner]; one scan along dim per output element. */
import { sizeOf, type DataId, type KernelTable, type OutInfo, type TensorInfo } from '@tapeflow/core';
import { contiguousOf, store } from '../storage.js';

/** `better(v, best)`: v replaces the best so far (strictly, so the first of equal values stays). */
function argReduce(better: (v: number, best: number) => boolean) {
  // A structural type: KernelImpl<'ArgMax'> and KernelImpl<'ArgMin'> do not convert into each other.
  return ([x]: [TensorInfo], { axis }: { axis: number }, out: OutInfo): DataId => {
    const { data, offset } = contiguousOf(x);
    const dim = x.shape[axis];
    const inner = sizeOf(x.shape.slice(axis + 1));
    const outer = sizeOf(x.shape.slice(0, axis));
    const y = new Int32Array(outer * inner);
    for (let a = 0; a < outer; a++) {
      for (let c = 0; c < inner; c++) {
        const base = offset + a * dim * inner + c;
        let best = data[base],
          at = 0;
        // A NaN is the answer wherever it is first met (v !== v only for NaN).
        for (let i = 1; i < dim && best === best; i++) {
          const v = data[base + i * inner];
          if (v !== v || better(v, best)) {
            best = v;
            at = i;
          }
        }
        y[a * inner + c] = at;
      }
    }
    return store(y, out.shape, 'int32');
  };
}

export const argMinMaxKernels = {
  ArgMax: argReduce((v, best) => v > best),
  ArgMin: argReduce((v, best) => v < best),
} satisfies Partial<KernelTable>;
