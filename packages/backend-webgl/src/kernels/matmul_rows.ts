/**
 * BatchMatMul straight from packed storage, when the shared dimension K and the output's columns
 * n are multiples of 4: then a texel of a row-major A [.., m, K] holds four consecutive l of one
 * row, a texel of Bᵀ [.., n, K] four consecutive l of one column of B, and a texel of the output
 * four consecutive j: exactly what one fragment computes,
 *   out[i, j + c] = sum over l4 of dot(A[i, 4 l4..4 l4+3], Bᵀ[j + c, 4 l4..4 l4+3])  (c = 0..3),
 * one A texel and four Bᵀ texels per 16 multiply-adds. So the result is written where it stays
 * (one draw, no unpack pass), and A, and B when it is stored transposed, are read where they are.
 *
 * An operand stored the other way (or as a reshape whose texture rows are not its matrix rows)
 * gets a copy first (WebGLBackend.derived: kept when the same storage is multiplied again, as an
 * RNN's weights are on every step).
 */
import type { OutInfo, TensorInfo } from '@tapeflow/core';
import type { TexData, WebGLBackend } from '../backend.js';
import type { Texture } from '../gpgpu.js';
import { buildSource } from '../shader.js';

/** This path applies: float32, K and n multiples of 4, something to compute, A, Bᵀ and the output fit as matrix textures. */
export function rowsApplies(b: WebGLBackend, x: TensorInfo, y: TensorInfo, out: OutInfo, k: number): boolean {
  const [batch, m, n] = out.shape;
  const matrix = (rows: number, cols: number): boolean => b.texShapeFor(rows * cols, cols)[0] === cols / 4;
  return (
    out.dtype === 'float32' &&
    k % 4 === 0 &&
    k > 0 &&
    n % 4 === 0 &&
    m > 0 &&
    batch > 0 &&
    matrix(batch * m, n) &&
    matrix(x.shape[0] * m, k) &&
    matrix(y.shape[0] * n, k)
  );
}

/**
 * [batch, r, c] as the matrix rows of a packed texture (c a multiple of 4), from storage holding
 * it row-major (the same flat layout in a texture of other rows: texel for texel) or as
 * [batch, c, r] (the four elements of a texel from four places).
 */
const COPY = buildSource({
  inputs: [{ dtype: 'float32' }],
  outDtype: 'float32',
  rank: 3,
  body4: 'res = get04(t);',
});
const COPY_TRANSPOSED = buildSource({
  inputs: [{ dtype: 'float32' }],
  outDtype: 'float32',
  rank: 3,
  body4: `int r = outShape[1], e = oc[0] * r * outShape[2] + oc[2] * r + oc[1];
  res = vec4(get0(e), get0(e + r), get0(e + 2 * r), get0(e + 3 * r));`,
});

/**
 * Samplers sa, A [batch or 1, m, K], and sb, Bᵀ [batch or 1, n, K], as matrix textures (texel
 * (c, r) holds row r's elements 4c..4c+3), 1/width and 1/height of each as saIW, saIH, sbIW,
 * sbIH. Fragment (j4, q m + i) is the output texel out[q, i, 4 j4..4 j4+3]: per four l, one texel
 * of A's row i and one of each of Bᵀ's rows 4 j4..4 j4+3, every fetch walking along a texture
 * row. Bᵀ rather than B: in a paired run on SwiftShader that was faster at 32x256x1024 and
 * 1024x1024x1024, slower at 32x1024x256; and an RNN's backward matmul dG W_hᵀ reads W_h as stored.
 * texture() at texel centres (NEAREST) with coordinates that step by constants: no integer
 * division in the loop, and the sampler's fast path on SwiftShader.
 */
const MAIN = `uniform int m;
uniform int K4;
uniform int aRows;
uniform int bRows;
uniform float saIW;
uniform float saIH;
uniform float sbIW;
uniform float sbIH;
out highp vec4 outValue;
// The four outputs' share of texel column x (a texel centre, in texels) of A's row and Bᵀ's rows.
vec4 part(float x, float ya, float yb) {
  vec4 a = texture(sa, vec2(x * saIW, ya));
  float u = x * sbIW;
  return vec4(dot(a, texture(sb, vec2(u, yb))), dot(a, texture(sb, vec2(u, yb + sbIH))),
    dot(a, texture(sb, vec2(u, yb + 2.0 * sbIH))), dot(a, texture(sb, vec2(u, yb + 3.0 * sbIH))));
}
void main() {
  ivec2 f = ivec2(gl_FragCoord.xy);
  int q = f.y / m;
  float ya = (float(q * aRows + f.y - q * m) + 0.5) * saIH;
  float yb = (float(q * bRows + 4 * f.x) + 0.5) * sbIH;
  // Four texel columns per iteration into four sums: ~15% faster than one on SwiftShader.
  vec4 s0 = vec4(0.0), s1 = vec4(0.0), s2 = vec4(0.0), s3 = vec4(0.0);
  int l = 0;
  for (; l + 3 < K4; l += 4) {
    float x = float(l) + 0.5;
    s0 += part(x, ya, yb);
    s1 += part(x + 1.0, ya, yb);
    s2 += part(x + 2.0, ya, yb);
    s3 += part(x + 3.0, ya, yb);
  }
  for (; l < K4; l++) s0 += part(float(l) + 0.5, ya, yb);
  outValue = (s0 + s1) + (s2 + s3);
}
`;

/**
 * out = A B (batched, a batch of 1 broadcast) with x A or Aᵀ and y B or Bᵀ as stored. Call only
 * when rowsApplies.
 */
export function matmulRows(
  b: WebGLBackend,
  x: TensorInfo,
  y: TensorInfo,
  transposeA: boolean,
  transposeB: boolean,
  out: OutInfo,
): TexData {
  const [, m, n] = out.shape;
  const k = transposeA ? x.shape[1] : x.shape[2];
  const scratch: Texture[] = [];
  const inputs: TensorInfo[] = [];
  const bound: [string, Texture][] = [];
  const sizes: Record<string, { f: number }> = {};
  // The operand [rows, cols] as a sampler: its storage (input xK) when that is already this
  // matrix texture, else a copy (a scratch texture); `transposed`: stored as [cols, rows].
  const operand = (t: TensorInfo, transposed: boolean, name: string, rows: number, cols: number): string => {
    const batch = t.shape[0];
    const [width, height] = b.texShapeFor(batch * rows * cols, cols);
    sizes[`${name}IW`] = { f: 1 / width };
    sizes[`${name}IH`] = { f: 1 / height };
    const [w, h] = b.textureShape(t);
    if (!transposed && w === width && h === height) {
      inputs.push(t);
      return `#define ${name} x${inputs.length - 1}\n`;
    }
    const { texture, keep } = b.derived(t, `matmul rows ${transposed} ${t.shape.join('x')}`, () =>
      b.runScratch({
        inputs: [t],
        format: 'vec4',
        width,
        height,
        source: transposed ? COPY_TRANSPOSED : COPY,
        uniforms: { outW: width, outSize: batch * rows * cols, outShape: [batch, rows, cols] },
      }),
    );
    if (!keep) scratch.push(texture);
    bound.push([`${name}T`, texture]);
    return `uniform highp sampler2D ${name}T;\n#define ${name} ${name}T\n`;
  };
  try {
    const defsA = operand(x, transposeA, 'sa', m, k);
    const defsB = operand(y, !transposeB, 'sb', n, k);
    // Tensor inputs' samplers are declared here (the draw binds them as xK), scratch ones in defs.
    const samplers = inputs.map((_, i) => `uniform highp sampler2D x${i};\n`).join('');
    const source = `#version 300 es\nprecision highp float;\nprecision highp int;\n${samplers}${defsA}${defsB}${MAIN}`;
    return b.runSource({
      inputs,
      out,
      source,
      scratch: bound,
      uniforms: {
        ...sizes,
        m,
        K4: k / 4,
        aRows: x.shape[0] === 1 ? 0 : m,
        bRows: y.shape[0] === 1 ? 0 : n,
      },
    });
  } finally {
    for (const t of scratch) b.releaseScratch(t);
  }
}
