/**
 * Elementwise binary kernels and Where; inputs broadcast to the output shape (operand.ts).
 * Float results follow JS/IEEE where WGSL leaves them undefined (NaN propagation, pow of
 * negatives and zero); int32 arithmetic wraps like Int32Array; int32 Div floors (x / 0 is 0).
 */
import type { BinaryKernelName, KernelTable, OutInfo, TensorInfo } from '@tapeflow/core';
import type { WebGPUBackend } from '../backend.js';
import { broadcastOperand, reads } from './operand.js';

type BinaryName = BinaryKernelName;

const POWF = `
// JS Math.pow. Small integer exponents multiply (exact to an ulp or two, unlike exp2(b*log2(a))).
fn powf(a: f32, b: f32) -> f32 {
  if (b == 0.0) { return 1.0; }
  if (isnan_(a) || isnan_(b)) { return nan_(); }
  if (isinf_(b)) {
    let m = abs(a);
    if (m == 1.0) { return nan_(); }
    return select(0.0, inf_(), (m > 1.0) == (b > 0.0));
  }
  let intExp = b == floor(b);
  let oddExp = intExp && abs(b) < 16777216.0 && (b - 2.0 * floor(b / 2.0)) == 1.0;
  if (intExp && abs(b) <= 16.0) {
    var r = 1.0; var base = a; var e = i32(abs(b));
    while (e > 0) { if ((e & 1) == 1) { r *= base; } base *= base; e >>= 1u; }
    return select(r, 1.0 / r, b < 0.0);
  }
  if (a == 0.0) {
    let neg = oddExp && bitcast<u32>(a) != 0u;
    let r = select(inf_(), 0.0, b > 0.0);
    return select(r, -r, neg);
  }
  if (a < 0.0) {
    if (!intExp) { return nan_(); }
    let r = select(exp2(b * log2(-a)), select(0.0, inf_(), b > 0.0), isinf_(a));
    return select(r, -r, oddExp);
  }
  if (isinf_(a)) { return select(0.0, inf_(), b > 0.0); }
  return exp2(b * log2(a));
}
`;

const INT_FUNCS = `
fn floordiv(a: i32, b: i32) -> i32 {
  if (b == 0) { return 0; }
  let q = a / b;
  return select(q, q - 1, (a % b != 0) && ((a < 0) != (b < 0)));
}
// Integer power by squaring (wraps like int32); negative exponents truncate 1/a^|b| toward 0.
fn powi(a: i32, b: i32) -> i32 {
  if (b < 0) { return select(select(0, select(1, -1, (b & 1) == 1), a == -1), 1, a == 1); }
  var r = 1; var base = a; var e = b;
  while (e > 0) { if ((e & 1) == 1) { r *= base; } base *= base; e >>= 1u; }
  return r;
}
`;

const cmp = (op: string): string => `u32(!isnan_(a) && !isnan_(b) && fkey(a) ${op} fkey(b))`;
const FLOAT: Record<BinaryName, string> = {
  Add: 'a + b',
  Sub: 'a - b',
  Mul: 'a * b',
  Div: 'a / b',
  Pow: 'powf(a, b)',
  Maximum: 'select(select(b, a, fkey(a) > fkey(b)), nan_(), isnan_(a) || isnan_(b))',
  Minimum: 'select(select(b, a, fkey(a) < fkey(b)), nan_(), isnan_(a) || isnan_(b))',
  Greater: cmp('>'),
  GreaterEqual: cmp('>='),
  Less: cmp('<'),
  LessEqual: cmp('<='),
  Equal: cmp('=='),
  LogicalAnd: 'u32(a != 0.0 && b != 0.0)',
};
const INT: Record<BinaryName, string> = {
  Add: 'a + b',
  Sub: 'a - b',
  Mul: 'a * b',
  Div: 'floordiv(a, b)',
  Pow: 'powi(a, b)',
  Maximum: 'max(a, b)',
  Minimum: 'min(a, b)',
  Greater: 'u32(a > b)',
  GreaterEqual: 'u32(a >= b)',
  Less: 'u32(a < b)',
  LessEqual: 'u32(a <= b)',
  Equal: 'u32(a == b)',
  LogicalAnd: 'u32(a != 0 && b != 0)',
};
// bool operands (u32) reach only comparisons, max/min and LogicalAnd.
const BOOL: Partial<Record<BinaryName, string>> = {
  Maximum: 'max(a, b)',
  Minimum: 'min(a, b)',
  Greater: INT.Greater,
  GreaterEqual: INT.GreaterEqual,
  Less: INT.Less,
  LessEqual: INT.LessEqual,
  Equal: INT.Equal,
  LogicalAnd: 'u32(a != 0u && b != 0u)',
};

function binary(b: WebGPUBackend, name: BinaryName) {
  return ([x, y]: [TensorInfo, TensorInfo], _attrs: unknown, out: OutInfo) => {
    const r = reads([broadcastOperand(x, out.shape), broadcastOperand(y, out.shape)], out.shape);
    const table = x.dtype === 'float32' ? FLOAT : x.dtype === 'bool' ? BOOL : INT;
    const expr = table[name];
    if (!expr) throw new TypeError(`webgpu: ${name} has no ${x.dtype} kernel`);
    const body = `${r.prelude}  let a = ${r.exprs[0]};\n  let b = ${r.exprs[1]};\n  y0[idx] = ${expr};`;
    const decls = x.dtype === 'float32' ? (name === 'Pow' ? POWF : '') : INT_FUNCS;
    return b.run1({ inputs: [x, y], outs: [out], decls, body, meta: r.meta });
  };
}

export function binaryKernels(b: WebGPUBackend): Pick<KernelTable, BinaryName | 'Where'> {
  return {
    Add: binary(b, 'Add'),
    Sub: binary(b, 'Sub'),
    Mul: binary(b, 'Mul'),
    Div: binary(b, 'Div'),
    Pow: binary(b, 'Pow'),
    Maximum: binary(b, 'Maximum'),
    Minimum: binary(b, 'Minimum'),
    Greater: binary(b, 'Greater'),
    GreaterEqual: binary(b, 'GreaterEqual'),
    Less: binary(b, 'Less'),
    LessEqual: binary(b, 'LessEqual'),
    Equal: binary(b, 'Equal'),
    LogicalAnd: binary(b, 'LogicalAnd'),
    Where: (inputs, _attrs, out) => {
      const r = reads(
        inputs.map((x) => broadcastOperand(x, out.shape)),
        out.shape,
      );
      const body = `${r.prelude}  y0[idx] = select(${r.exprs[2]}, ${r.exprs[1]}, ${r.exprs[0]} != 0u);`;
      return b.run1({ inputs, outs: [out], body, meta: r.meta });
    },
  };
}
