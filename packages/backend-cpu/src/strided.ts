/**
 * Strided iteration for elementwise kernels. Every operand (the output included) is a typed
 * array with an offset and one stride per dimension of the iteration shape (0 where it is
 * broadcast). Dimensions that all operands can walk as one are merged first, so the common
 * cases - same shape, a scalar operand, a bias row [n] over [m, n], a contiguous tensor - turn
 * into one long inner loop (or m rows of n) run by a small per-op loop function, which V8
 * compiles to a tight loop. Only the remaining outer dimensions pay for the odometer.
 */
import { stridesOf, type TypedArray } from '@tapeflow/core';
import type { View } from './storage.js';

export interface Operand {
  readonly data: TypedArray;
  readonly offset: number;
  /** One stride per dimension of the iteration shape. */
  readonly strides: readonly number[];
}

/** A view seen through NumPy broadcasting against `shape` (aligned right, size-1 dims get stride 0). */
export function broadcastOperand(v: View, shape: readonly number[]): Operand {
  const lead = shape.length - v.shape.length;
  const strides = shape.map((d, i) => {
    const j = i - lead;
    return j < 0 || (v.shape[j] === 1 && d !== 1) ? 0 : v.stride[j];
  });
  return { data: v.data, offset: v.offset, strides };
}

/** A fresh row-major output buffer as an operand. */
export function outOperand(data: TypedArray, shape: readonly number[]): Operand {
  return { data, offset: 0, strides: stridesOf(shape) };
}

/**
 * Calls `row(offsets, n, innerStrides)` once per row of the collapsed iteration space; offsets
 * and innerStrides hold one entry per operand. The arrays are reused between calls.
 */
export function forEachRow(
  shape: readonly number[],
  operands: readonly Operand[],
  row: (offsets: number[], n: number, inner: readonly number[]) => void,
): void {
  const k = operands.length;
  // Collapse from the innermost dim outwards: dim d joins the current group when every operand
  // steps over the whole group by moving one step along d.
  const dims: number[] = [];
  const strides: number[][] = operands.map(() => []);
  for (let d = shape.length - 1; d >= 0; d--) {
    const size = shape[d];
    if (size === 0) return;
    if (size === 1) continue;
    const g = dims.length - 1;
    if (g >= 0 && operands.every((op, j) => op.strides[d] === strides[j][g] * dims[g])) {
      dims[g] *= size;
    } else {
      dims.push(size);
      for (let j = 0; j < k; j++) strides[j].push(operands[j].strides[d]);
    }
  }
  const n = dims.length > 0 ? dims[0] : 1;
  const inner = strides.map((s) => (s.length > 0 ? s[0] : 0));
  const offsets = operands.map((op) => op.offset);
  let rows = 1;
  for (let d = 1; d < dims.length; d++) rows *= dims[d];
  const idx = new Array<number>(dims.length).fill(0);
  for (let r = 0; r < rows; r++) {
    row(offsets, n, inner);
    // Odometer over the outer dims (dims[1] is the fastest).
    for (let d = 1; d < dims.length; d++) {
      for (let j = 0; j < k; j++) offsets[j] += strides[j][d];
      if (++idx[d] < dims[d]) break;
      idx[d] = 0;
      for (let j = 0; j < k; j++) offsets[j] -= strides[j][d] * dims[d];
    }
  }
}
