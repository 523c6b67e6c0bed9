/**
 * Elementwise binary kernels (arithmetic, comparisons, logical) and Where, with NumPy
 * broadcasting. forEachRow reduces same-shape, scalar and bias-row cases to long inner loops.
 * int32 results wrap like Int32Array (the store truncates modulo 2^32; Mul uses Math.imul so
 * products beyond 2^53 wrap exactly too).
 */
import { sizeOf, type DataId, type KernelTable, type OutInfo, type TensorInfo, type TypedArray } from '@tapeflow/core';
import { broadcastOperand, forEachRow, outOperand } from '../strided.js';
import { makeArray, store, viewOf, type CpuData } from '../storage.js';

/** out[o + t] = a[ia + t*sa] (op) b[ib + t*sb] for t < n. */
type BinaryLoop = (out: TypedArray, o: number, a: TypedArray, ia: number, sa: number,
  b: TypedArray, ib: number, sb: number, n: number) => void;

function mapBinary(a: TensorInfo, b: TensorInfo, out: OutInfo, loop: BinaryLoop): CpuData {
  const va = viewOf(a), vb = viewOf(b);
  const shape = out.shape;
  const y = makeArray(out.dtype, sizeOf(shape));
  const ops = [outOperand(y, shape), broadcastOperand(va, shape), broadcastOperand(vb, shape)];
  forEachRow(shape, ops, (off, n, s) => loop(y, off[0], va.data, off[1], s[1], vb.data, off[2], s[2], n));
  return store(y, shape, out.dtype);
}

const add: BinaryLoop = (y, o, a, i, sa, b, j, sb, n) => { for (const e = o + n; o < e; o++, i += sa, j += sb) y[o] = a[i] + b[j]; };
const sub: BinaryLoop = (y, o, a, i, sa, b, j, sb, n) => { for (const e = o + n; o < e; o++, i += sa, j += sb) y[o] = a[i] - b[j]; };
const mul: BinaryLoop = (y, o, a, i, sa, b, j, sb, n) => { for (const e = o + n; o < e; o++, i += sa, j += sb) y[o] = a[i] * b[j]; };
const imul: BinaryLoop = (y, o, a, i, sa, b, j, sb, n) => { for (const e = o + n; o < e; o++, i += sa, j += sb) y[o] = Math.imul(a[i], b[j]); };
const div: BinaryLoop = (y, o, a, i, sa, b, j, sb, n) => { for (const e = o + n; o < e; o++, i += sa, j += sb) y[o] = a[i] / b[j]; };
// int32 division floors (TensorFlow.js semantics); x / 0 stores as 0 in an Int32Array.
const floorDiv: BinaryLoop = (y, o, a, i, sa, b, j, sb, n) => { for (const e = o + n; o < e; o++, i += sa, j += sb) y[o] = Math.floor(a[i] / b[j]); };
const pow: BinaryLoop = (y, o, a, i, sa, b, j, sb, n) => { for (const e = o + n; o < e; o++, i += sa, j += sb) y[o] = Math.pow(a[i], b[j]); };
const maximum: BinaryLoop = (y, o, a, i, sa, b, j, sb, n) => { for (const e = o + n; o < e; o++, i += sa, j += sb) y[o] = Math.max(a[i], b[j]); };
const minimum: BinaryLoop = (y, o, a, i, sa, b, j, sb, n) => { for (const e = o + n; o < e; o++, i += sa, j += sb) y[o] = Math.min(a[i], b[j]); };
const greater: BinaryLoop = (y, o, a, i, sa, b, j, sb, n) => { for (const e = o + n; o < e; o++, i += sa, j += sb) y[o] = a[i] > b[j] ? 1 : 0; };
const greaterEqual: BinaryLoop = (y, o, a, i, sa, b, j, sb, n) => { for (const e = o + n; o < e; o++, i += sa, j += sb) y[o] = a[i] >= b[j] ? 1 : 0; };
const less: BinaryLoop = (y, o, a, i, sa, b, j, sb, n) => { for (const e = o + n; o < e; o++, i += sa, j += sb) y[o] = a[i] < b[j] ? 1 : 0; };
const lessEqual: BinaryLoop = (y, o, a, i, sa, b, j, sb, n) => { for (const e = o + n; o < e; o++, i += sa, j += sb) y[o] = a[i] <= b[j] ? 1 : 0; };
const equal: BinaryLoop = (y, o, a, i, sa, b, j, sb, n) => { for (const e = o + n; o < e; o++, i += sa, j += sb) y[o] = a[i] === b[j] ? 1 : 0; };
const logicalAnd: BinaryLoop = (y, o, a, i, sa, b, j, sb, n) => { for (const e = o + n; o < e; o++, i += sa, j += sb) y[o] = a[i] && b[j] ? 1 : 0; };

/** A kernel using `loop`, or `intLoop` when the operands are int32. */
// A structural type rather than KernelImpl<'Add'>: TypeScript treats KernelImpl's parameter as invariant.
type BinaryImpl = (inputs: [TensorInfo, TensorInfo], attrs: unknown, out: OutInfo) => DataId;
const binary = (loop: BinaryLoop, intLoop = loop): BinaryImpl =>
  ([a, b], _attrs, out) => mapBinary(a, b, out, a.dtype === 'int32' ? intLoop : loop);

const where: KernelTable['Where'] = ([cond, a, b], _attrs, out) => {
  const vc = viewOf(cond), va = viewOf(a), vb = viewOf(b);
  const shape = out.shape;
  const y = makeArray(out.dtype, sizeOf(shape));
  const c = vc.data, x = va.data, z = vb.data;
  const ops = [outOperand(y, shape), broadcastOperand(vc, shape), broadcastOperand(va, shape), broadcastOperand(vb, shape)];
  forEachRow(shape, ops, (off, n, s) => {
    let o = off[0], i = off[1], j = off[2], k = off[3];
    const si = s[1], sj = s[2], sk = s[3];
    for (const e = o + n; o < e; o++, i += si, j += sj, k += sk) y[o] = c[i] ? x[j] : z[k];
  });
  return store(y, shape, out.dtype);
};

export const binaryKernels = {
  Add: binary(add), Sub: binary(sub), Mul: binary(mul, imul), Div: binary(div, floorDiv),
  Pow: binary(pow), Maximum: binary(maximum), Minimum: binary(minimum),
  Greater: binary(greater), GreaterEqual: binary(greaterEqual), Less: binary(less),
  LessEqual: binary(lessEqual), Equal: binary(equal), LogicalAnd: binary(logicalAnd),
  Where: where,
} satisfies Partial<KernelTable>;
