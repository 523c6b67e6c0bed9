/**
 * Operands of elementwise shaders. An input is read at flat index
 * off + sum(c[d] * str[d]) of the output multi-index c, with strides that broadcast (0),
 * permute (Transpose), or run backwards (Reverse). Two cheaper classes are baked into the
 * source instead: 'flat' (same layout as the output: x[idx]) and 'scalar' (every stride 0).
 * The general class decomposes idx once for all operands.
 */
import { stridesOf, type Shape, type TensorInfo } from '@tapeflow/core';
import { broadcastStrides } from '../wgsl.js';

export interface Operand {
  str: readonly number[];
  off: number;
}

export const broadcastOperand = (x: TensorInfo, outShape: Shape): Operand => ({
  str: broadcastStrides(x.shape, outShape.length),
  off: 0,
});

export interface Reads {
  /** WGSL expression of operand k's element at the output's `idx`. */
  exprs: string[];
  /** Statements computing the strided indices (before the expressions are used). */
  prelude: string;
  /** Meta words after the thread count. */
  meta: number[];
}

/**
 * Reads of `ops` over an iteration space of shape `shape`; `write` (if given) is a strided
 * output index too, then `oidx` holds it. Meta layout: shape[R], then per strided operand str[R], off.
 */
export function reads(ops: readonly Operand[], shape: Shape, write?: Operand): Reads {
  const R = shape.length;
  const contiguous = stridesOf(shape);
  const all = write ? [...ops, write] : [...ops];
  const meta: number[] = [...shape];
  const strided: number[] = [];
  const kinds = all.map((o, k) => {
    if (o.str.every((s) => s === 0)) return 'scalar';
    if (o.off === 0 && o.str.every((s, d) => s === contiguous[d] || shape[d] === 1)) return 'flat';
    strided.push(k);
    return 'strided';
  });
  const base = new Map<number, number>();
  for (const k of strided) {
    base.set(k, 1 + meta.length);
    meta.push(...all[k].str, all[k].off);
  }
  let prelude = '';
  if (strided.length) {
    const names = strided.map((k) => `j${k}`);
    prelude = `var rest = idx;\n  ${names.map((n, i) => `var ${n} = mt[${base.get(strided[i])! + R}];`).join(' ')}\n`;
    for (let d = R - 1; d >= 0; d--) {
      prelude +=
        `  { let s = mt[${1 + d}]; let c = rest % s; rest = rest / s; ` +
        strided.map((k) => `j${k} += c * mt[${base.get(k)! + d}];`).join(' ') +
        ' }\n';
    }
  }
  // A scalar operand's offset (0, or a Slice start) is a meta word, so sources do not vary with it.
  const scalarOff = new Map<number, number>();
  all.forEach((o, k) => {
    if (kinds[k] === 'scalar') {
      scalarOff.set(k, 1 + meta.length);
      meta.push(o.off);
    }
  });
  const at = (k: number): string =>
    kinds[k] === 'scalar' ? `mt[${scalarOff.get(k)}]` : kinds[k] === 'flat' ? 'idx' : `j${k}`;
  if (write) prelude += `  let oidx = ${at(ops.length)};\n`;
  return { exprs: ops.map((_, k) => `x${k}[${at(k)}]`), prelude, meta };
}
