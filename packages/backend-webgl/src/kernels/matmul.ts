/**
 * BatchMatMul: out[n, i, j] = sum_l A[n, i, l] * B[n, l, j]. Transposes are strides, never
 * copies; a batch of 1 broadcasts through a batch stride of 0.
 *
 * float32 with a shared dimension of PACK_MIN_K or more takes the packed path: two cheap
 * pre-passes copy A's rows and B's columns into RGBA32F scratch textures, four consecutive l per
 * texel, one matrix row per texture row. The main pass then reads two vec4s per four
 * multiply-adds at plain 2-D coordinates, instead of two texels (each with an integer division
 * and remainder for its address) per multiply-add (see `pnpm bench webgl` for what it buys).
 * Other cases (int32, short K, matrices too tall for a texture) run the plain loop.
 */
import type { KernelTable, OutInfo, TensorInfo } from '@tapeflow/core';
import type { TexData, WebGLBackend } from '../backend.js';
import { PRELUDE, readers } from '../shader.js';

/** Below this shared dimension the two pre-passes cost more than they save. */
const PACK_MIN_K = 8;

/** Where A element (n, i, l) and B element (n, l, j) sit in their flat storage. */
interface Layout { aBatch: number; aRow: number; aCol: number; bBatch: number; bRow: number; bCol: number }

function layout(x: TensorInfo, y: TensorInfo, transposeA: boolean, transposeB: boolean, m: number, n: number, k: number): Layout {
  return {
    // A element (i, l) sits at i*aRow + l*aCol; B element (l, j) at l*bRow + j*bCol.
    aBatch: x.shape[0] === 1 ? 0 : m * k, aRow: transposeA ? 1 : k, aCol: transposeA ? m : 1,
    bBatch: y.shape[0] === 1 ? 0 : k * n, bRow: transposeB ? 1 : n, bCol: transposeB ? k : 1,
  };
}

function plain(b: WebGLBackend, x: TensorInfo, y: TensorInfo, out: OutInfo, k: number, s: Layout): TexData {
  const T = out.dtype === 'float32' ? 'float' : 'int';
  return b.run({
    inputs: [x, y], out,
    decls: 'uniform int K;\nuniform int aBatch;\nuniform int aRow;\nuniform int aCol;\n' +
      'uniform int bBatch;\nuniform int bRow;\nuniform int bCol;\n',
    body: `int ia = oc[0] * aBatch + oc[1] * aRow;
  int ib = oc[0] * bBatch + oc[2] * bCol;
  ${T} acc = ${T}(0);
  for (int l = 0; l < K; l++) {
    acc += get0(ia) * get1(ib);
    ia += aCol;
    ib += bRow;
  }
  res = acc;`,
    uniforms: { K: k, ...s },
  });
}

/** Texel (p, r) of the packed copy = elements l = 4p..4p+3 of row r (batch r / rows), 0 past K. */
const PACK_SOURCE = `${PRELUDE}${readers([{ dtype: 'float32' }])}uniform int rows;
uniform int K;
uniform int batchStr;
uniform int rowStr;
uniform int kStr;
out highp vec4 outValue;
void main() {
  ivec2 p = ivec2(gl_FragCoord.xy);
  int n = p.y / rows;
  int base = n * batchStr + (p.y - n * rows) * rowStr;
  vec4 v = vec4(0.0);
  for (int c = 0; c < 4; c++) {
    int l = p.x * 4 + c;
    if (l < K) v[c] = get0(base + l * kStr);
  }
  outValue = v;
}
`;

function packed(b: WebGLBackend, x: TensorInfo, y: TensorInfo, out: OutInfo, k: number, s: Layout): TexData {
  const [, m, n] = out.shape;
  const k4 = Math.ceil(k / 4);
  // A's rows i and B's columns j, each as a texture row of k4 texels.
  const pa = b.runScratch({ inputs: [x], format: 'vec4', width: k4, height: x.shape[0] * m, source: PACK_SOURCE,
    uniforms: { rows: m, K: k, batchStr: s.aBatch, rowStr: s.aRow, kStr: s.aCol } });
  try {
    const pb = b.runScratch({ inputs: [y], format: 'vec4', width: k4, height: y.shape[0] * n, source: PACK_SOURCE,
      uniforms: { rows: n, K: k, batchStr: s.bBatch, rowStr: s.bCol, kStr: s.bRow } });
    try {
      return b.run({
        inputs: [], out, scratch: [['pa', pa], ['pb', pb]],
        decls: 'uniform highp sampler2D pa;\nuniform highp sampler2D pb;\nuniform int K4;\nuniform int aRows;\nuniform int bRows;\n',
        body: `int ra = oc[0] * aRows + oc[1];
  int rb = oc[0] * bRows + oc[2];
  vec4 acc = vec4(0.0);
  for (int l = 0; l < K4; l++) acc += texelFetch(pa, ivec2(l, ra), 0) * texelFetch(pb, ivec2(l, rb), 0);
  res = (acc.x + acc.y) + (acc.z + acc.w);`,
        uniforms: { K4: k4, aRows: x.shape[0] === 1 ? 0 : m, bRows: y.shape[0] === 1 ? 0 : n },
      });
    } finally {
      b.releaseScratch(pb);
    }
  } finally {
    b.releaseScratch(pa);
  }
}

export function matmulKernels(b: WebGLBackend): Pick<KernelTable, 'BatchMatMul'> {
  return {
    BatchMatMul: ([x, y], { transposeA, transposeB }, out) => {
      const [, m, n] = out.shape;
      const k = transposeA ? x.shape[1] : x.shape[2];
      const s = layout(x, y, transposeA, transposeB, m, n, k);
      const max = b.gpgpu.maxTextureSize;
      const fits = Math.ceil(k / 4) <= max && x.shape[0] * m <= max && y.shape[0] * n <= max;
      const size = out.shape.reduce((p, d) => p * d, 1);
      return out.dtype === 'float32' && k >= PACK_MIN_K && fits && size > 0 ? packed(b, x, y, out, k, s) : plain(b, x, y, out, k, s);
    },
  };
}
