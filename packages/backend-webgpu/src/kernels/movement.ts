/**
 * Movement kernels. Transpose, BroadcastTo, Slice and Reverse are one affine gather each: the
 * input's flat index is off + sum(c[d] * str[d]) over output dims, with strides permuted
 * (Transpose), zeroed (BroadcastTo), or negated with the offset at the far end (Reverse).
 * Reshape shares the input's storage: the layout is flat row-major, so nothing moves. Concat is
 * one strided write per input into its slab of the output (the input's shape is the iteration
 * space; the output's strides and the slab's start place it).
 */
import { sizeOf, stridesOf, type KernelTable, type OutInfo, type TensorInfo } from '@tapeflow/core';
import type { GpuData, WebGPUBackend } from '../backend.js';
import { floatBits } from '../wgsl.js';
import { broadcastOperand, reads, type Operand } from './operand.js';

/** out[c] = x[op.off + sum c[d] * op.str[d]]. */
export function affineGather(b: WebGPUBackend, x: TensorInfo, out: OutInfo, op: Operand): GpuData {
  const r = reads([op], out.shape);
  return b.run1({ inputs: [x], outs: [out], body: `${r.prelude}  y0[idx] = ${r.exprs[0]};`, meta: r.meta });
}

/** x transposed by `perm`, as backend storage (reductions use it too). */
export function transposeData(b: WebGPUBackend, x: TensorInfo, perm: readonly number[]): GpuData {
  const s = stridesOf(x.shape);
  return affineGather(
    b,
    x,
    { shape: perm.map((p) => x.shape[p]), dtype: x.dtype },
    { str: perm.map((p) => s[p]), off: 0 },
  );
}

function pad(b: WebGPUBackend, x: TensorInfo, paddings: [number, number][], value: number, out: OutInfo): GpuData {
  const R = out.shape.length;
  const os = stridesOf(out.shape),
    xs = stridesOf(x.shape);
  // meta: outStr[R], before[R], inShape[R], inStr[R], value
  const meta = [
    ...os,
    ...paddings.map((p) => p[0]),
    ...x.shape,
    ...xs,
    x.dtype === 'float32' ? floatBits(value) : x.dtype === 'bool' ? (value ? 1 : 0) : Math.trunc(value),
  ];
  const T = x.dtype === 'float32' ? 'f32' : x.dtype === 'bool' ? 'u32' : 'i32';
  const v = x.dtype === 'float32' ? `bitcast<f32>(mt[${1 + 4 * R}])` : `${T}(mt[${1 + 4 * R}])`;
  const body = `var rest = idx;
  var inside = true;
  var j = 0;
  for (var d = 0; d < ${R}; d++) {
    let c = rest / mt[1 + d];
    rest -= c * mt[1 + d];
    let ci = c - mt[${1 + R} + d];
    if (ci < 0 || ci >= mt[${1 + 2 * R} + d]) { inside = false; }
    j += ci * mt[${1 + 3 * R} + d];
  }
  if (inside) { y0[idx] = x0[j]; } else { y0[idx] = ${v}; }`;
  return b.run1({ inputs: [x], outs: [out], body, meta });
}

function concat(b: WebGPUBackend, inputs: TensorInfo[], axis: number, out: OutInfo): GpuData {
  const os = stridesOf(out.shape);
  const y = b.allocate(out);
  let start = 0;
  for (const x of inputs) {
    const n = sizeOf(x.shape);
    if (n > 0) {
      const r = reads([{ str: stridesOf(x.shape), off: 0 }], x.shape, { str: os, off: start * os[axis] });
      b.run({ inputs: [x], outs: [y], threads: n, body: `${r.prelude}  y0[oidx] = ${r.exprs[0]};`, meta: r.meta });
    }
    start += x.shape[axis];
  }
  return y;
}

export function movementKernels(
  b: WebGPUBackend,
): Pick<KernelTable, 'Reshape' | 'Transpose' | 'BroadcastTo' | 'Slice' | 'Pad' | 'Reverse' | 'Concat'> {
  return {
    Reshape: ([x]) => x.dataId,
    Transpose: ([x], { perm }) => transposeData(b, x, perm),
    BroadcastTo: ([x], _attrs, out) => affineGather(b, x, out, broadcastOperand(x, out.shape)),
    Slice: ([x], { begin }, out) => {
      const s = stridesOf(x.shape);
      return affineGather(b, x, out, { str: s, off: begin.reduce((n, v, d) => n + v * s[d], 0) });
    },
    Pad: ([x], { paddings, value }, out) => pad(b, x, paddings, value, out),
    Reverse: ([x], { axes }, out) => {
      const s = stridesOf(x.shape);
      const off = axes.reduce((n, d) => n + (x.shape[d] - 1) * s[d], 0);
      return affineGather(b, x, out, { str: s.map((v, d) => (axes.includes(d) ? -v : v)), off });
    },
    Concat: (inputs, { axis }, out) => concat(b, inputs, axis, out),
  };
}
