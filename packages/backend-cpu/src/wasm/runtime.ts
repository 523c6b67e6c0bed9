/**
 * The WebAssembly matmul module, compiled and instantiated synchronously on first use (it is
 * about 1 KB, well below the 4 KB that browsers allow to compile synchronously on the main
 * thread). Its memory is shared when SharedArrayBuffer is available, so that the thread pool's
 * workers can instantiate the same module over the same memory; otherwise it is a plain memory
 * and the kernel runs on the calling thread only.
 */
import { MATMUL_WASM_SHARED, MATMUL_WASM_UNSHARED } from './matmul_wasm.js';

/** gemm(a, b, c, k, ldc, i0, i1, j0, j1, kcBlock, mcPanels, ncPanels): see matmul.wat. */
export type GemmFn = (...args: number[]) => void;
/** pack(src, ls, ds, lines, depth, w, dst, byLine): see matmul.wat. */
export type PackFn = (src: number, ls: number, ds: number, lines: number, depth: number, w: number, dst: number, byLine: number) => void;

export interface MatmulRuntime {
  readonly module: WebAssembly.Module;
  readonly memory: WebAssembly.Memory;
  readonly shared: boolean;
  readonly gemm: GemmFn;
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
      // validate() is false where WebAssembly SIMD (or, for the shared variant, threads) is missing.
      if (!WebAssembly.validate(bytes)) continue;
      const memory = new WebAssembly.Memory({ initial: 1, maximum: MAX_PAGES, shared });
      const module = new WebAssembly.Module(bytes);
      return { module, memory, shared, ...instantiate(module, memory) };
    } catch {
      // shared memory refused (no cross-origin isolation in a browser): try the unshared variant
    }
  }
  return null;
}

let runtime: MatmulRuntime | null | undefined;

/** The matmul runtime, or null where WebAssembly SIMD is unavailable (the TS kernel runs then). */
export function matmulRuntime(): MatmulRuntime | null {
  if (runtime === undefined) runtime = load();
  return runtime;
}
