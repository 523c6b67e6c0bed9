/**
 * Movement kernels. Reshape (of a contiguous view), Transpose, BroadcastTo (stride 0), Slice and
 * Reverse (negative stride) return new views over the input's buffer: no copy. Pad and Concat
 * write into a fresh buffer through strided sub-views of it.
 */
import { sizeOf, stridesOf, type KernelImpl, type KernelTable } from '@tapeflow/core';
import { assign, compactArray, isContiguous, makeArray, store, storeView, viewOf, wrap } from '../storage.js';

const reshape: KernelImpl<'Reshape'> = ([x], _attrs, out) => {
  const v = viewOf(x);
  if (isContiguous(v)) return storeView(wrap(v.data, out.shape, stridesOf(out.shape), v.offset), x.dtype);
  return store(compactArray(v, x.dtype), out.shape, x.dtype);
};

// ndarray's transpose(p0, p1, ...) puts old axis p_i at position i: exactly `perm`.
const transpose: KernelImpl<'Transpose'> = ([x], { perm }) => {
  const v = viewOf(x);
  return storeView(perm.length < 2 ? v : v.transpose(...perm), x.dtype);
};

const broadcastTo: KernelImpl<'BroadcastTo'> = ([x], { shape }) => {
  const v = viewOf(x);
  const stride = shape.map((d, i) => (v.shape[i] === 1 && d !== 1 ? 0 : v.stride[i]));
  return storeView(wrap(v.data, shape, stride, v.offset), x.dtype);
};

const slice: KernelImpl<'Slice'> = ([x], { begin, size }) => {
  const v = viewOf(x);
  let offset = v.offset;
  for (let i = 0; i < begin.length; i++) if (size[i] > 0) offset += begin[i] * v.stride[i];
  return storeView(wrap(v.data, size, [...v.stride], offset), x.dtype);
};

const reverse: KernelImpl<'Reverse'> = ([x], { axes }) => {
  const v = viewOf(x);
  const stride = [...v.stride];
  let offset = v.offset;
  for (const a of axes) {
    if (v.shape[a] === 0) continue;
    offset += (v.shape[a] - 1) * stride[a];
    stride[a] = -stride[a];
  }
  return storeView(wrap(v.data, v.shape, stride, offset), x.dtype);
};

const pad: KernelImpl<'Pad'> = ([x], { paddings, value }, out) => {
  const v = viewOf(x);
  const y = makeArray(out.dtype, sizeOf(out.shape));
  if (value !== 0) y.fill(value);
  const strides = stridesOf(out.shape);
  let offset = 0;
  for (let i = 0; i < paddings.length; i++) offset += paddings[i][0] * strides[i];
  assign(wrap(y, v.shape, strides, offset), v);
  return store(y, out.shape, out.dtype);
};

const concat: KernelImpl<'Concat'> = (xs, { axis }, out) => {
  const y = makeArray(out.dtype, sizeOf(out.shape));
  const strides = stridesOf(out.shape);
  let offset = 0;
  for (const x of xs) {
    const v = viewOf(x);
    assign(wrap(y, v.shape, strides, offset), v);
    offset += v.shape[axis] * strides[axis];
  }
  return store(y, out.shape, out.dtype);
};

export const movementKernels = {
  Reshape: reshape,
  Transpose: transpose,
  BroadcastTo: broadcastTo,
  Slice: slice,
  Reverse: reverse,
  Pad: pad,
  Concat: concat,
} satisfies Partial<KernelTable>;
