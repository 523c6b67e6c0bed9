/**
 * Movement kernels. Transpose, BroadcastTo, Slice and Reverse are all one affine gather: the
 * input's flat index is offset + sum(oc[d] * stride[d]) over output dims, with strides permuted
 * (Transpose), zeroed (BroadcastTo), or negated with the offset at the far end (Reverse).
 * Reshape shares the input's storage: the layout is flat row-major, so nothing moves. Concat of
 * any number of inputs is seen as 2-D [outer, axisLen * inner], each input filling a band of
 * columns; one shader reads up to MAX_INPUTS textures, longer lists are joined in groups and the
 * groups joined again.
 */
import type { KernelTable, OutInfo, TensorInfo } from '@tapeflow/core';
import { rankOf, type TexData, type WebGLBackend } from '../backend.js';
import { stridedIndex, strides } from '../shader.js';

/** out[oc] = x[offset + sum oc[d] * str[d]]. */
export function affineGather(b: WebGLBackend, x: TensorInfo, out: OutInfo, offset: number, str: number[]): TexData {
  const R = rankOf(out.shape);
  const last = out.shape[out.shape.length - 1];
  // Four consecutive outputs from one texel: along the last dim a step of 1, every other step and
  // the offset whole texels (a slice of rows, a permutation that keeps the last axis). Or from
  // one element: a step of 0 along the last dim (a broadcast of columns or of a scalar).
  const whole = x.dtype === 'float32' && out.shape.length > 0 && last % 4 === 0;
  const texels =
    whole && str[str.length - 1] === 1 && offset % 4 === 0 && str.every((s, d) => d === str.length - 1 || s % 4 === 0);
  const spread = whole && str[str.length - 1] === 0;
  return b.run({
    inputs: [x],
    out,
    decls: stridedIndex(0, R),
    ...(texels
      ? { body4: 'res = get04(bidx0(oc) >> 2);' }
      : spread
        ? { body4: 'res = vec4(get0(bidx0(oc)));' }
        : { body: 'res = get0(bidx0(oc));' }),
    uniforms: { x0Str: str.length ? str : [0], x0Off: offset },
  });
}

/** x transposed by `perm`, as backend storage (used by reductions too). */
export function transposeData(b: WebGLBackend, x: TensorInfo, perm: readonly number[]): TexData {
  const s = strides(x.shape);
  return affineGather(
    b,
    x,
    { shape: perm.map((p) => x.shape[p]), dtype: x.dtype },
    0,
    perm.map((p) => s[p]),
  );
}

function pad(b: WebGLBackend, x: TensorInfo, paddings: [number, number][], value: number, out: OutInfo): TexData {
  const R = rankOf(out.shape);
  const isFloat = x.dtype === 'float32';
  const one = (a: number[]): number[] => (a.length ? a : [0]);
  return b.run({
    inputs: [x],
    out,
    decls:
      `uniform int before[${R}];\nuniform int inShape[${R}];\nuniform int inStr[${R}];\n` +
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

const MAX_INPUTS = 8;

function concatFew(b: WebGLBackend, xs: readonly TensorInfo[], axis: number, out: OutInfo): TexData {
  const inner = out.shape.slice(axis + 1).reduce((n, d) => n * d, 1);
  const width = out.shape[axis] * inner;
  const starts: number[] = [];
  let col = 0;
  for (const x of xs) {
    starts.push(col);
    col += x.shape[axis] * inner;
  }
  const widths = xs.map((x) => x.shape[axis] * inner);
  const T = out.dtype === 'float32' ? 'float' : 'int';
  if (T === 'float' && width % 4 === 0 && widths.every((w) => w % 4 === 0)) {
    // Every band whole texels: four outputs are one texel of one input.
    const branches4 = xs
      .map(
        (_, k) =>
          `${k ? 'else ' : ''}if (col < starts[${k}] + widths[${k}]) res = get${k}4((row * widths[${k}] + col - starts[${k}]) >> 2);`,
      )
      .join('\n  ');
    return b.run({
      inputs: xs,
      out,
      decls: `uniform int width;\nuniform int starts[${xs.length}];\nuniform int widths[${xs.length}];\n`,
      body4: `int row = idx / width;\n  int col = idx - row * width;\n  ${branches4}\n  else res = vec4(0.0);`,
      uniforms: { width, starts, widths },
    });
  }
  // Branch per input: samplers cannot be indexed by a non-constant expression.
  const branches = xs
    .map(
      (_, k) =>
        `${k ? 'else ' : ''}if (col < starts[${k}] + widths[${k}]) res = ${T}(get${k}(row * widths[${k}] + col - starts[${k}]));`,
    )
    .join('\n  ');
  return b.run({
    inputs: xs,
    out,
    decls: `uniform int width;\nuniform int starts[${xs.length}];\nuniform int widths[${xs.length}];\n`,
    body: `int row = idx / width;\n  int col = idx - row * width;\n  ${branches}\n  else res = ${T}(0);`,
    uniforms: { width, starts, widths },
  });
}

function concat(b: WebGLBackend, inputs: readonly TensorInfo[], axis: number, out: OutInfo): TexData {
  const xs = inputs.filter((x) => x.shape[axis] > 0);
  if (xs.length <= MAX_INPUTS) return concatFew(b, xs.length ? xs : inputs.slice(0, 1), axis, out);
  const groups: TensorInfo[] = [];
  try {
    for (let i = 0; i < xs.length; i += MAX_INPUTS) {
      const part = xs.slice(i, i + MAX_INPUTS);
      const shape = [...out.shape];
      shape[axis] = part.reduce((n, x) => n + x.shape[axis], 0);
      const o = { shape, dtype: out.dtype };
      groups.push({ ...o, dataId: concat(b, part, axis, o) });
    }
    return concat(b, groups, axis, out);
  } finally {
    for (const g of groups) b.disposeData(g.dataId);
  }
}

export function movementKernels(
  b: WebGLBackend,
): Pick<KernelTable, 'Reshape' | 'Transpose' | 'BroadcastTo' | 'Slice' | 'Reverse' | 'Pad' | 'Concat'> {
  return {
    Reshape: ([x]) => x.dataId,
    Transpose: ([x], { perm }) => transposeData(b, x, perm),
    BroadcastTo: ([x], _attrs, out) => {
      const s = strides(x.shape);
      return affineGather(
        b,
        x,
        out,
        0,
        x.shape.map((d, i) => (d === 1 ? 0 : s[i])),
      );
    },
    Slice: ([x], { begin }, out) => {
      const s = strides(x.shape);
      const offset = begin.reduce((o, v, i) => o + v * s[i], 0);
      // A contiguous range (size-1 dims, then a range of one dim, then whole dims): maybe whole texture rows.
      const j = Math.max(
        0,
        out.shape.findIndex((n) => n !== 1),
      );
      const contiguous = out.shape.every((n, d) => d <= j || (begin[d] === 0 && n === x.shape[d]));
      return (
        (x.dtype === 'float32' && contiguous ? b.copyRows(x, offset, out) : null) ?? affineGather(b, x, out, offset, s)
      );
    },
    Reverse: ([x], { axes }, out) => {
      const s = strides(x.shape);
      const offset = axes.reduce((o, d) => o + (x.shape[d] - 1) * s[d], 0);
      return affineGather(
        b,
        x,
        out,
        offset,
        s.map((v, d) => (axes.includes(d) ? -v : v)),
      );
    },
    Pad: ([x], { paddings, value }, out) => pad(b, x, paddings, value, out),
    Concat: (inputs, { axis }, out) => concat(b, inputs, axis, out),
  };
}
