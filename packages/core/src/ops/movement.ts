/** Movement ops: reshape, transpose, slicing, joining and repeating. */
import { ENGINE } from '../engine.js';
import { ValueError } from '../errors.js';
import {
  assertValidShape,
  broadcastShapes,
  fmt,
  isList,
  normalizeAxes,
  normalizeAxis,
  shapesEqual,
  sizeOf,
} from '../shape.js';
import { Tensor } from '../tensor.js';
import { toTensor, type TensorLike } from './creation.js';
import { op } from './op.js';

export const reshape = op('reshape', (x: TensorLike, shape: readonly number[]): Tensor => {
  const t = toTensor(x, 'reshape', 'x');
  if (!isList(shape) || !shape.every((d) => Number.isInteger(d) && d >= -1)) {
    throw new ValueError(`reshape: shape must be an array of integers >= -1, got ${JSON.stringify(shape)}`);
  }
  const s = [...shape];
  const unknown = s.indexOf(-1);
  if (unknown !== s.lastIndexOf(-1)) throw new ValueError(`reshape: shape ${fmt(s)} has more than one -1`);
  if (unknown >= 0) {
    const known = sizeOf(s.filter((d) => d !== -1));
    if (known === 0 || t.size % known !== 0) {
      throw new ValueError(`reshape: cannot reshape ${fmt(t.shape)} (size ${t.size}) to ${fmt(shape)}`);
    }
    s[unknown] = t.size / known;
  }
  if (sizeOf(s) !== t.size) {
    throw new ValueError(
      `reshape: cannot reshape ${fmt(t.shape)} (size ${t.size}) to ${fmt(shape)} (size ${sizeOf(s)})`,
    );
  }
  return ENGINE.runKernel('Reshape', [t], { shape: s }, { shape: s, dtype: t.dtype });
});

/** A new tensor equal to x (a recorded kernel, so gradients flow through it). */
export const identity = (x: Tensor): Tensor => reshape(x, x.shape);

export const transpose = op('transpose', (x: TensorLike, perm?: readonly number[]): Tensor => {
  const t = toTensor(x, 'transpose', 'x');
  const p = perm ? [...perm] : t.shape.map((_, i) => t.rank - 1 - i);
  if (p.length !== t.rank || [...p].sort((a, b) => a - b).some((v, i) => v !== i)) {
    throw new ValueError(
      `transpose: perm ${JSON.stringify(perm)} is not a permutation of the axes of x ${fmt(t.shape)}`,
    );
  }
  return ENGINE.runKernel('Transpose', [t], { perm: p }, { shape: p.map((a) => t.shape[a]), dtype: t.dtype });
});

export const expandDims = op('expandDims', (x: TensorLike, axis: number = 0): Tensor => {
  const t = toTensor(x, 'expandDims', 'x');
  const a = normalizeAxis(axis, t.rank + 1, 'expandDims');
  const s = [...t.shape];
  s.splice(a, 0, 1);
  return reshape(t, s);
});

export const squeeze = op('squeeze', (x: TensorLike, axis?: number | number[]): Tensor => {
  const t = toTensor(x, 'squeeze', 'x');
  // No axis, or an empty list (TF's axis=[]), squeezes every size-1 axis.
  const all = axis === undefined || (Array.isArray(axis) && axis.length === 0);
  const axes = all ? t.shape.flatMap((d, i) => (d === 1 ? [i] : [])) : normalizeAxes(axis, t.rank, 'squeeze', t.shape);
  for (const a of axes) {
    if (t.shape[a] !== 1)
      throw new ValueError(`squeeze: cannot squeeze axis ${a} of x ${fmt(t.shape)}: its size is ${t.shape[a]}, not 1`);
  }
  return reshape(
    t,
    t.shape.filter((_, i) => !axes.includes(i)),
  );
});

/** Materialized broadcast of x to `shape` (NumPy rules). */
export const broadcastTo = op('broadcastTo', (x: TensorLike, shape: readonly number[]): Tensor => {
  const t = toTensor(x, 'broadcastTo', 'x');
  assertValidShape(shape, 'broadcastTo');
  const out = broadcastShapes('broadcastTo', t.shape, shape);
  if (!shapesEqual(out, shape))
    throw new ValueError(`broadcastTo: cannot broadcast x ${fmt(t.shape)} to ${fmt(shape)}`);
  const lifted =
    t.rank < shape.length ? reshape(t, [...new Array<number>(shape.length - t.rank).fill(1), ...t.shape]) : t;
  return ENGINE.runKernel('BroadcastTo', [lifted], { shape: [...shape] }, { shape, dtype: t.dtype });
});

/** x[begin : begin + size]; a size of -1 takes the rest of that axis. */
export const slice = op(
  'slice',
  (x: TensorLike, begin: number | readonly number[], size?: number | readonly number[]): Tensor => {
    const t = toTensor(x, 'slice', 'x');
    const b = typeof begin === 'number' ? [begin, ...new Array<number>(t.rank - 1).fill(0)] : [...begin];
    while (b.length < t.rank) b.push(0);
    const sz =
      size === undefined
        ? new Array<number>(t.rank).fill(-1)
        : typeof size === 'number'
          ? [size, ...new Array<number>(t.rank - 1).fill(-1)]
          : [...size];
    while (sz.length < t.rank) sz.push(-1);
    if (b.length !== t.rank || sz.length !== t.rank) {
      throw new ValueError(
        `slice: begin ${JSON.stringify(begin)} and size ${JSON.stringify(size)} must have length rank(x) = ${t.rank}`,
      );
    }
    const s = sz.map((d, i) => (d === -1 ? t.shape[i] - b[i] : d));
    for (let i = 0; i < t.rank; i++) {
      if (!Number.isInteger(b[i]) || !Number.isInteger(s[i]) || b[i] < 0 || s[i] < 0 || b[i] + s[i] > t.shape[i]) {
        throw new ValueError(
          `slice: begin ${JSON.stringify(b)} with size ${JSON.stringify(sz)} is out of bounds for x ${fmt(t.shape)} on axis ${i}`,
        );
      }
    }
    return ENGINE.runKernel('Slice', [t], { begin: b, size: s }, { shape: s, dtype: t.dtype });
  },
);

export const concat = op('concat', (xs: readonly TensorLike[], axis: number = 0): Tensor => {
  if (!isList(xs) || xs.length === 0) throw new ValueError('concat: xs must be a non-empty array of tensors');
  const ts = xs.map((x, i) => toTensor(x, 'concat', `xs[${i}]`));
  const first = ts[0];
  const a = normalizeAxis(axis, first.rank, 'concat', 'axis', first.shape);
  for (const [i, t] of ts.entries()) {
    if (t.rank !== first.rank) {
      throw new ValueError(
        `concat: all tensors must have the same rank; xs[0] is ${fmt(first.shape)}, xs[${i}] is ${fmt(t.shape)}`,
      );
    }
    if (t.dtype !== first.dtype) throw new TypeError(`concat: xs[0] is ${first.dtype} but xs[${i}] is ${t.dtype}`);
    if (t.shape.some((d, j) => j !== a && d !== first.shape[j])) {
      throw new ValueError(
        `concat: shapes must match except on axis ${a}; xs[0] is ${fmt(first.shape)}, xs[${i}] is ${fmt(t.shape)}`,
      );
    }
  }
  if (ts.length === 1) return identity(first);
  const shape = [...first.shape];
  shape[a] = ts.reduce((n, t) => n + t.shape[a], 0);
  return ENGINE.runKernel('Concat', ts, { axis: a }, { shape, dtype: first.dtype });
});

/** Splits into `num` equal parts, or parts of the given sizes (one may be -1). */
export const split = op(
  'split',
  (x: TensorLike, numOrSizes: number | readonly number[], axis: number = 0): Tensor[] => {
    const t = toTensor(x, 'split', 'x');
    const a = normalizeAxis(axis, t.rank, 'split', 'axis', t.shape);
    const dim = t.shape[a];
    let sizes: number[];
    if (typeof numOrSizes === 'number') {
      if (!Number.isInteger(numOrSizes) || numOrSizes <= 0 || dim % numOrSizes !== 0) {
        throw new ValueError(`split: x ${fmt(t.shape)} cannot be split into ${numOrSizes} equal parts along axis ${a}`);
      }
      sizes = new Array<number>(numOrSizes).fill(dim / numOrSizes);
    } else {
      sizes = [...numOrSizes];
      const unknown = sizes.indexOf(-1);
      if (unknown >= 0) sizes[unknown] = dim - sizes.reduce((s, v, i) => (i === unknown ? s : s + v), 0);
      if (sizes.some((s) => !Number.isInteger(s) || s < 0) || sizes.reduce((p, c) => p + c, 0) !== dim) {
        throw new ValueError(
          `split: sizes ${JSON.stringify(numOrSizes)} do not sum to ${dim}, the size of axis ${a} of x ${fmt(t.shape)}`,
        );
      }
    }
    let start = 0;
    return sizes.map((s) => {
      const begin = t.shape.map((_, i) => (i === a ? start : 0));
      const size = t.shape.map((d, i) => (i === a ? s : d));
      start += s;
      return slice(t, begin, size);
    });
  },
);

export const stack = op('stack', (xs: readonly TensorLike[], axis: number = 0): Tensor => {
  if (!isList(xs) || xs.length === 0) throw new ValueError('stack: xs must be a non-empty array of tensors');
  const ts = xs.map((x, i) => toTensor(x, 'stack', `xs[${i}]`));
  for (const [i, t] of ts.entries()) {
    if (!shapesEqual(t.shape, ts[0].shape)) {
      throw new ValueError(
        `stack: all tensors must have the same shape; xs[0] is ${fmt(ts[0].shape)}, xs[${i}] is ${fmt(t.shape)}`,
      );
    }
  }
  const a = normalizeAxis(axis, ts[0].rank + 1, 'stack');
  return concat(
    ts.map((t) => expandDims(t, a)),
    a,
  );
});

export const unstack = op('unstack', (x: TensorLike, axis: number = 0): Tensor[] => {
  const t = toTensor(x, 'unstack', 'x');
  const a = normalizeAxis(axis, t.rank, 'unstack', 'axis', t.shape);
  const rest = t.shape.filter((_, i) => i !== a);
  return Array.from({ length: t.shape[a] }, (_, k) => {
    const begin = t.shape.map((_, i) => (i === a ? k : 0));
    const size = t.shape.map((d, i) => (i === a ? 1 : d));
    return reshape(slice(t, begin, size), rest);
  });
});

/** paddings[i] = [before, after] for each axis, filled with constantValue. */
export const pad = op(
  'pad',
  (x: TensorLike, paddings: readonly (readonly [number, number])[], constantValue: number = 0): Tensor => {
    const t = toTensor(x, 'pad', 'x');
    if (
      !isList(paddings) ||
      paddings.length !== t.rank ||
      !paddings.every((p) => isList(p) && p.length === 2 && p.every((v) => Number.isInteger(v) && v >= 0))
    ) {
      throw new ValueError(
        `pad: paddings must be ${t.rank} pairs of non-negative integers for x ${fmt(t.shape)}, got ${JSON.stringify(paddings)}`,
      );
    }
    const shape = t.shape.map((d, i) => d + paddings[i][0] + paddings[i][1]);
    return ENGINE.runKernel(
      'Pad',
      [t],
      { paddings: paddings.map((p) => [p[0], p[1]] as [number, number]), value: constantValue },
      { shape, dtype: t.dtype },
    );
  },
);

export const reverse = op('reverse', (x: TensorLike, axes?: number | number[]): Tensor => {
  const t = toTensor(x, 'reverse', 'x');
  const a = normalizeAxes(axes, t.rank, 'reverse', t.shape);
  return ENGINE.runKernel('Reverse', [t], { axes: a }, { shape: t.shape, dtype: t.dtype });
});

/** Repeats x reps[i] times along axis i: a broadcast of x reshaped, then flattened back. */
export const tile = op('tile', (x: TensorLike, reps: readonly number[]): Tensor => {
  const t = toTensor(x, 'tile', 'x');
  if (!isList(reps) || reps.length !== t.rank || !reps.every((r) => Number.isInteger(r) && r >= 0)) {
    throw new ValueError(
      `tile: reps must be ${t.rank} non-negative integers for x ${fmt(t.shape)}, got ${JSON.stringify(reps)}`,
    );
  }
  const interleaved = t.shape.flatMap((d) => [1, d]);
  const target = t.shape.flatMap((d, i) => [reps[i], d]);
  return reshape(
    broadcastTo(reshape(t, interleaved), target),
    t.shape.map((d, i) => d * reps[i]),
  );
});
