/**
 * Elementwise binary kernels (arithmetic, comparisons, logical) and Where, with NumPy
 * broadcasting. forEachRow reduces same-shape, scalar and bias-row cases to long inner loops.
 * int32 results wrap like Int32Array (the store truncates modulo 2^32; Mul uses Math.imul so
 * products beyond 2^53 wrap exactly too).
 */
import { sizeOf, type DataId, type KernelTable, type OutInfo, type TensorInfo, type TypedArray } from '@tapeflow/core';
import { broadcastOperand, forEachRow, outOperand } from '../strided.js';
import { isContiguous, makeArray, store, viewOf, type CpuData, type View } from '../storage.js';
import { binaryWasm, type BinaryWasmOp } from './elementwise_wasm.js';

/** out[o + t] = a[ia + t*sa] (op) b[ib + t*sb] for t < n. */
type BinaryLoop = (
  out: TypedArray,
  o: number,
  a: TypedArray,
  ia: number,
  sa: number,
  b: TypedArray,
  ib: number,
  sb: number,
  n: number,
) => void;

/**
 * Loops for the common rows: both operands contiguous, or one a broadcast scalar. V8 re-checks a
 * typed array's map, base and length at every access of a parameter array, so these do fewer
 * accesses per element: the scalar is read once, and `same` is unrolled by 4 (measured on 1M
 * float32: add 2.6 -> 2.0 ms, a + scalar 2.6 -> 1.8 ms).
 */
interface FastLoops {
  same(y: TypedArray, o: number, a: TypedArray, i: number, b: TypedArray, j: number, n: number): void;
  aScalar(y: TypedArray, o: number, v: number, b: TypedArray, j: number, n: number): void;
  bScalar(y: TypedArray, o: number, a: TypedArray, i: number, v: number, n: number): void;
}

function mapBinary(a: TensorInfo, b: TensorInfo, out: OutInfo, loop: BinaryLoop, fast?: FastLoops): CpuData {
  const va = viewOf(a),
    vb = viewOf(b);
  const shape = out.shape;
  const y = makeArray(out.dtype, sizeOf(shape));
  const ops = [outOperand(y, shape), broadcastOperand(va, shape), broadcastOperand(vb, shape)];
  const da = va.data,
    db = vb.data;
  forEachRow(shape, ops, (off, n, s) => {
    const sa = s[1],
      sb = s[2];
    if (fast !== undefined && sa === 1 && sb === 1) fast.same(y, off[0], da, off[1], db, off[2], n);
    else if (fast !== undefined && sa === 1 && sb === 0) fast.bScalar(y, off[0], da, off[1], db[off[2]], n);
    else if (fast !== undefined && sa === 0 && sb === 1) fast.aScalar(y, off[0], da[off[1]], db, off[2], n);
    else loop(y, off[0], da, off[1], sa, db, off[2], sb, n);
  });
  return store(y, shape, out.dtype);
}

// Fast loops of the float arithmetic (int32 Mul and Div keep their strided loops).
const addFast: FastLoops = {
  same: (y, o, a, i, b, j, n) => {
    let t = 0;
    for (; t + 4 <= n; t += 4) {
      y[o + t] = a[i + t] + b[j + t];
      y[o + t + 1] = a[i + t + 1] + b[j + t + 1];
      y[o + t + 2] = a[i + t + 2] + b[j + t + 2];
      y[o + t + 3] = a[i + t + 3] + b[j + t + 3];
    }
    for (; t < n; t++) y[o + t] = a[i + t] + b[j + t];
  },
  aScalar: (y, o, v, b, j, n) => {
    for (let t = 0; t < n; t++) y[o + t] = v + b[j + t];
  },
  bScalar: (y, o, a, i, v, n) => {
    for (let t = 0; t < n; t++) y[o + t] = a[i + t] + v;
  },
};
const subFast: FastLoops = {
  same: (y, o, a, i, b, j, n) => {
    let t = 0;
    for (; t + 4 <= n; t += 4) {
      y[o + t] = a[i + t] - b[j + t];
      y[o + t + 1] = a[i + t + 1] - b[j + t + 1];
      y[o + t + 2] = a[i + t + 2] - b[j + t + 2];
      y[o + t + 3] = a[i + t + 3] - b[j + t + 3];
    }
    for (; t < n; t++) y[o + t] = a[i + t] - b[j + t];
  },
  aScalar: (y, o, v, b, j, n) => {
    for (let t = 0; t < n; t++) y[o + t] = v - b[j + t];
  },
  bScalar: (y, o, a, i, v, n) => {
    for (let t = 0; t < n; t++) y[o + t] = a[i + t] - v;
  },
};
const mulFast: FastLoops = {
  same: (y, o, a, i, b, j, n) => {
    let t = 0;
    for (; t + 4 <= n; t += 4) {
      y[o + t] = a[i + t] * b[j + t];
      y[o + t + 1] = a[i + t + 1] * b[j + t + 1];
      y[o + t + 2] = a[i + t + 2] * b[j + t + 2];
      y[o + t + 3] = a[i + t + 3] * b[j + t + 3];
    }
    for (; t < n; t++) y[o + t] = a[i + t] * b[j + t];
  },
  aScalar: (y, o, v, b, j, n) => {
    for (let t = 0; t < n; t++) y[o + t] = v * b[j + t];
  },
  bScalar: (y, o, a, i, v, n) => {
    for (let t = 0; t < n; t++) y[o + t] = a[i + t] * v;
  },
};
const divFast: FastLoops = {
  same: (y, o, a, i, b, j, n) => {
    let t = 0;
    for (; t + 4 <= n; t += 4) {
      y[o + t] = a[i + t] / b[j + t];
      y[o + t + 1] = a[i + t + 1] / b[j + t + 1];
      y[o + t + 2] = a[i + t + 2] / b[j + t + 2];
      y[o + t + 3] = a[i + t + 3] / b[j + t + 3];
    }
    for (; t < n; t++) y[o + t] = a[i + t] / b[j + t];
  },
  aScalar: (y, o, v, b, j, n) => {
    for (let t = 0; t < n; t++) y[o + t] = v / b[j + t];
  },
  bScalar: (y, o, a, i, v, n) => {
    for (let t = 0; t < n; t++) y[o + t] = a[i + t] / v;
  },
};

const add: BinaryLoop = (y, o, a, i, sa, b, j, sb, n) => {
  for (const e = o + n; o < e; o++, i += sa, j += sb) y[o] = a[i] + b[j];
};
const sub: BinaryLoop = (y, o, a, i, sa, b, j, sb, n) => {
  for (const e = o + n; o < e; o++, i += sa, j += sb) y[o] = a[i] - b[j];
};
const mul: BinaryLoop = (y, o, a, i, sa, b, j, sb, n) => {
  for (const e = o + n; o < e; o++, i += sa, j += sb) y[o] = a[i] * b[j];
};
const imul: BinaryLoop = (y, o, a, i, sa, b, j, sb, n) => {
  for (const e = o + n; o < e; o++, i += sa, j += sb) y[o] = Math.imul(a[i], b[j]);
};
const div: BinaryLoop = (y, o, a, i, sa, b, j, sb, n) => {
  for (const e = o + n; o < e; o++, i += sa, j += sb) y[o] = a[i] / b[j];
};
// int32 division floors (TensorFlow.js semantics); x / 0 stores as 0 in an Int32Array.
const floorDiv: BinaryLoop = (y, o, a, i, sa, b, j, sb, n) => {
  for (const e = o + n; o < e; o++, i += sa, j += sb) y[o] = Math.floor(a[i] / b[j]);
};
const pow: BinaryLoop = (y, o, a, i, sa, b, j, sb, n) => {
  for (const e = o + n; o < e; o++, i += sa, j += sb) y[o] = Math.pow(a[i], b[j]);
};
const maximum: BinaryLoop = (y, o, a, i, sa, b, j, sb, n) => {
  for (const e = o + n; o < e; o++, i += sa, j += sb) y[o] = Math.max(a[i], b[j]);
};
const minimum: BinaryLoop = (y, o, a, i, sa, b, j, sb, n) => {
  for (const e = o + n; o < e; o++, i += sa, j += sb) y[o] = Math.min(a[i], b[j]);
};
const greater: BinaryLoop = (y, o, a, i, sa, b, j, sb, n) => {
  for (const e = o + n; o < e; o++, i += sa, j += sb) y[o] = a[i] > b[j] ? 1 : 0;
};
const greaterEqual: BinaryLoop = (y, o, a, i, sa, b, j, sb, n) => {
  for (const e = o + n; o < e; o++, i += sa, j += sb) y[o] = a[i] >= b[j] ? 1 : 0;
};
const less: BinaryLoop = (y, o, a, i, sa, b, j, sb, n) => {
  for (const e = o + n; o < e; o++, i += sa, j += sb) y[o] = a[i] < b[j] ? 1 : 0;
};
const lessEqual: BinaryLoop = (y, o, a, i, sa, b, j, sb, n) => {
  for (const e = o + n; o < e; o++, i += sa, j += sb) y[o] = a[i] <= b[j] ? 1 : 0;
};
const equal: BinaryLoop = (y, o, a, i, sa, b, j, sb, n) => {
  for (const e = o + n; o < e; o++, i += sa, j += sb) y[o] = a[i] === b[j] ? 1 : 0;
};
const logicalAnd: BinaryLoop = (y, o, a, i, sa, b, j, sb, n) => {
  for (const e = o + n; o < e; o++, i += sa, j += sb) y[o] = a[i] && b[j] ? 1 : 0;
};

/** Whether `v` (contiguous) is one row repeated along the leading axes of `shape`: its shape, past leading 1s, ends `shape`. */
function isRowOf(v: View, shape: readonly number[]): boolean {
  const s = v.shape.slice(v.shape.findIndex((d) => d !== 1));
  return s.length > 0 && s.length <= shape.length && s.every((d, i) => d === shape[shape.length - s.length + i]);
}

/**
 * Float32 add or mul on the WebAssembly kernels (elementwise_wasm.ts): contiguous operands of the
 * output's shape, or one of them a contiguous row repeated over the other. Null where none applies.
 */
function binaryOnWasm(op: BinaryWasmOp, a: TensorInfo, b: TensorInfo, out: OutInfo): CpuData | null {
  if (out.dtype !== 'float32') return null;
  const va = viewOf(a),
    vb = viewOf(b),
    n = sizeOf(out.shape);
  if (!isContiguous(va) || !isContiguous(vb)) return null;
  const full = (v: View): boolean => v.size === n;
  let y: Float32Array | null = null;
  if (full(va) && full(vb)) y = binaryWasm(op, va.data, va.offset, vb.data, vb.offset, n);
  else if (full(va) && isRowOf(vb, out.shape)) y = binaryWasm(op, va.data, va.offset, vb.data, vb.offset, n, vb.size);
  else if (full(vb) && isRowOf(va, out.shape)) y = binaryWasm(op, vb.data, vb.offset, va.data, va.offset, n, va.size); // both ops commute
  return y === null ? null : store(y, out.shape, out.dtype);
}

/**
 * A kernel using `loop` (and `fast` for its rows that allow), or `intLoop` when the operands are
 * int32; float32 Add and Mul (`wasmOp`) try the WebAssembly kernel first.
 */
// A structural type rather than KernelImpl<'Add'>: TypeScript treats KernelImpl's parameter as invariant.
type BinaryImpl = (inputs: [TensorInfo, TensorInfo], attrs: unknown, out: OutInfo) => DataId;
const binary =
  (loop: BinaryLoop, intLoop = loop, fast?: FastLoops, wasmOp?: BinaryWasmOp): BinaryImpl =>
  ([a, b], _attrs, out) => {
    if (a.dtype === 'int32' && intLoop !== loop) return mapBinary(a, b, out, intLoop);
    return (wasmOp !== undefined ? binaryOnWasm(wasmOp, a, b, out) : null) ?? mapBinary(a, b, out, loop, fast);
  };

const where: KernelTable['Where'] = ([cond, a, b], _attrs, out) => {
  const vc = viewOf(cond),
    va = viewOf(a),
    vb = viewOf(b);
  const shape = out.shape;
  const y = makeArray(out.dtype, sizeOf(shape));
  const c = vc.data,
    x = va.data,
    z = vb.data;
  const ops = [
    outOperand(y, shape),
    broadcastOperand(vc, shape),
    broadcastOperand(va, shape),
    broadcastOperand(vb, shape),
  ];
  forEachRow(shape, ops, (off, n, s) => {
    let o = off[0],
      i = off[1],
      j = off[2],
      k = off[3];
    const si = s[1],
      sj = s[2],
      sk = s[3];
    for (const e = o + n; o < e; o++, i += si, j += sj, k += sk) y[o] = c[i] ? x[j] : z[k];
  });
  return store(y, shape, out.dtype);
};

export const binaryKernels = {
  Add: binary(add, add, addFast, 'add'),
  Sub: binary(sub, sub, subFast),
  Mul: binary(mul, imul, mulFast, 'mul'),
  Div: binary(div, floorDiv, divFast),
  Pow: binary(pow),
  Maximum: binary(maximum),
  Minimum: binary(minimum),
  Greater: binary(greater),
  GreaterEqual: binary(greaterEqual),
  Less: binary(less),
  LessEqual: binary(lessEqual),
  Equal: binary(equal),
  LogicalAnd: binary(logicalAnd),
  Where: where,
} satisfies Partial<KernelTable>;
