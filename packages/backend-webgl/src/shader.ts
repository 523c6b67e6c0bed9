/**
 * Builds fragment shaders. Every kernel is one fragment shader whose body computes one output
 * element: the preamble turns the fragment's position into the output's flat index `idx` and
 * multi-index `oc[]`, and gives a reader `getK(flat)` for each input K. A kernel supplies only
 * the body that assigns `res`. A float32 output is packed (gpgpu.ts), so each fragment runs the
 * body for the four elements of its texel; a kernel that can do all four at once supplies
 * `body4` instead, assigning `vec4 res` from the texel index `t` (readers `getK4(texel)`). Shapes and strides are uniforms, so one compiled program serves every shape of
 * the same rank; the rank is baked into the source (array sizes), hence into the cache key.
 */
import type { DType } from '@tapeflow/core';

/** GLSL type of a dtype's values: int32 and bool are ints (R32I textures), float32 is float. */
export const glslType = (dtype: DType): 'float' | 'int' => (dtype === 'float32' ? 'float' : 'int');

export interface ShaderInput {
  dtype: DType;
}

export interface ShaderSpec {
  inputs: readonly ShaderInput[];
  outDtype: DType;
  /** Length of `oc` and of the `outShape` uniform (the output rank, at least 1). */
  rank: number;
  /** Extra declarations: uniforms, helper functions. */
  decls?: string;
  /** Statements that assign `res`, reading `idx`, `oc`, getK(flat) and the declared uniforms. */
  body?: string;
  /** float32 outputs only: statements that assign `vec4 res`, elements 4t..4t+3, from the texel index `t` (and `idx`, `oc` of element 4t). */
  body4?: string;
}

const HELPERS = `
float nan_() { return uintBitsToFloat(0x7fc00000u); }
float inf_() { return uintBitsToFloat(0x7f800000u); }
bool isnan_(float x) { return (floatBitsToUint(x) & 0x7fffffffu) > 0x7f800000u; }
// GPUs flush subnormals to zero in arithmetic and comparisons, but copies keep their bits. This
// key orders non-NaN floats exactly like IEEE (subnormals included, -0 == +0) as ints.
int fkey(float x) {
  int i = floatBitsToInt(x);
  if ((i & 0x7fffffff) == 0) return 0;
  return i >= 0 ? i : i ^ 0x7fffffff;
}
`;

/**
 * Samplers `xK`, their widths `xKW` and readers `getK(flat)` for the inputs of a shader; packed
 * (float32) inputs also get `getK4(texel)`, four elements at once.
 */
export function readers(inputs: readonly ShaderInput[]): string {
  return inputs
    .map((inp, k) => {
      const head = `uniform int x${k}W;\n`;
      if (glslType(inp.dtype) === 'int') {
        return (
          `uniform highp isampler2D x${k};\n${head}` +
          `int get${k}(int i) { return texelFetch(x${k}, ivec2(i % x${k}W, i / x${k}W), 0).r; }\n`
        );
      }
      return (
        `uniform highp sampler2D x${k};\n${head}` +
        `vec4 get${k}4(int t) { return texelFetch(x${k}, ivec2(t % x${k}W, t / x${k}W), 0); }\n` +
        `float get${k}(int i) { return get${k}4(i >> 2)[i & 3]; }\n`
      );
    })
    .join('');
}

export const PRELUDE = '#version 300 es\nprecision highp float;\nprecision highp int;\n';

export function buildSource(spec: ShaderSpec): string {
  const T = glslType(spec.outDtype);
  const R = spec.rank;
  const head = `${PRELUDE}uniform int outW;
uniform int outSize;
uniform int outShape[${R}];
${HELPERS}${readers(spec.inputs)}${spec.decls ?? ''}`;
  if (T === 'float') return packedSource(head, R, spec);
  if (spec.body === undefined) throw new Error('webgl: an int kernel needs a per-element body');
  return `${head}out highp int outValue;
void main() {
  ivec2 p = ivec2(gl_FragCoord.xy);
  int idx = p.y * outW + p.x;
  if (idx >= outSize) { outValue = ${T}(0); return; }
  int oc[${R}];
  int rest = idx;
  for (int d = ${R - 1}; d >= 0; d--) { oc[d] = rest % outShape[d]; rest /= outShape[d]; }
  ${T} res;
  ${spec.body}
  outValue = res;
}
`;
}

/** A float32 output: one texel, elements 4t..4t+3 (those past outSize are 0), per fragment. */
function packedSource(head: string, R: number, spec: ShaderSpec): string {
  const main = `out highp vec4 outValue;
void main() {
  ivec2 p = ivec2(gl_FragCoord.xy);
  int t = p.y * outW + p.x;
  if (4 * t >= outSize) { outValue = vec4(0.0); return; }`;
  if (spec.body4 !== undefined) {
    return `${head}${main}
  int idx = 4 * t;
  int oc[${R}];
  int rest = idx;
  for (int d = ${R - 1}; d >= 0; d--) { oc[d] = rest % outShape[d]; rest /= outShape[d]; }
  vec4 res;
  ${spec.body4}
  outValue = res;
}
`;
  }
  return `${head}float elem(int idx) {
  int oc[${R}];
  int rest = idx;
  for (int d = ${R - 1}; d >= 0; d--) { oc[d] = rest % outShape[d]; rest /= outShape[d]; }
  float res;
  ${spec.body}
  return res;
}
${main}
  int i = 4 * t;
  outValue = vec4(elem(i), i + 1 < outSize ? elem(i + 1) : 0.0, i + 2 < outSize ? elem(i + 2) : 0.0,
    i + 3 < outSize ? elem(i + 3) : 0.0);
}
`;
}

/**
 * Declares `int bidxK(int c[R])`: the flat index in input K of output multi-index c, through
 * the int array uniform `xKStr` (one stride per output dim; 0 where K is broadcast or absent).
 */
export function stridedIndex(k: number, rank: number): string {
  return `uniform int x${k}Str[${rank}];
uniform int x${k}Off;
int bidx${k}(int c[${rank}]) {
  int j = x${k}Off;
  for (int d = 0; d < ${rank}; d++) j += c[d] * x${k}Str[d];
  return j;
}
`;
}

/** Row-major strides of `shape`. */
export function strides(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

/**
 * Strides with which an input of `shape` is read from an output of rank `rank` under NumPy
 * broadcasting (right-aligned; size-1 and missing dims get stride 0).
 */
export function broadcastStrides(shape: readonly number[], rank: number): number[] {
  const s = strides(shape);
  const out = new Array<number>(rank).fill(0);
  const lead = rank - shape.length;
  for (let i = 0; i < shape.length; i++) out[lead + i] = shape[i] === 1 ? 0 : s[i];
  return out;
}
