/**
 * BatchMatMul: out[n, i, j] = sum_l A[n, i, l] * B[n, l, j]. Transposes are strides, never
 * copies; a batch of 1 broadcasts through a batch stride of 0.
 *
 * float32 with K and n multiples of 4 reads the packed storage directly (matmul_rows.ts). Other
 * float32 with a shared dimension of PACK_MIN_K or more takes the packed path: two cheap
 * pre-passes copy A's rows and B's columns into RGBA32F scratch textures, four consecutive l per
 * texel, one matrix row per texture row; the main pass computes blocks of four outputs from
 * them through the sampler (five vec4 reads per 16 multiply-adds, instead of two texels,
 * each with an integer division and remainder for its address, per multiply-add); a last pass
 * unpacks the blocks into the output. On SwiftShader this is ~60x faster than the plain loop at
 * 1024x1024 (`pnpm bench webgl` compares it with tfjs). Other cases (int32, short K, matrices
 * too big for a texture) run the plain loop.
 */
import type { KernelTable, OutInfo, TensorInfo } from '@tapeflow/core';
import type { ScratchSpec, TexData, WebGLBackend } from '../backend.js';
import type { Texture } from '../gpgpu.js';
import { PRELUDE } from '../shader.js';
import { matmulRows, rowsApplies } from './matmul_rows.js';

/** Below this shared dimension the two pre-passes cost more than they save. */
const PACK_MIN_K = 8;

/** Where A element (n, i, l) and B element (n, l, j) sit in their flat storage. */
interface Layout {
  aBatch: number;
  aRow: number;
  aCol: number;
  bBatch: number;
  bRow: number;
  bCol: number;
}

function layout(
  x: TensorInfo,
  y: TensorInfo,
  transposeA: boolean,
  transposeB: boolean,
  m: number,
  n: number,
  k: number,
): Layout {
  return {
    // A element (i, l) sits at i*aRow + l*aCol; B element (l, j) at l*bRow + j*bCol.
    aBatch: x.shape[0] === 1 ? 0 : m * k,
    aRow: transposeA ? 1 : k,
    aCol: transposeA ? m : 1,
    bBatch: y.shape[0] === 1 ? 0 : k * n,
    bRow: transposeB ? 1 : n,
    bCol: transposeB ? k : 1,
  };
}

function plain(b: WebGLBackend, x: TensorInfo, y: TensorInfo, out: OutInfo, k: number, s: Layout): TexData {
  const T = out.dtype === 'float32' ? 'float' : 'int';
  return b.run({
    inputs: [x, y],
    out,
    decls:
      'uniform int K;\nuniform int aBatch;\nuniform int aRow;\nuniform int aCol;\n' +
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

/**
 * The packed copy of a matrix's rows r (A's rows i, B's columns j): one texel holds elements
 * l = 4t..4t+3 of row r (0 past K). `across` puts the rows along x (texel (r, q*K4 + t), for B:
 * neighbouring fragments of the main pass then read neighbouring texels), else along y
 * (texel (t, q*rows + r), for A: all fragments of a raster row read the same A rows).
 */
const packSource = (across: boolean): string => `${PRELUDE}uniform highp sampler2D x0;
uniform int x0W;
uniform int rows;
uniform int K;
uniform int K4;
uniform int batchStr;
uniform int rowStr;
uniform int kStr;
out highp vec4 outValue;
void main() {
  ivec2 p = ivec2(gl_FragCoord.xy);
  ${across ? 'int q = p.y / K4;\n  int r = p.x;\n  int t = p.y - q * K4;' : 'int q = p.y / rows;\n  int r = p.y - q * rows;\n  int t = p.x;'}
  int i = q * batchStr + r * rowStr + t * 4 * kStr;
  vec4 v = vec4(0.0);
  for (int c = 0; c < 4; c++) {
    // Element e of the (packed) source is component e % 4 of texel e / 4.
    int e = i + c * kStr;
    int tx = e >> 2;
    if (t * 4 + c < K) v[c] = texelFetch(x0, ivec2(tx % x0W, tx / x0W), 0)[e & 3];
  }
  outValue = v;
}
`;
const PACK_A = packSource(false);
const PACK_B = packSource(true);

/**
 * Each texel of the main pass computes a column of four outputs, rows i0..i0+3 of column j, as
 * a vec4: per four l it reads one texel of B's column and one of each of the four A rows. Four
 * rows per texel also cut how often B streams through the cache (once per four output rows).
 * Rows past m read row m - 1; the unpack pass never looks at their results.
 */
const BLOCK_SOURCE = `${PRELUDE}uniform highp sampler2D pa;
uniform highp sampler2D pb;
uniform int K4;
uniform int m;
uniform int m4;
uniform int aRows;
uniform int bK4;
uniform float paW;
uniform float paH;
uniform float pbW;
uniform float pbH;
out highp vec4 outValue;
void main() {
  ivec2 p = ivec2(gl_FragCoord.xy);
  int q = p.y / m4;
  int i0 = (p.y - q * m4) * 4;
  int a = q * aRows;
  int r0 = a + i0, r1 = a + min(i0 + 1, m - 1), r2 = a + min(i0 + 2, m - 1), r3 = a + min(i0 + 3, m - 1);
  int lb = q * bK4;
  // texture() at texel centres (NEAREST): the sampler's fast path, cheaper than texelFetch on
  // some implementations (SwiftShader).
  float ya0 = (float(r0) + 0.5) * paH, ya1 = (float(r1) + 0.5) * paH, ya2 = (float(r2) + 0.5) * paH, ya3 = (float(r3) + 0.5) * paH;
  float xb = (float(p.x) + 0.5) * pbW;
  vec4 acc = vec4(0.0);
  for (int l = 0; l < K4; l++) {
    // One rounding each (not a running sum): far inside the half-texel margin for any size.
    float ua = (float(l) + 0.5) * paW;
    vec4 bv = texture(pb, vec2(xb, (float(lb + l) + 0.5) * pbH));
    acc += vec4(dot(texture(pa, vec2(ua, ya0)), bv), dot(texture(pa, vec2(ua, ya1)), bv),
      dot(texture(pa, vec2(ua, ya2)), bv), dot(texture(pa, vec2(ua, ya3)), bv));
  }
  outValue = acc;
}
`;

function packed(b: WebGLBackend, x: TensorInfo, y: TensorInfo, out: OutInfo, k: number, s: Layout): TexData {
  const [batch, m, n] = out.shape;
  const k4 = Math.ceil(k / 4),
    m4 = Math.ceil(m / 4);
  const scratch: Texture[] = [];
  // Packed copies depend only on the storage and the layout, so one used again is kept (see
  // WebGLBackend.derived): an RNN's recurrent weights are packed once per unroll, not per step.
  const pack = (t: TensorInfo, spec: ScratchSpec, key: string): Texture => {
    const { texture, keep } = b.derived(t, `matmul ${key} ${JSON.stringify(spec.uniforms)}`, () => b.runScratch(spec));
    if (!keep) scratch.push(texture);
    return texture;
  };
  try {
    // A's rows i as texture rows of k4 texels; B's columns j as texture columns of k4 texels.
    const pa = pack(
      x,
      {
        inputs: [x],
        format: 'vec4',
        width: k4,
        height: x.shape[0] * m,
        source: PACK_A,
        uniforms: { rows: m, K: k, K4: k4, batchStr: s.aBatch, rowStr: s.aRow, kStr: s.aCol },
      },
      `A ${x.shape[0]}`,
    );
    const pb = pack(
      y,
      {
        inputs: [y],
        format: 'vec4',
        width: n,
        height: y.shape[0] * k4,
        source: PACK_B,
        uniforms: { rows: n, K: k, K4: k4, batchStr: s.bBatch, rowStr: s.bCol, kStr: s.bRow },
      },
      `B ${y.shape[0]}`,
    );
    const blocks = b.runScratch({
      inputs: [],
      format: 'vec4',
      width: n,
      height: batch * m4,
      source: BLOCK_SOURCE,
      scratch: [
        ['pa', pa],
        ['pb', pb],
      ],
      uniforms: {
        K4: k4,
        m,
        m4,
        aRows: x.shape[0] === 1 ? 0 : m,
        bK4: y.shape[0] === 1 ? 0 : k4,
        paW: { f: 1 / pa.width },
        paH: { f: 1 / pa.height },
        pbW: { f: 1 / pb.width },
        pbH: { f: 1 / pb.height },
      },
    });
    scratch.push(blocks);
    // out[q, i, j] is component i % 4 of texel (j, q * m4 + i / 4).
    return b.run({
      inputs: [],
      out,
      scratch: [['blocks', blocks]],
      decls: 'uniform highp sampler2D blocks;\nuniform int m4;\n',
      body: 'res = texelFetch(blocks, ivec2(oc[2], oc[0] * m4 + oc[1] / 4), 0)[oc[1] & 3];',
      uniforms: { m4 },
    });
  } finally {
    for (const t of scratch) b.releaseScratch(t);
  }
}

export function matmulKernels(b: WebGLBackend): Pick<KernelTable, 'BatchMatMul'> {
  return {
    BatchMatMul: ([x, y], { transposeA, transposeB }, out) => {
      const [, m, n] = out.shape;
      const k = transposeA ? x.shape[1] : x.shape[2];
      if (rowsApplies(b, x, y, out, k)) return matmulRows(b, x, y, transposeA, transposeB, out);
      const s = layout(x, y, transposeA, transposeB, m, n, k);
      const max = b.gpgpu.maxTextureSize;
      const fits =
        Math.ceil(k / 4) <= max &&
        x.shape[0] * m <= max &&
        n <= max &&
        y.shape[0] * Math.ceil(k / 4) <= max &&
        out.shape[0] * Math.ceil(m / 4) <= max;
      const size = out.shape.reduce((p, d) => p * d, 1);
      return out.dtype === 'float32' && k >= PACK_MIN_K && fits && size > 0
        ? packed(b, x, y, out, k, s)
        : plain(b, x, y, out, k, s);
    },
  };
}
