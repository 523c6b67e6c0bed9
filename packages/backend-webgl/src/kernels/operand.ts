/**
 * How an elementwise shader reads input K at the current output element: directly at `idx` when
 * the input has the output's shape, else through broadcast strides over the output multi-index.
 */
import type { Shape, TensorInfo } from '@tapeflow/core';
import { rankOf, type Uniforms } from '../backend.js';
import { broadcastStrides, stridedIndex } from '../shader.js';

export interface Operand {
  expr: string;
  decls: string;
  uniforms: Uniforms;
}

export function operand(k: number, x: TensorInfo, outShape: Shape): Operand {
  if (isSameLayout(x.shape, outShape)) {
    return { expr: `get${k}(idx)`, decls: '', uniforms: {} };
  }
  const R = rankOf(outShape);
  const str = outShape.length ? broadcastStrides(x.shape, R) : [0];
  return { expr: `get${k}(bidx${k}(oc))`, decls: stridedIndex(k, R), uniforms: { [`x${k}Str`]: str, [`x${k}Off`]: 0 } };
}

/** A right-aligned broadcast that only adds leading 1s reads the same flat index. */
function isSameLayout(inShape: Shape, outShape: Shape): boolean {
  const lead = outShape.length - inShape.length;
  return (
    lead >= 0 && outShape.slice(0, lead).every((d) => d === 1) && inShape.every((d, i) => d === outShape[lead + i])
  );
}

/** Merges the operands of several inputs into one shader's declarations and uniforms. */
export function operands(
  inputs: readonly TensorInfo[],
  outShape: Shape,
): { exprs: string[]; decls: string; uniforms: Uniforms } {
  const ops = inputs.map((x, k) => operand(k, x, outShape));
  return {
    exprs: ops.map((o) => o.expr),
    decls: ops.map((o) => o.decls).join(''),
    uniforms: Object.assign({}, ...ops.map((o) => o.uniforms)) as Uniforms,
  };
}

/**
 * Input K read four elements at a time, for a float32 output whose texel t is elements
 * idx = 4t..4t+3 (oc the multi-index of idx): when those four are also one texel of the input
 * (same layout; or broadcast over leading dims only, with the last dim a multiple of 4), or the
 * input is one value. Else null: the kernel runs per element.
 */
export function operand4(k: number, x: TensorInfo, outShape: Shape): Operand | null {
  if (x.dtype !== 'float32') return null;
  if (isSameLayout(x.shape, outShape)) return { expr: `get${k}4(t)`, decls: '', uniforms: {} };
  if (x.shape.every((d) => d === 1)) return { expr: `vec4(get${k}(0))`, decls: '', uniforms: {} };
  const last = outShape[outShape.length - 1];
  if (!outShape.length || last % 4 !== 0 || x.shape[x.shape.length - 1] !== last) return null;
  const o = operand(k, x, outShape);
  return { ...o, expr: `get${k}4(bidx${k}(oc) >> 2)` };
}

/** operand4 of every input, or null if one of them cannot be read four at a time. */
export function operands4(
  inputs: readonly TensorInfo[],
  outShape: Shape,
): { exprs: string[]; decls: string; uniforms: Uniforms } | null {
  const ops = inputs.map((x, k) => operand4(k, x, outShape));
  if (ops.some((o) => o === null)) return null;
  const all = ops as Operand[];
  return {
    exprs: all.map((o) => o.expr),
    decls: all.map((o) => o.decls).join(''),
    uniforms: Object.assign({}, ...all.map((o) => o.uniforms)) as Uniforms,
  };
}
