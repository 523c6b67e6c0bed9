/**
 * The WebAssembly matmul module, compiled and instantiated synchronously on first use (it is
 * about 1 KB, well below the 4 KB that browsers allow to compile synchronously on the main
 * thread). Its memory is shared when SharedArrayBuffer is available, so that the thread pool's
 * workers can instantiate the same module over the same memory; otherwise it is a plain memory
 * and the kernel runs on the calling thread only.
 */
import {
  MATMUL_FMA_WASM_SHARED,
  MATMUL_FMA_WASM_UNSHARED,
  MATMUL_WASM_SHARED,
  MATMUL_WASM_UNSHARED,
} from './matmul_wasm.js';
import { ELEMENTWISE_WASM_SHARED, ELEMENTWISE_WASM_UNSHARED } from './elementwise_wasm.js';
import { WasmHeap } from './heap.js';

/** gemm(a, b, c, k, ldc, i0, i1, j0, j1, kcBlock, mcPanels, ncPanels, n): see matmul.wat. */
export type GemmFn = (...args: number[]) => void;
/** pack(src, ls, ds, lines, depth, w, dst, byLine): see matmul.wat. */
export type PackFn = (
  src: number,
  ls: number,
  ds: number,
  lines: number,
  depth: number,
  w: number,
  dst: number,
  byLine: number,
) => void;

export interface MatmulRuntime {
  /** The module the thread pool's workers instantiate too (the FMA flavour where it validates). */
  readonly module: WebAssembly.Module;
  readonly memory: WebAssembly.Memory;
  readonly shared: boolean;
  /** Whether `gemm` is the FMA flavour (relaxed SIMD's f32x4.relaxed_madd). */
  readonly fma: boolean;
  readonly gemm: GemmFn;
  /** The plain-SIMD gemm over the same memory (the same function as `gemm` where fma is false). */
  readonly gemmPlain: GemmFn;
  readonly pack: PackFn;
}

export const PAGE_BYTES = 65536;
/** The memory's maximum in pages (1 GiB), as declared in matmul.wat. */
export const MAX_PAGES = 16384;

function decode(b64: string): Uint8Array<ArrayBuffer> {
  const s = atob(b64);
  const bytes = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) bytes[i] = s.charCodeAt(i);
  return bytes;
}

/** Instantiates `module` over `memory` (both variants import env.memory and export gemm and pack). */
export function instantiate(module: WebAssembly.Module, memory: WebAssembly.Memory): { gemm: GemmFn; pack: PackFn } {
  const { exports } = new WebAssembly.Instance(module, { env: { memory } });
  return { gemm: exports.gemm as GemmFn, pack: exports.pack as PackFn };
}

function load(): MatmulRuntime | null {
  if (typeof WebAssembly !== 'object') return null;
  for (const shared of [true, false]) {
    try {
      const bytes = decode(shared ? MATMUL_WASM_SHARED : MATMUL_WASM_UNSHARED);
      // validate() is false where WebAssembly SIMD (or, for the shared variant, threads) is missing,
      // and for the FMA flavour where relaxed SIMD is (Node 20 without --experimental-wasm-relaxed-simd).
      if (!WebAssembly.validate(bytes)) continue;
      const fmaBytes = decode(shared ? MATMUL_FMA_WASM_SHARED : MATMUL_FMA_WASM_UNSHARED);
      const fma = WebAssembly.validate(fmaBytes);
      const memory = new WebAssembly.Memory({ initial: 1, maximum: MAX_PAGES, shared });
      const plain = new WebAssembly.Module(bytes);
      const module = fma ? new WebAssembly.Module(fmaBytes) : plain;
      const { gemm, pack } = instantiate(module, memory);
      return { module, memory, shared, fma, gemm, pack, gemmPlain: fma ? instantiate(plain, memory).gemm : gemm };
    } catch {
      // shared memory refused (no cross-origin isolation in a browser): try the unshared variant
    }
  }
  return null;
}

let runtime: MatmulRuntime | null | undefined;
let heap: WasmHeap | null | undefined;

/** The heap over the runtime's memory (tensors' blocks where it is shared, and scratch), or null without the runtime. */
export function wasmHeap(): WasmHeap | null {
  if (heap === undefined) {
    const rt = matmulRuntime();
    heap = rt === null ? null : new WasmHeap(rt.memory, rt.shared, MAX_PAGES);
  }
  return heap;
}

/** A kernel's working region of the module's memory: floats mem[base .. base + floats). */
export interface Scratch {
  /** A view of the whole memory (made after any growth, so valid until the memory next grows). */
  readonly mem: Float32Array;
  /** Where the region starts, in floats. */
  readonly base: number;
}

/** The heap block scratch() hands out: kept from call to call, replaced by a larger one when a call needs more. */
let scratchBlock: { at: number; floats: number } | null = null;

/**
 * The one way a kernel gets room in the module's memory: a region of at least `floats` floats,
 * valid until the next call (kernels run one at a time and do not keep it), or null where the
 * runtime is unavailable or the memory cannot grow that far (the caller runs its TS kernel).
 * The region is a block of the heap, so it never overlaps a tensor's block; it is kept for the
 * next call (so a loop of kernels does not allocate) and, once larger than any tensor's, it stays
 * at the largest size asked for (a heap block like any other: the memory never shrinks anyway).
 */
export function scratch(floats: number): Scratch | null {
  const h = wasmHeap();
  if (h === null) return null;
  if (scratchBlock === null || scratchBlock.floats < floats) {
    if (scratchBlock !== null) h.freeRaw(scratchBlock.at);
    scratchBlock = null;
    const at = h.allocRaw(floats);
    if (at === null) return null;
    scratchBlock = { at, floats };
  }
  return { mem: h.floats(), base: scratchBlock.at };
}

/** The matmul runtime, or null where WebAssembly SIMD is unavailable (the TS kernel runs then). */
export function matmulRuntime(): MatmulRuntime | null {
  if (runtime === undefined) runtime = load();
  return runtime;
}

/** The exports of elementwise.wat (pointers in bytes, lengths in floats padded to a multiple of 4). */
export interface ElementwiseFns {
  add(a: number, b: number, y: number, n: number): void;
  mul(a: number, b: number, y: number, n: number): void;
  addRow(a: number, row: number, y: number, rows: number, cols: number): void;
  mulRow(a: number, row: number, y: number, rows: number, cols: number): void;
  exp(x: number, y: number, n: number): void;
  sigmoid(x: number, y: number, n: number): void;
  tanh(x: number, y: number, n: number): void;
  adam(
    p: number,
    m: number,
    v: number,
    g: number,
    pOut: number,
    mOut: number,
    vOut: number,
    n: number,
    b1: number,
    c1: number,
    b2: number,
    c2: number,
    lr: number,
    eps: number,
  ): void;
}

let elementwise: ElementwiseFns | null | undefined;

/**
 * The elementwise kernels, instantiated over the matmul runtime's memory (kernels run one at a
 * time, so both use it as scratch), or null where the matmul runtime is unavailable.
 */
export function elementwiseRuntime(): ElementwiseFns | null {
  if (elementwise === undefined) {
    const rt = matmulRuntime();
    elementwise =
      rt === null
        ? null
        : (new WebAssembly.Instance(
            new WebAssembly.Module(decode(rt.shared ? ELEMENTWISE_WASM_SHARED : ELEMENTWISE_WASM_UNSHARED)),
            { env: { memory: rt.memory } },
          ).exports as unknown as ElementwiseFns);
  }
  return elementwise;
}
