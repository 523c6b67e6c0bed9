/**
 * The float32 BatchMatMul path through the WebAssembly SIMD kernel (src/wasm/matmul.wat).
 *
 * Each operand is packed into the module's memory: A into MR-row panels, B into NR-column panels,
 * zero-padded to whole tiles, by the module's $pack. An operand that is a heap array (storage.ts)
 * is packed from where it lies; the elements any other view spans are first copied in one bulk
 * copy. $pack reads through the view's strides (transposeA/transposeB, sliced,
 * transposed or reversed views, a batch broadcast with stride 0), so no operand is materialized
 * in its logical layout first; sparse views are packed element by element here. The kernel then
 * writes C: straight into the output where that is a heap array and C needs no padding (m a
 * multiple of MR, n of NR), else a padded C whose valid part is copied into the output.
 *
 * The work is described as gemm tasks (a rectangle of tiles of one product of the batch); an
 * executor runs them, on this thread or shared with a worker pool (src/threads/).
 */
import type { TypedArray } from '@tapeflow/core';
import type { Mat } from './matmul.js';
import { MAX_PAGES, PAGE_BYTES, matmulRuntime, scratch, type MatmulRuntime } from '../wasm/runtime.js';
import { heapAddress } from '../storage.js';

/** Rows of a tile (and of an A panel), fixed by matmul.wat's $tile (both flavours). */
export const MR = 2;
/** Columns of a tile (and of a B panel), fixed by matmul.wat's $tile (both flavours). */
export const NR = 16;
/**
 * Cache blocking: k steps per block, A panels (of MR rows) per block, B panels (of NR columns)
 * per block. A 512 x 16 sliver of B is 32 KB (L1 is 48 KB on the bench's Zen 5), a 64 x 512
 * block of A 128 KB (L2), a 512 x 512 block of B 1 MB. Measured by CPU time on the 2-core AMD
 * EPYC of the bench for the 2 x 16 tile (kernel alone): at 512, 512/32/32 beat 256/64/32 and
 * 256/32/64; at 1024 nine blockings from 256 to 1024 steps deep were within noise (~50-52 GFLOP/s).
 */
export const KC = 512,
  MC_PANELS = 32,
  NC_PANELS = 32;
/** Int32 arguments of one task: the arguments of matmul.wat's gemm. */
export const TASK_INTS = 13;

/** Runs `count` tasks of `tasks` (TASK_INTS each); `threads` says how finely to split the work. */
export interface GemmExecutor {
  readonly threads: number;
  run(rt: MatmulRuntime, tasks: Int32Array, count: number): void;
}

/** `plainSimd`: run the plain-SIMD gemm on this thread even where the FMA one loaded (tests and the bench compare them). */
export const gemmFlavour = { plainSimd: false };

const inline: GemmExecutor = {
  threads: 1,
  run(rt, tasks, count) {
    const gemm = gemmFlavour.plainSimd ? rt.gemmPlain : rt.gemm;
    for (let t = 0; t < count; t++) {
      const o = t * TASK_INTS;
      gemm(
        tasks[o],
        tasks[o + 1],
        tasks[o + 2],
        tasks[o + 3],
        tasks[o + 4],
        tasks[o + 5],
        tasks[o + 6],
        tasks[o + 7],
        tasks[o + 8],
        tasks[o + 9],
        tasks[o + 10],
        tasks[o + 11],
        tasks[o + 12],
      );
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

/**
 * Packs `lines` lines of `depth` steps into panels of `w` lines, the layout of matmul.wat's
 * $pack: dst[((l0 / w) * depth + p) * w + q] = element (l0 + q, p), which sits at
 * x.offset + (l0 + q) * ls + p * ds; zero past the last line. A packs its rows (w = MR), B its
 * columns (w = NR). Used where an operand cannot be bulk-copied into the module's memory.
 */
function packHere(
  f: Float32Array,
  dst: number,
  x: Mat,
  ls: number,
  ds: number,
  lines: number,
  depth: number,
  w: number,
): void {
  const { data, offset } = x;
  for (let l0 = 0; l0 < lines; l0 += w) {
    const base = dst + l0 * depth,
      n = Math.min(w, lines - l0);
    for (let q = 0; q < w; q++) {
      let o = base + q;
      if (q >= n) {
        for (let p = 0; p < depth; p++, o += w) f[o] = 0;
        continue;
      }
      for (let p = 0, s = offset + (l0 + q) * ls; p < depth; p++, o += w, s += ds) f[o] = data[s];
    }
  }
}

/** How many elements of its buffer a lines x depth view spans (strides may be negative or 0), and where it starts. */
function spanOf(x: Mat, ls: number, ds: number, lines: number, depth: number): { lo: number; len: number } {
  const lo = x.offset + Math.min(0, ls * (lines - 1)) + Math.min(0, ds * (depth - 1));
  const hi = x.offset + Math.max(0, ls * (lines - 1)) + Math.max(0, ds * (depth - 1));
  return { lo, len: hi - lo + 1 };
}

/**
 * One operand to pack. The module's $pack (~5x faster than element by element in JS) reads it
 * through its strides: in place where it is a heap array (storage.ts; `inHeap`), else from a copy
 * of the elements it spans in the staging area (`stage` > 0: float32 and dense in its buffer, at
 * most twice the view's size). Others are packed here.
 */
export interface Operand {
  x: Mat;
  ls: number;
  ds: number;
  lines: number;
  w: number;
  inHeap: boolean;
  stage: number;
}

/** The operand `x` as `lines` lines (rows of A: w = MR; columns of B: w = NR) of `depth` steps, strides ls and ds. */
export function operand(x: Mat, ls: number, ds: number, lines: number, depth: number, w: number): Operand {
  const inHeap = heapAddress(x.data, 0) >= 0;
  const { len } = spanOf(x, ls, ds, lines, depth);
  const dense = !inHeap && x.data instanceof Float32Array && len <= 2 * lines * depth + 64;
  return { x, ls, ds, lines, w, inHeap, stage: dense ? len : 0 };
}

/**
 * Packs `op` (its view moved to `offset`) into panels at float `dst` of the module's memory `f`,
 * staging its elements at float `stageAt` (room for op.stage floats) where it is dense.
 */
export function pack(
  rt: MatmulRuntime,
  f: Float32Array,
  op: Operand,
  offset: number,
  depth: number,
  dst: number,
  stageAt: number,
): void {
  const x = { ...op.x, offset };
  // One line at a time where a line's steps are closer together than the lines (a row of row-major A).
  const byLine = Math.abs(op.ds) <= Math.abs(op.ls) ? 1 : 0;
  const packFrom = (at: number): void => rt.pack(at, op.ls * 4, op.ds * 4, op.lines, depth, op.w, dst * 4, byLine);
  if (op.inHeap) return packFrom(heapAddress(x.data, offset));
  if (op.stage === 0) return packHere(f, dst, x, op.ls, op.ds, op.lines, depth, op.w);
  const { lo, len } = spanOf(x, op.ls, op.ds, op.lines, depth);
  f.set((x.data as Float32Array).subarray(lo, lo + len), stageAt);
  packFrom((stageAt + offset - lo) * 4);
}

let taskBuf = new Int32Array(64 * TASK_INTS);

/** Floats of `lines` lines of `depth` steps packed into panels of `w` lines (zero-padded). */
export const packedFloats = (lines: number, depth: number, w: number): number => Math.ceil(lines / w) * w * depth;

/**
 * Packs the lines x depth view of `data` (element (l, p) at offset + l ls + p ds) into panels
 * of `w` lines at float `dst` of the module's memory `f`, for kernels that run the gemm on
 * memory they manage themselves (lstm_sequence.ts). A dense view is first copied in bulk to
 * float `stageAt`, which needs room for its span (lines x depth floats).
 */
export function packInto(
  rt: MatmulRuntime,
  f: Float32Array,
  data: TypedArray,
  offset: number,
  ls: number,
  ds: number,
  lines: number,
  depth: number,
  w: number,
  dst: number,
  stageAt: number,
): void {
  const x: Mat = { data, offset, rs: ls, cs: ds };
  pack(rt, f, operand(x, ls, ds, lines, depth, w), offset, depth, dst, stageAt);
}

/**
 * C = A B on the module's memory: A packed (panels of MR rows, m x k) at float aAt, B packed
 * (panels of NR columns, k x n) at bAt, C written row-major at cAt with ldc = packedFloats(n, 1, NR)
 * (whole tiles: rows up to a multiple of MR). On the installed executor (the thread pool) when
 * the product is large enough to be worth splitting. k >= 1.
 */
export function gemmAt(
  rt: MatmulRuntime,
  aAt: number,
  bAt: number,
  cAt: number,
  m: number,
  n: number,
  k: number,
): void {
  const mp = Math.ceil(m / MR),
    np = Math.ceil(n / NR);
  const byRows = m >= n;
  const chunks = chunksFor(2 * m * n * k, byRows ? mp : np, 1, executor.threads);
  if (taskBuf.length < chunks * TASK_INTS) taskBuf = new Int32Array(chunks * TASK_INTS);
  for (let c = 0; c < chunks; c++) {
    const total = byRows ? mp : np;
    const lo = Math.floor((c * total) / chunks),
      hi = Math.floor(((c + 1) * total) / chunks);
    const o = c * TASK_INTS;
    taskBuf[o] = aAt * 4;
    taskBuf[o + 1] = bAt * 4;
    taskBuf[o + 2] = cAt * 4;
    taskBuf[o + 3] = k;
    taskBuf[o + 4] = np * NR;
    taskBuf[o + 5] = byRows ? lo : 0;
    taskBuf[o + 6] = byRows ? hi : mp;
    taskBuf[o + 7] = byRows ? 0 : lo;
    taskBuf[o + 8] = byRows ? np : hi;
    taskBuf[o + 9] = KC;
    taskBuf[o + 10] = MC_PANELS;
    taskBuf[o + 11] = NC_PANELS;
    taskBuf[o + 12] = n; // the narrow edge tile reads the real column count
  }
  (gemmFlavour.plainSimd ? inline : executor).run(rt, taskBuf, chunks);
}

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
export function batchGemmWasm(
  a: Mat,
  b: Mat,
  aBatch: number,
  bBatch: number,
  nb: number,
  y: Float32Array,
  m: number,
  n: number,
  k: number,
): boolean {
  const rt = matmulRuntime();
  if (rt === null) return false;
  if (nb === 0 || m === 0 || n === 0) return true;
  if (k === 0) {
    y.fill(0, 0, nb * m * n);
    return true;
  } // the kernel's loop over k runs at least once
  const mp = Math.ceil(m / MR),
    np = Math.ceil(n / NR);
  const aSize = mp * MR * k,
    bSize = np * NR * k,
    ldc = np * NR,
    cSize = mp * MR * ldc;
  const opA = operand(a, a.rs, a.cs, m, k, MR),
    opB = operand(b, b.cs, b.rs, n, k, NR);
  const stage = Math.max(opA.stage, opB.stage);
  const bShared = bBatch === 0;
  // Where y is a heap array and C has no padding (whole tiles), the kernel writes y in place.
  const yAt = m % MR === 0 && n % NR === 0 ? heapAddress(y, 0) : -1;
  const perProduct = aSize + (bShared ? 0 : bSize) + (yAt >= 0 ? 0 : cSize);
  const maxFloats = (MAX_PAGES * PAGE_BYTES) / 4 - 16;
  const group = Math.min(nb, Math.floor((maxFloats - stage - (bShared ? bSize : 0)) / perProduct));
  if (group < 1) return false;
  // Memory: [B if shared] then per product [A, B if not shared, C], then the staging area.
  const region = scratch((bShared ? bSize : 0) + group * perProduct + stage);
  if (region === null) return false;
  const { mem: f, base } = region;
  const stageAt = base + (bShared ? bSize : 0) + group * perProduct;

  const threads = executor.threads;
  const byRows = m >= n; // cut the longer side into tasks
  const chunks = chunksFor(2 * m * n * k, byRows ? mp : np, nb, threads);
  if (taskBuf.length < group * chunks * TASK_INTS) taskBuf = new Int32Array(group * chunks * TASK_INTS);

  let bAt = base;
  if (bShared) pack(rt, f, opB, b.offset, k, base, stageAt);
  for (let t0 = 0; t0 < nb; t0 += group) {
    const g = Math.min(group, nb - t0);
    let at = base + (bShared ? bSize : 0),
      count = 0;
    for (let t = 0; t < g; t++) {
      const aAt = at;
      at += aSize;
      pack(rt, f, opA, a.offset + (t0 + t) * aBatch, k, aAt, stageAt);
      if (!bShared) {
        bAt = at;
        at += bSize;
        pack(rt, f, opB, b.offset + (t0 + t) * bBatch, k, bAt, stageAt);
      }
      let cAt = yAt / 4 + (t0 + t) * m * n;
      if (yAt < 0) {
        cAt = at;
        at += cSize;
      }
      for (let c = 0; c < chunks; c++) {
        const total = byRows ? mp : np;
        const lo = Math.floor((c * total) / chunks),
          hi = Math.floor(((c + 1) * total) / chunks);
        taskBuf.set(
          [
            aAt * 4,
            bAt * 4,
            cAt * 4,
            k,
            ldc,
            byRows ? lo : 0,
            byRows ? hi : mp,
            byRows ? 0 : lo,
            byRows ? np : hi,
            KC,
            MC_PANELS,
            NC_PANELS,
            n,
          ],
          count++ * TASK_INTS,
        );
      }
    }
    (gemmFlavour.plainSimd ? inline : executor).run(rt, taskBuf, count); // the pool runs the module it was given
    if (yAt >= 0) continue;
    // Copy the valid m x n corner of each padded C out (the memory may have grown: view it anew).
    const mem = new Float32Array(rt.memory.buffer);
    for (let t = 0; t < g; t++) {
      const cAt = taskBuf[t * chunks * TASK_INTS + 2] / 4,
        yo = (t0 + t) * m * n;
      if (ldc === n) y.set(mem.subarray(cAt, cAt + m * n), yo);
      else for (let i = 0; i < m; i++) y.set(mem.subarray(cAt + i * ldc, cAt + i * ldc + n), yo + i * n);
    }
  }
  return true;
}
