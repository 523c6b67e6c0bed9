/**
 * Movement kernels. Transpose, BroadcastTo, Slice and Reverse are all one affine gather: the
 * input's flat index is offset + sum(oc[d] * stride[d]) over output dims, with strides permuted
 * (Transpose), zeroed (BroadcastTo), or negated with the offset at the far end (Reverse).
 * Reshape shares the input's storage: the layout is flat row-major, so nothing moves.
 */
import type { KernelTable, OutInfo, TensorInfo } from '@tapeflow/core';
import { rankOf, type TexData, type WebGLBackend } from '../backend.js';
import { stridedIndex, strides } from '../shader.js';

/** out[oc] = x[offset + sum oc[d] * str[d]]. */
export function affineGather(b: WebGLBackend, x: TensorInfo, out: OutInfo, offset: number, str: number[]): TexData {
  const R = rankOf(out.shape);
  return b.run({
    inputs: [x], out, decls: stridedIndex(0, R), body: 'res = get0(bidx0(oc));',
    uniforms: { x0Str: str.length ? str : [0], x0Off: offset },
  });
}

/** x transposed by `perm`, as backend storage (used by reductions too). */
export function transposeData(b: WebGLBackend, x: TensorInfo, perm: readonly number[]): TexData {
  const s = strides(x.shape);
  return affineGather(b, x, { shape: perm.map((p) => x.shape[p]), dtype: x.dtype }, 0, perm.map((p) => s[p]));
}

function pad(b: WebGLBackend, x: TensorInfo, paddings: [number, number][], value: number, out: OutInfo): TexData {
  const R = rankOf(out.shape);
  const isFloat = x.dtype === 'float32';
  const one = (a: number[]): number[] => (a.length ? a : [0]);
  return b.run({
    inputs: [x], out,
    decls: `uniform int before[${R}];\nuniform int inShape[${R}];\nuniform int inStr[${R}];\n` +
      `uniform ${isFloat ? 'float' : 'int'} padValue;\n`,
    body: `bool inside = true;
  int j = 0;
  for (int d = 0; d < ${R}; d++) {
    int c = oc[d] - before[d];
    if (c < 0 || c >= inShape[d]) inside = false;
    j += c * inStr[d];
  }
  res = inside ? get0(j) : padValue;`,
    uniforms: {
      before: one(paddings.map((p) => p[0])),
      inShape: x.shape.length ? x.shape : [1],
      inStr: one(strides(x.shape)),
      padValue: isFloat ? { f: value } : x.dtype === 'bool' ? (value ? 1 : 0) : Math.trunc(value),
    },
  });
}

export function movementKernels(b: WebGLBackend): Pick<KernelTable, 'Reshape' | 'Transpose' | 'BroadcastTo' | 'Slice' | 'Reverse' | 'Pad'> {
  return {
    Reshape: ([x]) => x.dataId,
    Transpose: ([x], { perm }) => transposeData(b, x, perm),
    BroadcastTo: ([x], _attrs, out) => {
      const s = strides(x.shape);
      return affineGather(b, x, out, 0, x.shape.map((d, i) => (d === 1 ? 0 : s[i])));
    },
    Slice: ([x], { begin }, out) => {
      const s = strides(x.shape);
      return affineGather(b, x, out, begin.reduce((o, v, i) => o + v * s[i], 0), s);
    },
    Reverse: ([x], { axes }, out) => {
      const s = strides(x.shape);
      const offset = axes.reduce((o, d) => o + (x.shape[d] - 1) * s[d], 0);
      return affineGather(b, x, out, offset, s.map((v, d) => (axes.includes(d) ? -v : v)));
    },
    Pad: ([x], { paddings, value }, out) => pad(b, x, paddings, value, out),
  };
}
