/**
 * Storage of the CPU backend: every tensor is an `ndarray` strided view over a typed array.
 * Movement kernels (Transpose, Slice, Reshape, BroadcastTo, Reverse) only make new views over the
 * same buffer; tensors are immutable, so sharing a buffer between views is safe.
 *
 * float32 arrays of HEAP_MIN_FLOATS or more are views into the WebAssembly module's memory
 * (wasm/heap.ts) where that memory is shared, so the wasm kernels work on them in place; they are
 * ordinary Float32Arrays to every TypeScript kernel. Each CpuData over such an array counts as one
 * user of its heap block, and the last one to let go frees it (views share the array, so a reshape
 * or slice keeps the block alive as long as it lives). Elsewhere, and with
 * `storagePaths.forceJsArrays`, arrays are plain JS typed arrays.
 */
import ndarray from 'ndarray';
import ops from 'ndarray-ops';
import { sizeOf, stridesOf, type DType, type TensorInfo, type TypedArray } from '@tapeflow/core';
import { wasmHeap } from './wasm/runtime.js';
import { HEAP_MIN_FLOATS, storagePaths } from './storage_paths.js';

export { HEAP_MIN_FLOATS, storagePaths };

export type View = ndarray.NdArray<TypedArray>;

/**
 * The typed arrays behind live DataIds, each counted once however many views share it (only
 * while CpuBackend.countArrays is on): what is really allocated, where the engine's numBytes
 * counts every view (reshape, slice) as a copy.
 */
export class ArrayMeter {
  live = 0;
  peak = 0;
  private readonly users = new Map<TypedArray, number>();

  add(a: TypedArray): void {
    const n = this.users.get(a) ?? 0;
    this.users.set(a, n + 1);
    if (n === 0 && (this.live += a.byteLength) > this.peak) this.peak = this.live;
  }

  remove(a: TypedArray): void {
    const n = this.users.get(a);
    if (n === undefined) return; // made before counting started
    if (n > 1) {
      this.users.set(a, n - 1);
      return;
    }
    this.users.delete(a);
    this.live -= a.byteLength;
  }
}

let meter: ArrayMeter | null = null;
export const setArrayMeter = (m: ArrayMeter | null): void => {
  meter = m;
};

/** The DataId handed to the engine: a box around the view (replaced by a compact copy on demand). */
export class CpuData {
  constructor(
    private view: View | null,
    readonly dtype: DType,
  ) {
    if (view) {
      meter?.add(view.data);
      retain(view.data);
    }
  }

  get nd(): View | null {
    return this.view;
  }
  /** Replaces the view (a compact copy), or drops it (null: disposed). */
  set nd(v: View | null) {
    if (meter) {
      if (this.view) meter.remove(this.view.data);
      if (v) meter.add(v.data);
    }
    if (v) retain(v.data);
    if (this.view) release(this.view.data);
    this.view = v;
  }
}

const CTORS = { float32: Float32Array, float64: Float64Array, int32: Int32Array, bool: Uint8Array } as const;

function heapArray(size: number, zero: boolean): Float32Array | null {
  if (size < HEAP_MIN_FLOATS || storagePaths.forceJsArrays) return null;
  return wasmHeap()?.allocView(size, zero) ?? null; // null past the memory's maximum: a JS array then
}

// (the length test first: reading .buffer of a small JS typed array would make V8 allocate one)
const mayBeInHeap = (a: TypedArray): a is Float32Array => a instanceof Float32Array && a.length >= HEAP_MIN_FLOATS;
const retain = (a: TypedArray): void => {
  if (mayBeInHeap(a)) wasmHeap()?.retain(a);
};
const release = (a: TypedArray): void => {
  if (mayBeInHeap(a)) wasmHeap()?.release(a);
};

/** A zero-filled typed array for `dtype` (bool is stored as 0/1 bytes). */
export function makeArray(dtype: DType, size: number): TypedArray {
  return (dtype === 'float32' ? heapArray(size, true) : null) ?? new CTORS[dtype](size);
}

/** Like makeArray but not zero-filled where it is a reused heap block: for kernels that write every element. */
export function makeOutput(dtype: DType, size: number): TypedArray {
  return (dtype === 'float32' ? heapArray(size, false) : null) ?? new CTORS[dtype](size);
}

/** A heap copy of `values`, or null where it would not be in the heap (too small, no shared memory). */
export function heapCopy(values: TypedArray): Float32Array | null {
  const a = values instanceof Float32Array ? heapArray(values.length, false) : null;
  a?.set(values);
  return a;
}

/** The byte address of `a[offset]` in the module memory, or -1 where `a` is not a heap array. */
export function heapAddress(a: TypedArray, offset: number): number {
  if (!mayBeInHeap(a)) return -1;
  const at = wasmHeap()?.addressOf(a) ?? -1;
  return at < 0 ? -1 : at + offset * 4;
}

/** A view over `data` (offset 0, row-major unless strides are given). */
export function wrap(data: TypedArray, shape: readonly number[], stride = stridesOf(shape), offset = 0): View {
  return ndarray(data, [...shape], stride, offset);
}

/** Whether the view's elements sit row-major and back to back from its offset. */
export function isContiguous(v: View): boolean {
  let acc = 1;
  for (let i = v.shape.length - 1; i >= 0; i--) {
    const d = v.shape[i];
    if (d === 0) return true;
    if (d !== 1 && v.stride[i] !== acc) return false;
    acc *= d;
  }
  return true;
}

/** A fresh row-major typed array holding the view's values (in the heap where makeArray puts it). */
export function compactArray(v: View, dtype: DType): TypedArray {
  const n = sizeOf(v.shape);
  const out = makeOutput(dtype, n);
  if (isContiguous(v)) out.set(v.data.subarray(v.offset, v.offset + n));
  else assign(wrap(out, v.shape), v);
  return out;
}

/**
 * A fresh row-major JS typed array holding the view's values, for the user (dataSync): never a
 * heap view, which a later tensor could reuse (and set(), where slice() of a view of a shared
 * memory measured ~5x slower).
 */
export function copyOut(v: View, dtype: DType): TypedArray {
  const n = sizeOf(v.shape);
  const out = new CTORS[dtype](n);
  if (isContiguous(v)) out.set(v.data.subarray(v.offset, v.offset + n));
  else assign(wrap(out, v.shape), v);
  return out;
}

/** dst[...] = src[...] for two views of one shape, any strides (zero and negative included). */
export function assign(dst: View, src: View): void {
  // ndarray-ops compiles (and caches) a strided copy loop per rank and layout; it has no rank 0.
  if (dst.shape.length === 0) dst.data[dst.offset] = src.data[src.offset];
  else if (dst.size > 0) ops.assign(dst, src);
}

function live(info: TensorInfo): CpuData {
  const d = info.dataId as CpuData;
  if (!(d instanceof CpuData))
    throw new TypeError(`cpu backend: tensor ${JSON.stringify(info.shape)} is not stored on the cpu backend`);
  if (d.nd === null) throw new Error(`cpu backend: tensor ${JSON.stringify(info.shape)} ${info.dtype} was disposed`);
  return d;
}

/**
 * The view of a kernel input, in the shape the tensor has. Usually the stored view; the engine
 * may share storage under another shape of the same size, which needs a row-major layout (a
 * strided view is compacted once, in place, so later reads are free).
 */
export function viewOf(info: TensorInfo): View {
  const d = live(info);
  const nd = d.nd!;
  const shape = info.shape;
  if (nd.shape.length === shape.length && nd.shape.every((s, i) => s === shape[i])) return nd;
  if (!isContiguous(nd)) d.nd = wrap(compactArray(nd, d.dtype), nd.shape);
  return wrap(d.nd!.data, shape, stridesOf(shape), d.nd!.offset);
}

/** The input's values as a row-major array plus the offset where they start (no copy if contiguous). */
export function contiguousOf(info: TensorInfo): { data: TypedArray; offset: number } {
  const d = live(info);
  let v = viewOf(info);
  if (!isContiguous(v)) {
    d.nd = wrap(compactArray(v, d.dtype), v.shape);
    v = d.nd;
  }
  return { data: v.data, offset: v.offset };
}

/** A new DataId over `data` with the given shape. */
export function store(data: TypedArray, shape: readonly number[], dtype: DType): CpuData {
  return new CpuData(wrap(data, shape), dtype);
}

export function storeView(v: View, dtype: DType): CpuData {
  return new CpuData(v, dtype);
}
