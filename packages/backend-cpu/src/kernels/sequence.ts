/**
 * ReverseSequence: a copy of x in which, for every batch entry b, the first seqLengths[b]
 * entries along seqAxis appear reversed. Each batch entry is one strided copy from a view of x
 * that walks its prefix backwards (negative stride). Lengths beyond the axis clamp to it;
 * negative lengths reverse nothing.
 */
import { stridesOf, type KernelImpl, type KernelTable } from '@tapeflow/core';
import { assign, compactArray, contiguousOf, store, viewOf, wrap } from '../storage.js';

const reverseSequence: KernelImpl<'ReverseSequence'> = ([x, seqLengths], { seqAxis, batchAxis }, out) => {
  const v = viewOf(x);
  const y = compactArray(v, x.dtype);
  const { data: lens, offset: lo } = contiguousOf(seqLengths);
  const yStrides = stridesOf(out.shape);
  const dim = x.shape[seqAxis];
  for (let b = 0; b < x.shape[batchAxis]; b++) {
    const len = Math.min(Math.max(lens[lo + b], 0), dim);
    if (len < 2) continue;
    const shape = [...x.shape];
    shape[batchAxis] = 1;
    shape[seqAxis] = len;
    const dst = wrap(y, shape, yStrides, b * yStrides[batchAxis]);
    const srcStride = [...v.stride];
    srcStride[seqAxis] = -srcStride[seqAxis];
    const src = wrap(v.data, shape, srcStride, v.offset + b * v.stride[batchAxis] + (len - 1) * v.stride[seqAxis]);
    assign(dst, src);
  }
  return store(y, out.shape, out.dtype);
};

export const sequenceKernels = { ReverseSequence: reverseSequence } satisfies Partial<KernelTable>;
