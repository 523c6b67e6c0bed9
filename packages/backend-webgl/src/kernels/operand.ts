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
