/**
 * The float32 elementwise path through the WebAssembly SIMD kernels (src/wasm/elementwise.wat):
 * add and mul of contiguous same-shape operands or by a contiguous row, exp, sigmoid and tanh of
 * a contiguous input. Operands that live in the module's memory (storage.ts) are read in place and
 * the result is written into a fresh heap array; JS-array operands go through scratch; binary.ts and unary.ts keep the TypeScript loops as the
 * readable reference and for every other case, and `elementwisePaths.forceTs` makes tests run those.
 */
import type { TypedArray } from '@tapeflow/core';
import { elementwiseRuntime, scratch } from '../wasm/runtime.js';
import { heapAddress, makeOutput } from '../storage.js';

/**
 * Smaller inputs take the TypeScript loop. Measured by CPU time per op on the bench machine
 * (loaded), add and tanh of 64, 256, 1024 and 4096 floats: the wasm path was never slower (the
 * op's fixed cost, ~7-10 µs, dominates there); below 64 not measured.
 */
export const WASM_MIN_ELEMENTS = 64;

/** `forceTs`: every op takes the TypeScript loops (tests compare both); `wasmCalls` counts the others. */
export const elementwisePaths = { forceTs: false, wasmCalls: 0 };

export const padded = (n: number): number => (n + 3) & ~3;

const usable = (x: TypedArray, n: number): x is Float32Array =>
  !elementwisePaths.forceTs && x instanceof Float32Array && n >= WASM_MIN_ELEMENTS;

/** An operand of a kernel: x[from .. from + n). */
export interface Operand {
  x: Float32Array;
  from: number;
  n: number;
}

/**
 * Runs `kernel` with the byte addresses of its operands and of `outs` fresh outputs of `n` floats
 * each, and returns the outputs. A heap operand (storage.ts) is read where it is and a heap output
 * written in place: no copy. A JS-array operand (an unshared memory, storagePaths.forceJsArrays, a
 * small array) is copied into the scratch region first, and a JS-array output is written there and
 * copied out. Heap blocks and scratch hold whole f32x4 vectors, so the kernels may write the
 * padding lanes past n. Null where scratch is unavailable.
 */
export function inMemory(
  ops: Operand[],
  n: number,
  outs: number,
  kernel: (addrs: number[], outAddrs: number[]) => void,
): Float32Array[] | null {
  const ys = Array.from({ length: outs }, () => makeOutput('float32', n) as Float32Array);
  const yAt = ys.map((y) => heapAddress(y, 0));
  const inPlace = ops.map((o) => heapAddress(o.x, o.from));
  let need = 0;
  yAt.forEach((a) => (need += a < 0 ? padded(n) : 0));
  ops.forEach((o, i) => (need += inPlace[i] < 0 ? padded(o.n) : 0));
  const s = need > 0 ? scratch(need) : null;
  if (need > 0 && s === null) return null;
  let at = s?.base ?? 0;
  const room = (floats: number): number => ((at += padded(floats)) - padded(floats)) * 4; // the next scratch bytes
  const addrs = ops.map((o, i) => {
    if (inPlace[i] >= 0) return inPlace[i];
    s!.mem.set(o.x.subarray(o.from, o.from + o.n), at);
    return room(o.n);
  });
  const outAddrs = yAt.map((a) => (a >= 0 ? a : room(n)));
  kernel(addrs, outAddrs);
  ys.forEach((y, i) => {
    if (yAt[i] < 0) y.set(s!.mem.subarray(outAddrs[i] / 4, outAddrs[i] / 4 + n));
  });
  elementwisePaths.wasmCalls++;
  return ys;
}

export type UnaryWasmOp = 'exp' | 'sigmoid' | 'tanh';

/** y = op(x[offset .. offset + n)) as a new Float32Array, or null where the wasm kernel does not apply. */
export function unaryWasm(op: UnaryWasmOp, x: TypedArray, offset: number, n: number): Float32Array | null {
  if (!usable(x, n)) return null;
  const fns = elementwiseRuntime();
  if (fns === null) return null;
  const ys = inMemory([{ x, from: offset, n }], n, 1, ([xAt], [yAt]) => fns[op](xAt, yAt, padded(n)));
  return ys && ys[0];
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
  const fns = elementwiseRuntime();
  if (fns === null) return null;
  const ops = [
    { x: a, from: aOff, n },
    { x: b, from: bOff, n: cols === 0 ? n : cols },
  ];
  const ys = inMemory(ops, n, 1, ([aAt, bAt], [yAt]) => {
    if (cols === 0) fns[op](aAt, bAt, yAt, padded(n));
    else fns[op === 'add' ? 'addRow' : 'mulRow'](aAt, bAt, yAt, n / cols, cols);
  });
  return ys && ys[0];
}
