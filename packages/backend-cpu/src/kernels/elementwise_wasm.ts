/**
 * The float32 elementwise path through the WebAssembly SIMD kernels (src/wasm/elementwise.wat):
 * add and mul of contiguous same-shape operands or by a contiguous row, exp, sigmoid and tanh of
 * a contiguous input. The operands are copied into the module's memory and the result out (tensors
 * live in JS typed arrays, see below); binary.ts and unary.ts keep the TypeScript loops as the
 * readable reference and for every other case, and `elementwisePaths.forceTs` makes tests run those.
 */
import type { TypedArray } from '@tapeflow/core';
import { elementwiseRuntime, scratch } from '../wasm/runtime.js';

/**
 * Smaller inputs take the TypeScript loop. Measured by CPU time per op on the bench machine
 * (loaded), add and tanh of 64, 256, 1024 and 4096 floats: the wasm path was never slower (the
 * op's fixed cost, ~7-10 µs, dominates there); below 64 not measured.
 */
export const WASM_MIN_ELEMENTS = 64;

/** `forceTs`: every op takes the TypeScript loops (tests compare both); `wasmCalls` counts the others. */
export const elementwisePaths = { forceTs: false, wasmCalls: 0 };

const padded = (n: number): number => (n + 3) & ~3;

/** A copy of mem[at .. at + n) in a new Float32Array (slice() of a shared memory's view measured ~5x slower than this). */
function copyOut(mem: Float32Array, at: number, n: number): Float32Array {
  const y = new Float32Array(n);
  y.set(mem.subarray(at, at + n));
  return y;
}

const usable = (x: TypedArray, n: number): x is Float32Array =>
  !elementwisePaths.forceTs && x instanceof Float32Array && n >= WASM_MIN_ELEMENTS;

export type UnaryWasmOp = 'exp' | 'sigmoid' | 'tanh';

/** y = op(x[offset .. offset + n)) as a new Float32Array, or null where the wasm kernel does not apply. */
export function unaryWasm(op: UnaryWasmOp, x: TypedArray, offset: number, n: number): Float32Array | null {
  if (!usable(x, n)) return null;
  const fns = elementwiseRuntime(),
    p = padded(n),
    s = scratch(2 * p);
  if (fns === null || s === null) return null;
  const { mem, base } = s;
  mem.set(x.subarray(offset, offset + n), base);
  fns[op](base * 4, (base + p) * 4, p);
  elementwisePaths.wasmCalls++;
  return copyOut(mem, base + p, n);
}

export type BinaryWasmOp = 'add' | 'mul';

/**
 * y = a (op) b for a of `n` elements at aOff and b either of n elements (cols = 0) or one row of
 * `cols` elements repeated over a's n / cols rows; a new Float32Array, or null where the wasm kernel
 * does not apply (rows whose length is not a multiple of 4 take the TypeScript loop).
 */
export function binaryWasm(
  op: BinaryWasmOp,
  a: TypedArray,
  aOff: number,
  b: TypedArray,
  bOff: number,
  n: number,
  cols = 0,
): Float32Array | null {
  if (!usable(a, n) || !(b instanceof Float32Array) || cols % 4 !== 0) return null;
  const fns = elementwiseRuntime(),
    p = padded(n),
    q = cols === 0 ? p : cols,
    s = scratch(2 * p + q);
  if (fns === null || s === null) return null;
  const { mem, base } = s;
  mem.set(a.subarray(aOff, aOff + n), base);
  mem.set(b.subarray(bOff, bOff + (cols === 0 ? n : cols)), base + p);
  const [aAt, bAt, yAt] = [base * 4, (base + p) * 4, (base + p + q) * 4];
  if (cols === 0) fns[op](aAt, bAt, yAt, p);
  else fns[op === 'add' ? 'addRow' : 'mulRow'](aAt, bAt, yAt, n / cols, cols);
  elementwisePaths.wasmCalls++;
  return copyOut(mem, base + p + q, n);
}
