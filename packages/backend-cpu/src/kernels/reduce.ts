/**
 * Sum, Max and Min over a set of axes. The input is walked in its own row-major order while an
 * accumulator is indexed with stride 0 along the reduced axes, so reducing trailing axes
 * (softmax) and leading axes (bias gradients) both stream through memory once.
 * Accumulators are float64: float32 sums of many terms then round once, at the end.
 */
import {
  sizeOf,
  stridesOf,
  type DataId,
  type KernelTable,
  type OutInfo,
  type TensorInfo,
  type TypedArray,
} from '@tapeflow/core';
import { forEachRow, type Operand } from '../strided.js';
import { makeArray, store, viewOf } from '../storage.js';

/** acc[ia + t*sa] (op)= x[ix + t*sx] for t < n; sa is 0 when the whole row folds into one slot. */
type ReduceLoop = (acc: Float64Array, ia: number, sa: number, x: TypedArray, ix: number, sx: number, n: number) => void;

const sumLoop: ReduceLoop = (acc, ia, sa, x, ix, sx, n) => {
  if (sa === 0) {
    let s = 0;
    for (let t = 0; t < n; t++, ix += sx) s += x[ix];
    acc[ia] += s;
  } else {
    for (let t = 0; t < n; t++, ia += sa, ix += sx) acc[ia] += x[ix];
  }
};
// Math.max/min propagate NaN, as TensorFlow's reductions do.
const maxLoop: ReduceLoop = (acc, ia, sa, x, ix, sx, n) => {
  for (let t = 0; t < n; t++, ia += sa, ix += sx) acc[ia] = Math.max(acc[ia], x[ix]);
};
const minLoop: ReduceLoop = (acc, ia, sa, x, ix, sx, n) => {
  for (let t = 0; t < n; t++, ia += sa, ix += sx) acc[ia] = Math.min(acc[ia], x[ix]);
};

const prodLoop: ReduceLoop = (acc, ia, sa, x, ix, sx, n) => {
  for (let t = 0; t < n; t++, ia += sa, ix += sx) acc[ia] *= x[ix];
};
// int32 products wrap modulo 2^32 like TensorFlow's; Math.imul keeps them exact (acc stays in int32 range).
const imulLoop: ReduceLoop = (acc, ia, sa, x, ix, sx, n) => {
  for (let t = 0; t < n; t++, ia += sa, ix += sx) acc[ia] = Math.imul(acc[ia], x[ix]);
};

type ReduceImpl = (inputs: [TensorInfo], attrs: { axes: number[] }, out: OutInfo) => DataId;

function reduce(floatLoop: ReduceLoop, init: (dtype: string) => number, intLoop = floatLoop): ReduceImpl {
  return ([x], { axes }, out) => {
    const loop = x.dtype === 'int32' ? intLoop : floatLoop;
    const v = viewOf(x);
    const size = sizeOf(out.shape);
    const acc = new Float64Array(size).fill(init(x.dtype));
    // Accumulator strides in x's dims: row-major over the kept dims, 0 on the reduced ones.
    const kept = stridesOf(out.shape);
    let k = 0;
    const accStrides = x.shape.map((_, i) => (axes.includes(i) ? 0 : kept[k++]));
    const accOp: Operand = { data: acc, offset: 0, strides: accStrides };
    const xOp: Operand = { data: v.data, offset: v.offset, strides: v.stride };
    forEachRow(x.shape, [accOp, xOp], (off, n, s) => loop(acc, off[0], s[0], v.data, off[1], s[1], n));
    const y = makeArray(out.dtype, size);
    y.set(acc);
    return store(y, out.shape, out.dtype);
  };
}

// Empty reductions give the identity: 0, or the dtype's lowest / highest value.
const lowest = (dtype: string): number => (dtype === 'int32' ? -2147483648 : -Infinity);
const highest = (dtype: string): number => (dtype === 'int32' ? 2147483647 : Infinity);

export const reduceKernels = {
  Sum: reduce(sumLoop, () => 0),
  Max: reduce(maxLoop, lowest),
  Min: reduce(minLoop, highest),
  Prod: reduce(prodLoop, () => 1, imulLoop),
  // bools are 0/1: any is their max, all their min.
  Any: reduce(maxLoop, () => 0),
  All: reduce(minLoop, () => 1),
} satisfies Partial<KernelTable>;
