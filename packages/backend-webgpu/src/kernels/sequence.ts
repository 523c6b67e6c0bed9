/** ReverseSequence: per batch entry b, the first seqLengths[b] steps along seqAxis reversed. */
import { stridesOf, type KernelTable } from '@tapeflow/core';
import type { WebGPUBackend } from '../backend.js';

export function sequenceKernels(b: WebGPUBackend): Pick<KernelTable, 'ReverseSequence'> {
  return {
    ReverseSequence: ([x, lengths], { seqAxis, batchAxis }, out) => {
      const s = stridesOf(x.shape);
      // meta: seqStride, seqDim, batchStride, batchDim
      const body = `let t = (idx / mt[1]) % mt[2];
  let bi = (idx / mt[3]) % mt[4];
  let len = x1[bi];
  let src = select(t, len - 1 - t, t < len);
  y0[idx] = x0[idx + (src - t) * mt[1]];`;
      return b.run1({
        inputs: [x, lengths],
        outs: [out],
        body,
        meta: [s[seqAxis], x.shape[seqAxis], s[batchAxis], x.shape[batchAxis]],
      });
    },
  };
}
