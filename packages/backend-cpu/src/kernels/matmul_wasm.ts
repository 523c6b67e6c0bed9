/**
 * The float32 BatchMatMul path through the WebAssembly SIMD kernel (src/wasm/matmul.wat).
 *
 * Packing happens here, in one pass from the input view into the module's memory: A into
 * 4-row panels, B into 8-column panels, zero-padded to whole tiles. The strides of the view
 * (transposeA/transposeB, sliced or transposed views, a batch broadcast with stride 0) are
 * absorbed by the packing loops, so no operand is ever materialized first. The kernel then
 * writes a padded C, whose valid part is copied into the output.
 *
 * The work is described as gemm tasks (a rectangle of tiles of one product of the batch); an
 * executor runs them, on this thread or shared with a worker pool (src/threads/).
 */
import type { Mat } from './matmul.js';
import { MAX_PAGES, PAGE_BYTES, matmulRuntime, type MatmulRuntime } from '../wasm/runtime.js';

const MR = 4; // rows of a tile (and of an A panel), fixed by matmul.wat
const NR = 8; // columns of a tile (and of a B panel), fixed by matmul.wat
/**
 * Cache blocking: k steps per block, A panels (of 4 rows) per block, B panels (of 8 columns) per
 * block. A 512 x 8 sliver of B is 16 KB (L1), a 64 x 512 block of A 128 KB (L2). Measured by CPU
 * time on the 2-core AMD EPYC of the bench: 512/16/64 beat 128/32/128, 256/32/128, 384/16/64.
 */
const KC = 512, MC_PANELS = 16, NC_PANELS = 64;
/** Int32 arguments of one task: the arguments of matmul.wat's gemm. */
export const TASK_INTS = 12;

/** Runs `count` tasks of `tasks` (TASK_INTS each); `threads` says how finely to split the work. */
export interface GemmExecutor {
  readonly threads: number;
  run(rt: MatmulRuntime, tasks: Int32Array, count: number): void;
}

const inline: GemmExecutor = {
  threads: 1,
  run(rt, tasks, count) {
    for (let t = 0; t < count; t++) {
      const o = t * TASK_INTS;
      rt.gemm(tasks[o], tasks[o + 1], tasks[o + 2], tasks[o + 3], tasks[o + 4], tasks[o + 5],
        tasks[o + 6], tasks[o + 7], tasks[o + 8], tasks[o + 9], tasks[o + 10], tasks[o + 11]);
    }
  },
};
let executor: GemmExecutor = inline;

/** Installs the thread pool's executor (null: back to this thread only). */
export function setGemmExecutor(e: GemmExecutor | null): void {
  executor = e ?? inline;
}
export function gemmThreads(): number {
  return executor.threads;
}

/** Packs A (m x k) into 4-row panels at float index `dst`: panel i, step p, row r at (i*k + p)*4 + r. */
function packA(f: Float32Array, dst: number, a: Mat, m: number, k: number): void {
  const { data, rs, cs } = a;
  for (let i0 = 0; i0 < m; i0 += MR) {
    const base = dst + i0 * k;
    if (cs <= rs) {
      // Rows are contiguous (or closer together than columns): read each row in order.
      for (let r = 0; r < MR; r++) {
        let o = base + r;
        if (i0 + r >= m) { for (let p = 0; p < k; p++, o += MR) f[o] = 0; continue; }
        for (let p = 0, s = a.offset + (i0 + r) * rs; p < k; p++, o += MR, s += cs) f[o] = data[s];
      }
    } else {
      // A is transposed: the 4 rows of a step sit next to each other.
      const rows = Math.min(MR, m - i0);
      for (let p = 0, o = base; p < k; p++, o += MR) {
        const s = a.offset + i0 * rs + p * cs;
        let r = 0;
        for (; r < rows; r++) f[o + r] = data[s + r * rs];
        for (; r < MR; r++) f[o + r] = 0;
      }
    }
  }
}

/** Packs B (k x n) into 8-column panels at float index `dst`: panel j, step p, column s at (j*k + p)*8 + s. */
function packB(f: Float32Array, dst: number, b: Mat, k: number, n: number): void {
  const { data, rs, cs } = b;
  for (let j0 = 0; j0 < n; j0 += NR) {
    const base = dst + j0 * k;
    const cols = Math.min(NR, n - j0);
    if (cs <= rs) {
      for (let p = 0, o = base; p < k; p++, o += NR) {
        const s = b.offset + p * rs + j0 * cs;
        let c = 0;
        for (; c < cols; c++) f[o + c] = data[s + c * cs];
        for (; c < NR; c++) f[o + c] = 0;
      }
    } else {
      // B is transposed: each column is contiguous.
      for (let c = 0; c < NR; c++) {
        let o = base + c;
        if (c >= cols) { for (let p = 0; p < k; p++, o += NR) f[o] = 0; continue; }
        for (let p = 0, s = b.offset + (j0 + c) * cs; p < k; p++, o += NR, s += rs) f[o] = data[s];
      }
    }
  }
}

let taskBuf = new Int32Array(64 * TASK_INTS);

/** How many tasks to cut one product into: enough for the pool to balance, each worth waking a thread. */
function chunksFor(flops: number, panels: number, products: number, threads: number): number {
  if (threads <= 1) return 1;
  const wanted = Math.ceil((4 * threads) / products); // a few per thread, so a busy core can fall behind
  const affordable = Math.floor(flops / 4e6); // at least ~4 MFLOP (~0.2 ms) per task
  return Math.max(1, Math.min(panels, wanted, affordable));
}

/**
 * y[t] = A[t] B[t] for t < nb, with A[t] at a.offset + t*aBatch (likewise B), m x k times k x n,
 * into the float32 `y`. Returns false (having done nothing) where the wasm kernel is unavailable
 * or the product does not fit its memory; the caller then runs the TypeScript kernel.
 */
export function batchGemmWasm(a: Mat, b: Mat, aBatch: number, bBatch: number, nb: number, y: Float32Array, m: number, n: number, k: number): boolean {
  const rt = matmulRuntime();
  if (rt === null) return false;
  if (nb === 0 || m === 0 || n === 0) return true;
  if (k === 0) { y.fill(0, 0, nb * m * n); return true; } // the kernel's loop over k runs at least once
  const mp = Math.ceil(m / MR), np = Math.ceil(n / NR);
  const aSize = mp * MR * k, bSize = np * NR * k, ldc = np * NR, cSize = mp * MR * ldc;
  const bShared = bBatch === 0;
  const perProduct = aSize + (bShared ? 0 : bSize) + cSize;
  const maxFloats = (MAX_PAGES * PAGE_BYTES) / 4 - 16;
  const group = Math.min(nb, Math.floor((maxFloats - (bShared ? bSize : 0)) / perProduct));
  if (group < 1) return false;
  const needed = (bShared ? bSize : 0) + group * perProduct;
  const pages = Math.ceil((needed * 4) / PAGE_BYTES);
  const have = rt.memory.buffer.byteLength / PAGE_BYTES;
  if (pages > have) rt.memory.grow(pages - have);
  const f = new Float32Array(rt.memory.buffer);

  const threads = executor.threads;
  const byRows = m >= n; // cut the longer side into tasks
  const chunks = chunksFor(2 * m * n * k, byRows ? mp : np, nb, threads);
  if (taskBuf.length < group * chunks * TASK_INTS) taskBuf = new Int32Array(group * chunks * TASK_INTS);

  let bAt = 0;
  if (bShared) packB(f, 0, b, k, n);
  for (let t0 = 0; t0 < nb; t0 += group) {
    const g = Math.min(group, nb - t0);
    let at = bShared ? bSize : 0, count = 0;
    for (let t = 0; t < g; t++) {
      const aAt = at; at += aSize;
      packA(f, aAt, { ...a, offset: a.offset + (t0 + t) * aBatch }, m, k);
      if (!bShared) { bAt = at; at += bSize; packB(f, bAt, { ...b, offset: b.offset + (t0 + t) * bBatch }, k, n); }
      const cAt = at; at += cSize;
      for (let c = 0; c < chunks; c++) {
        const total = byRows ? mp : np;
        const lo = Math.floor((c * total) / chunks), hi = Math.floor(((c + 1) * total) / chunks);
        taskBuf.set([aAt * 4, bAt * 4, cAt * 4, k, ldc, byRows ? lo : 0, byRows ? hi : mp, byRows ? 0 : lo, byRows ? np : hi, KC, MC_PANELS, NC_PANELS], count++ * TASK_INTS);
      }
    }
    executor.run(rt, taskBuf, count);
    // Copy the valid m x n corner of each padded C out (the memory may have grown: view it anew).
    const mem = new Float32Array(rt.memory.buffer);
    for (let t = 0; t < g; t++) {
      const cAt = taskBuf[(t * chunks) * TASK_INTS + 2] / 4, yo = (t0 + t) * m * n;
      if (ldc === n) y.set(mem.subarray(cAt, cAt + m * n), yo);
      else for (let i = 0; i < m; i++) y.set(mem.subarray(cAt + i * ldc, cAt + i * ldc + n), yo + i * n);
    }
  }
  return true;
}
