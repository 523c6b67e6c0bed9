/**
 * BatchMatMul as one tiled compute shader. A workgroup of 8x8 invocations computes a 32x32
 * output tile, 4x4 per invocation, stepping through k in tiles of 32 staged in workgroup memory.
 * Operands are read through strides, so transposes cost nothing; where the loaded dimension is
 * contiguous and a multiple of 4 the loads are vec4 (and so is the store when n is).
 */
import type { KernelTable, TensorInfo } from '@tapeflow/core';
import type { WebGPUBackend } from '../backend.js';
import { wgslType } from '../wgsl.js';

const T = 32;

interface Layout {
  vecA: boolean;
  vecB: boolean;
  vecOut: boolean;
}

function source(S: string, { vecA, vecB, vecOut }: Layout): string {
  const V = `vec4<${S}>`;
  // A tile As[r][p]: with vecA, x0 is vec4 along k and one load fills As[r][p..p+3].
  const loadA = vecA
    ? `
    for (var e = tid; e < ${(T * T) / 4}; e += 64) {
      let r = e / ${T / 4}; let p = (e % ${T / 4}) * 4; let gi = row0 + r; let gp = t + p;
      var v = ${V}(0);
      if (gi < M && gp < K) { v = x0[(aBase + gi * sAi + gp) / 4]; }
      As[r][p] = v.x; As[r][p + 1] = v.y; As[r][p + 2] = v.z; As[r][p + 3] = v.w;
    }`
    : `
    for (var e = tid; e < ${T * T}; e += 64) {
      let r = e / ${T}; let p = e % ${T}; let gi = row0 + r; let gp = t + p;
      var v = ${S}(0);
      if (gi < M && gp < K) { v = x0[aBase + gi * sAi + gp * sAp]; }
      As[r][p] = v;
    }`;
  // B tile Bs[p][jg] holds columns 4 jg .. 4 jg + 3 of row p.
  const loadB = vecB
    ? `
    for (var e = tid; e < ${(T * T) / 4}; e += 64) {
      let p = e / ${T / 4}; let jg = e % ${T / 4}; let gp = t + p; let gj = col0 + jg * 4;
      var v = ${V}(0);
      if (gp < K && gj < N) { v = x1[(bBase + gp * sBp + gj) / 4]; }
      Bs[p][jg] = v;
    }`
    : `
    for (var e = tid; e < ${(T * T) / 4}; e += 64) {
      let p = e / ${T / 4}; let jg = e % ${T / 4}; let gp = t + p; let gj = col0 + jg * 4;
      var v = ${V}(0);
      if (gp < K) {
        for (var q = 0; q < 4; q++) { if (gj + q < N) { v[q] = x1[bBase + gp * sBp + (gj + q) * sBj]; } }
      }
      Bs[p][jg] = v;
    }`;
  const store = vecOut
    ? `
  for (var i = 0; i < 4; i++) {
    let gi = row0 + ty * 4 + i; let gj = col0 + tx * 4;
    if (gi < M && gj < N) { y0[(oBase + gi * N + gj) / 4] = acc[i]; }
  }`
    : `
  for (var i = 0; i < 4; i++) {
    let gi = row0 + ty * 4 + i;
    for (var q = 0; q < 4; q++) {
      let gj = col0 + tx * 4 + q;
      if (gi < M && gj < N) { y0[oBase + gi * N + gj] = acc[i][q]; }
    }
  }`;
  return `
var<workgroup> As: array<array<${S}, ${T}>, ${T}>;
var<workgroup> Bs: array<array<${V}, ${T / 4}>, ${T}>;
@compute @workgroup_size(8, 8)
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let M = mt[0]; let N = mt[1]; let K = mt[2];
  let sAi = mt[4]; let sAp = mt[5]; let sBp = mt[7]; let sBj = mt[8];
  let batch = i32(wid.z);
  let aBase = batch * mt[3]; let bBase = batch * mt[6]; let oBase = batch * M * N;
  let tx = i32(lid.x); let ty = i32(lid.y); let tid = ty * 8 + tx;
  let row0 = i32(wid.y) * ${T}; let col0 = i32(wid.x) * ${T};
  var acc: array<${V}, 4>;
  for (var t = 0; t < K; t += ${T}) {${loadA}${loadB}
    workgroupBarrier();
    for (var p = 0; p < ${T}; p++) {
      let bv = Bs[p][tx];
      acc[0] += As[ty * 4][p] * bv;
      acc[1] += As[ty * 4 + 1][p] * bv;
      acc[2] += As[ty * 4 + 2][p] * bv;
      acc[3] += As[ty * 4 + 3][p] * bv;
    }
    workgroupBarrier();
  }${store}
}
`;
}

export function matmulKernels(b: WebGPUBackend): Pick<KernelTable, 'BatchMatMul'> {
  return {
    BatchMatMul: ([a, bm]: [TensorInfo, TensorInfo], { transposeA, transposeB }, out) => {
      const [batchA, a1, a2] = a.shape;
      const [batchB, b1, b2] = bm.shape;
      const [m, k] = transposeA ? [a2, a1] : [a1, a2];
      const n = transposeB ? b1 : b2;
      const batch = out.shape[0];
      // Strides of A(i, p) and B(p, j) in their buffers.
      const [sAi, sAp] = transposeA ? [1, m] : [k, 1];
      const [sBp, sBj] = transposeB ? [1, k] : [n, 1];
      const S = wgslType(a.dtype);
      const vec4ok = S === 'f32';
      const layout: Layout = {
        vecA: vec4ok && !transposeA && k % 4 === 0,
        vecB: vec4ok && !transposeB && n % 4 === 0,
        vecOut: vec4ok && n % 4 === 0,
      };
      const meta = [m, n, k, batchA === 1 ? 0 : m * k, sAi, sAp, batchB === 1 ? 0 : k * n, sBp, sBj];
      const V = `vec4<${S}>`;
      return b.runRaw({
        inputs: [a, bm],
        outs: [out],
        source: source(S, layout),
        meta,
        groups: [Math.ceil(n / T), Math.ceil(m / T), batch],
        types: [layout.vecA ? V : undefined, layout.vecB ? V : undefined, layout.vecOut ? V : undefined],
      })[0];
    },
  };
}
