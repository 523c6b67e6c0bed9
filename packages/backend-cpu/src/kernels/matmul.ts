/**
 * BatchMatMul: a cache-blocked GEMM in the style of GotoBLAS, written for what V8 does well.
 *
 * - Packing. For each block, panels of A and B are copied into small Float64Arrays in exactly
 *   the order the micro-kernel reads them. This makes any input layout - transposeA/transposeB,
 *   transposed or sliced views - cost the same (the strides are absorbed while packing, nothing
 *   is materialized), converts float32 to float64 once instead of on every multiply, and keeps
 *   the hot data in L1/L2: a KC x NR sliver of B in L1, an MC x KC block of A in L2.
 * - Register blocking. The micro-kernel computes a 4x4 tile of C in 16 local variables, which
 *   V8 keeps in registers: 8 loads feed 16 multiply-adds per step of k. (On this machine 4x4
 *   beat 2x4, 2x8, 4x8 and 8x4; larger tiles spill.)
 * - Accumulation in float64, into a scratch strip of C; float32 results are rounded once, when
 *   the strip is copied out, so blocking over k does not add float32 rounding steps.
 * Small products (a row vector, a few columns) skip packing and run a plain i-k-j loop.
 *
 * float32 products of WASM_MIN_MACS multiply-adds or more run on the WebAssembly SIMD kernel
 * instead (matmul_wasm.ts; ~8x faster on the bench machine at 256-512: 4-wide float32 vectors
 * where V8 has scalar doubles); it accumulates in float32, so results differ from this kernel's
 * in the last bits. This kernel stays as the readable reference, runs float64 and int32, and
 * takes over wherever WebAssembly SIMD is missing.
 */
import type { KernelImpl, KernelTable, TypedArray } from '@tapeflow/core';
import { makeArray, store, viewOf } from '../storage.js';
import { batchGemmWasm } from './matmul_wasm.js';

const MR = 4; // rows of the register tile
const NR = 4; // columns of the register tile
const KC = 256; // depth of a packed block: a KC x NR sliver of B is 8 KB, well inside L1
const MC = 64; // rows of a packed A block: 64 x 256 doubles = 128 KB, inside L2
const NC = 1024; // columns of a packed B panel: KC x NC doubles = 2 MB, inside L3
/** float32 products of at least this many multiply-adds (per batch) run on the wasm kernel (matmul_wasm.ts). */
export const WASM_MIN_MACS = 4096;

/**
 * The float32 matmul's switch and counter (exported by the package): `forceTs` makes every
 * product take the TypeScript kernel instead of the wasm one (to compare the two, or to measure
 * either), `wasmCalls` counts the products the wasm kernel served.
 */
export const matmulPaths = { forceTs: false, wasmCalls: 0 };

/** One operand of a GEMM: element (r, c) is data[offset + r * rs + c * cs]. */
export interface Mat {
  data: TypedArray;
  offset: number;
  rs: number;
  cs: number;
}

// Packing buffers are reused across calls (kernels run synchronously, one at a time).
const packA = new Float64Array(MC * KC);
const packB = new Float64Array(KC * NC);

/** Copies rows [i0, i0+mc) x cols [p0, p0+kc) of A into MR-row micro-panels laid out [kc][MR]. */
function packAPanel(a: Mat, i0: number, mc: number, p0: number, kc: number): void {
  for (let ir = 0; ir < mc; ir += MR) {
    const panel = ir * kc;
    for (let q = 0; q < MR; q++) {
      let o = panel + q;
      if (ir + q >= mc) {
        for (let p = 0; p < kc; p++, o += MR) packA[o] = 0;
        continue;
      }
      let src = a.offset + (i0 + ir + q) * a.rs + p0 * a.cs;
      for (let p = 0; p < kc; p++, o += MR, src += a.cs) packA[o] = a.data[src];
    }
  }
}

/** Copies rows [p0, p0+kc) x cols [j0, j0+nc) of B into NR-column micro-panels laid out [kc][NR]. */
function packBPanel(b: Mat, p0: number, kc: number, j0: number, nc: number): void {
  for (let jr = 0; jr < nc; jr += NR) {
    const panel = jr * kc;
    for (let q = 0; q < NR; q++) {
      let o = panel + q;
      if (jr + q >= nc) {
        for (let p = 0; p < kc; p++, o += NR) packB[o] = 0;
        continue;
      }
      let src = b.offset + p0 * b.rs + (j0 + jr + q) * b.cs;
      for (let p = 0; p < kc; p++, o += NR, src += b.rs) packB[o] = b.data[src];
    }
  }
}

/** c[co + r*ldc + s] += sum over p < kc of A-panel(r, p) * B-panel(p, s), for the 4x4 tile. */
function micro4x4(ao: number, bo: number, kc: number, c: Float64Array, co: number, ldc: number): void {
  const ap = packA,
    bp = packB;
  let c00 = 0,
    c01 = 0,
    c02 = 0,
    c03 = 0,
    c10 = 0,
    c11 = 0,
    c12 = 0,
    c13 = 0;
  let c20 = 0,
    c21 = 0,
    c22 = 0,
    c23 = 0,
    c30 = 0,
    c31 = 0,
    c32 = 0,
    c33 = 0;
  for (let p = 0; p < kc; p++, ao += MR, bo += NR) {
    const a0 = ap[ao],
      a1 = ap[ao + 1],
      a2 = ap[ao + 2],
      a3 = ap[ao + 3];
    const b0 = bp[bo],
      b1 = bp[bo + 1],
      b2 = bp[bo + 2],
      b3 = bp[bo + 3];
    c00 += a0 * b0;
    c01 += a0 * b1;
    c02 += a0 * b2;
    c03 += a0 * b3;
    c10 += a1 * b0;
    c11 += a1 * b1;
    c12 += a1 * b2;
    c13 += a1 * b3;
    c20 += a2 * b0;
    c21 += a2 * b1;
    c22 += a2 * b2;
    c23 += a2 * b3;
    c30 += a3 * b0;
    c31 += a3 * b1;
    c32 += a3 * b2;
    c33 += a3 * b3;
  }
  c[co] += c00;
  c[co + 1] += c01;
  c[co + 2] += c02;
  c[co + 3] += c03;
  co += ldc;
  c[co] += c10;
  c[co + 1] += c11;
  c[co + 2] += c12;
  c[co + 3] += c13;
  co += ldc;
  c[co] += c20;
  c[co + 1] += c21;
  c[co + 2] += c22;
  c[co + 3] += c23;
  co += ldc;
  c[co] += c30;
  c[co + 1] += c31;
  c[co + 2] += c32;
  c[co + 3] += c33;
}

/** y[yo + i*n + j] = (A B)(i, j) for an m x k A and a k x n B, blocked and packed. */
function gemmBlocked(a: Mat, b: Mat, y: TypedArray, yo: number, m: number, n: number, k: number): void {
  const mPad = Math.ceil(m / MR) * MR;
  for (let j0 = 0; j0 < n; j0 += NC) {
    const nc = Math.min(NC, n - j0);
    const ldc = Math.ceil(nc / NR) * NR;
    // The m x nc strip of C that every k-block adds into (padded to whole tiles).
    const c = new Float64Array(mPad * ldc);
    for (let p0 = 0; p0 < k; p0 += KC) {
      const kc = Math.min(KC, k - p0);
      packBPanel(b, p0, kc, j0, nc);
      for (let i0 = 0; i0 < m; i0 += MC) {
        const mc = Math.min(MC, m - i0);
        packAPanel(a, i0, mc, p0, kc);
        for (let jr = 0; jr < nc; jr += NR) {
          for (let ir = 0; ir < mc; ir += MR) micro4x4(ir * kc, jr * kc, kc, c, (i0 + ir) * ldc + jr, ldc);
        }
      }
    }
    // Copy out the valid part; a Float32Array output rounds here, once.
    for (let i = 0; i < m; i++) {
      let o = yo + i * n + j0,
        s = i * ldc;
      for (const e = o + nc; o < e; o++, s++) y[o] = c[s];
    }
  }
}

/** Plain i-k-j product for shapes too small to repay packing (m or n below a tile, tiny k). */
function gemmSmall(a: Mat, b: Mat, y: TypedArray, yo: number, m: number, n: number, k: number): void {
  const row = new Float64Array(n);
  for (let i = 0; i < m; i++) {
    row.fill(0);
    for (let p = 0; p < k; p++) {
      const av = a.data[a.offset + i * a.rs + p * a.cs];
      let s = b.offset + p * b.rs;
      for (let j = 0; j < n; j++, s += b.cs) row[j] += av * b.data[s];
    }
    for (let j = 0, o = yo + i * n; j < n; j++, o++) y[o] = row[j];
  }
}

function gemm(a: Mat, b: Mat, y: TypedArray, yo: number, m: number, n: number, k: number): void {
  if (m < MR || n < NR || m * n * k < 4096) gemmSmall(a, b, y, yo, m, n, k);
  else gemmBlocked(a, b, y, yo, m, n, k);
}

const batchMatMul: KernelImpl<'BatchMatMul'> = ([a, b], { transposeA, transposeB }, out) => {
  const va = viewOf(a),
    vb = viewOf(b);
  const [nb, m, n] = out.shape;
  const k = transposeA ? a.shape[1] : a.shape[2];
  const y = makeArray(out.dtype, nb * m * n);
  // Element (i, p) of A is at rs*i + cs*p whatever the layout: transposing swaps the strides.
  const am: Mat = {
    data: va.data,
    offset: va.offset,
    rs: va.stride[transposeA ? 2 : 1],
    cs: va.stride[transposeA ? 1 : 2],
  };
  const bm: Mat = {
    data: vb.data,
    offset: vb.offset,
    rs: vb.stride[transposeB ? 2 : 1],
    cs: vb.stride[transposeB ? 1 : 2],
  };
  const aBatch = a.shape[0] === 1 ? 0 : va.stride[0];
  const bBatch = b.shape[0] === 1 ? 0 : vb.stride[0];
  if (nb === 0 || m === 0 || n === 0 || k === 0) return store(y, out.shape, out.dtype);
  // A shared B with A's batches stacked row after row (x[batch, t, d] @ w[d, u]) is one big GEMM.
  const stacked = nb > 1 && bBatch === 0 && aBatch === m * am.rs;
  if (y instanceof Float32Array && m * n * k >= WASM_MIN_MACS && !matmulPaths.forceTs) {
    const done = stacked
      ? batchGemmWasm(am, bm, 0, 0, 1, y, nb * m, n, k)
      : batchGemmWasm(am, bm, aBatch, bBatch, nb, y, m, n, k);
    if (done) {
      matmulPaths.wasmCalls++;
      return store(y, out.shape, out.dtype);
    }
  }
  if (stacked) {
    gemm(am, bm, y, 0, nb * m, n, k);
    return store(y, out.shape, out.dtype);
  }
  for (let t = 0; t < nb; t++) {
    gemm({ ...am, offset: va.offset + t * aBatch }, { ...bm, offset: vb.offset + t * bBatch }, y, t * m * n, m, n, k);
  }
  return store(y, out.shape, out.dtype);
};

export const matmulKernels = { BatchMatMul: batchMatMul } satisfies Partial<KernelTable>;
