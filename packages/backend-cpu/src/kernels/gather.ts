/**
 * Gather and its gradient UnsortedSegmentSum. Both see x as [outer, dim, inner] around the
 * gathered axis and copy or accumulate runs of `inner` contiguous values.
 */
import { ValueError, sizeOf, type KernelImpl, type KernelTable } from '@tapeflow/core';
import { contiguousOf, makeArray, store } from '../storage.js';

const gather: KernelImpl<'Gather'> = ([x, indices], { axis }, out) => {
  const { data: xs, offset: xo } = contiguousOf(x);
  const { data: idx, offset: io } = contiguousOf(indices);
  const count = indices.shape[0];
  const dim = x.shape[axis];
  // Validate first: a bad index must not leave a half-written result behind.
  for (let t = 0; t < count; t++) {
    const i = idx[io + t];
    if (i < 0 || i >= dim) {
      throw new ValueError(
        `Gather: indices[${t}] = ${i} is out of range [0, ${dim}) for axis ${axis} of x [${x.shape.join(',')}]`,
      );
    }
  }
  const outer = sizeOf(x.shape.slice(0, axis));
  const inner = sizeOf(x.shape.slice(axis + 1));
  const y = makeArray(out.dtype, sizeOf(out.shape));
  let o = 0;
  for (let a = 0; a < outer; a++) {
    const base = xo + a * dim * inner;
    for (let t = 0; t < count; t++) {
      let s = base + idx[io + t] * inner;
      for (const e = o + inner; o < e; o++, s++) y[o] = xs[s];
    }
  }
  return store(y, out.shape, out.dtype);
};

const unsortedSegmentSum: KernelImpl<'UnsortedSegmentSum'> = ([x, segmentIds], { numSegments }, out) => {
  const { data: xs, offset: xo } = contiguousOf(x);
  const { data: ids, offset: io } = contiguousOf(segmentIds);
  const rows = x.shape[0];
  const inner = sizeOf(x.shape.slice(1));
  const y = makeArray(out.dtype, sizeOf(out.shape));
  for (let r = 0; r < rows; r++) {
    const s = ids[io + r];
    if (s < 0 || s >= numSegments) continue; // TensorFlow drops ids outside [0, numSegments)
    let o = s * inner;
    let i = xo + r * inner;
    for (const e = o + inner; o < e; o++, i++) y[o] += xs[i];
  }
  return store(y, out.shape, out.dtype);
};

export const gatherKernels = { Gather: gather, UnsortedSegmentSum: unsortedSegmentSum } satisfies Partial<KernelTable>;
