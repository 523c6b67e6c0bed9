/**
 * Elementwise unary kernels and Cast. Each op is a small strided loop; for a contiguous input
 * forEachRow makes it one call over the whole buffer.
 */
import type { DataId, DType, KernelImpl, KernelTable, OutInfo, TensorInfo, TypedArray } from '@tapeflow/core';
import { forEachRow, outOperand, broadcastOperand } from '../strided.js';
import { expF32, sigmoidF32, tanhF32 } from './fast_math.js';
import { isContiguous, makeArray, store, storeView, viewOf, type CpuData } from '../storage.js';
import { unaryWasm, type UnaryWasmOp } from './elementwise_wasm.js';

/** out[o..o+n) = f(x[ix], x[ix+sx], ...). One function per op keeps each loop monomorphic. */
export type UnaryLoop = (out: TypedArray, o: number, x: TypedArray, ix: number, sx: number, n: number) => void;

/** Runs `loop` over x into a fresh row-major buffer of `dtype`. */
export function mapUnary(x: TensorInfo, dtype: DType, loop: UnaryLoop): CpuData {
  const v = viewOf(x);
  const out = makeArray(dtype, v.size);
  const xo = broadcastOperand(v, x.shape);
  forEachRow(x.shape, [outOperand(out, x.shape), xo], (off, n, s) => loop(out, off[0], v.data, off[1], s[1], n));
  return store(out, x.shape, dtype);
}

const neg: UnaryLoop = (out, o, x, i, s, n) => {
  for (const e = o + n; o < e; o++, i += s) out[o] = -x[i];
};
const abs: UnaryLoop = (out, o, x, i, s, n) => {
  for (const e = o + n; o < e; o++, i += s) out[o] = Math.abs(x[i]);
};
const exp: UnaryLoop = (out, o, x, i, s, n) => {
  for (const e = o + n; o < e; o++, i += s) out[o] = Math.exp(x[i]);
};
const log: UnaryLoop = (out, o, x, i, s, n) => {
  for (const e = o + n; o < e; o++, i += s) out[o] = Math.log(x[i]);
};
const sqrt: UnaryLoop = (out, o, x, i, s, n) => {
  for (const e = o + n; o < e; o++, i += s) out[o] = Math.sqrt(x[i]);
};
const tanh: UnaryLoop = (out, o, x, i, s, n) => {
  for (const e = o + n; o < e; o++, i += s) out[o] = Math.tanh(x[i]);
};
// 1 / (1 + e^-x) saturates cleanly: e^-x overflows to Infinity and the result to 0.
const sigmoid: UnaryLoop = (out, o, x, i, s, n) => {
  for (const e = o + n; o < e; o++, i += s) out[o] = 1 / (1 + Math.exp(-x[i]));
};
// `x < 0 ? 0 : x` lets NaN through, as TensorFlow's relu does.
const relu: UnaryLoop = (out, o, x, i, s, n) => {
  for (const e = o + n; o < e; o++, i += s) {
    const v = x[i];
    out[o] = v < 0 ? 0 : v;
  }
};
// float32 outputs: fast_math's versions, ~1 ulp of float32 and several times cheaper than Math.exp.
const expF: UnaryLoop = (out, o, x, i, s, n) => {
  for (const e = o + n; o < e; o++, i += s) out[o] = expF32(x[i]);
};
const tanhF: UnaryLoop = (out, o, x, i, s, n) => {
  for (const e = o + n; o < e; o++, i += s) out[o] = tanhF32(x[i]);
};
const sigmoidF: UnaryLoop = (out, o, x, i, s, n) => {
  for (const e = o + n; o < e; o++, i += s) out[o] = sigmoidF32(x[i]);
};
const logicalNot: UnaryLoop = (out, o, x, i, s, n) => {
  for (const e = o + n; o < e; o++, i += s) out[o] = x[i] ? 0 : 1;
};
// Storing into the output typed array does the conversion: Int32Array truncates (NaN -> 0),
// Float32Array rounds. Only bool needs an explicit test (NaN is truthy, as in TensorFlow).
const convert: UnaryLoop = (out, o, x, i, s, n) => {
  for (const e = o + n; o < e; o++, i += s) out[o] = x[i];
};
const toBool: UnaryLoop = (out, o, x, i, s, n) => {
  for (const e = o + n; o < e; o++, i += s) {
    const v = x[i];
    out[o] = v !== 0 ? 1 : 0;
  }
};

// A structural type rather than KernelImpl<'Exp'>: TypeScript treats KernelImpl's parameter as invariant.
export type UnaryImpl = (inputs: [TensorInfo], attrs: unknown, out: OutInfo) => DataId;
/**
 * A kernel using `loop`, or `f32Loop` when the output is float32; a contiguous float32 input
 * takes the WebAssembly kernel `wasmOp` where there is one (elementwise_wasm.ts).
 */
export const unary =
  (loop: UnaryLoop, f32Loop = loop, wasmOp?: UnaryWasmOp): UnaryImpl =>
  ([x], _attrs, out) => {
    if (wasmOp !== undefined && out.dtype === 'float32') {
      const v = viewOf(x);
      const y = isContiguous(v) ? unaryWasm(wasmOp, v.data, v.offset, v.size) : null;
      if (y !== null) return store(y, x.shape, out.dtype);
    }
    return mapUnary(x, out.dtype, out.dtype === 'float32' ? f32Loop : loop);
  };

const cast: KernelImpl<'Cast'> = ([x], { dtype }) => {
  // Tensors are immutable, so a cast to the same dtype can share the buffer.
  if (dtype === x.dtype) return storeView(viewOf(x), dtype);
  return mapUnary(x, dtype, dtype === 'bool' ? toBool : convert);
};

export const unaryKernels = {
  Neg: unary(neg),
  Abs: unary(abs),
  Exp: unary(exp, expF, 'exp'),
  Log: unary(log),
  Sqrt: unary(sqrt),
  Tanh: unary(tanh, tanhF, 'tanh'),
  Sigmoid: unary(sigmoid, sigmoidF, 'sigmoid'),
  Relu: unary(relu),
  LogicalNot: unary(logicalNot),
  Cast: cast,
} satisfies Partial<KernelTable>;
