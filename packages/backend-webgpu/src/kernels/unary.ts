/** Elementwise unary kernels and Cast: one WGSL expression over `x` each. */
import type { DType, KernelTable, OutInfo, TensorInfo } from '@tapeflow/core';
import type { WebGPUBackend } from '../backend.js';

type UnaryName = 'Neg' | 'Abs' | 'Exp' | 'Log' | 'Sqrt' | 'Tanh' | 'Sigmoid' | 'Relu' | 'LogicalNot';

/** float32: out-of-domain and NaN results spelled out to match IEEE / JS Math (WGSL leaves them undefined). */
const FLOAT: Record<UnaryName, string> = {
  // Sign-bit edits rather than arithmetic, so subnormals survive (GPU arithmetic flushes them).
  Neg: 'bitcast<f32>(bitcast<u32>(x) ^ 0x80000000u)',
  Abs: 'bitcast<f32>(bitcast<u32>(x) & 0x7fffffffu)',
  Exp: 'exp(x)',
  Log: 'select(select(log(x), -inf_(), x == 0.0), nan_(), x < 0.0)',
  Sqrt: 'select(sqrt(x), nan_(), x < 0.0)',
  Tanh: 'tanh_(x)',
  Sigmoid: 'sig_(x)',
  Relu: 'select(x, 0.0, bitcast<i32>(x) < 0)',
  LogicalNot: '1.0 - x',
};

/** int32 and bool: i32 arithmetic wraps like Int32Array. */
const INT: Partial<Record<UnaryName, string>> = {
  Neg: '-x',
  Abs: 'select(x, -x, x < 0)',
  Relu: 'max(x, 0)',
  LogicalNot: '1u - x',
};

/** A kernel computing `floatExpr` or `intExpr` of `x` per element; `decls` may define helpers. */
export function elementwise(b: WebGPUBackend, name: string, floatExpr: string, intExpr?: string, decls?: string) {
  return ([x]: [TensorInfo], _attrs: unknown, out: OutInfo) => {
    const isFloat = x.dtype === 'float32';
    const expr = isFloat ? floatExpr : intExpr;
    if (!expr) throw new TypeError(`webgpu: ${name} has no ${x.dtype} kernel`);
    // NaN in, NaN out, checked first: comparisons and max() may not see NaN.
    const body = isFloat
      ? `let x = x0[idx];\n  y0[idx] = select(${expr}, x, isnan_(x));`
      : `let x = x0[idx];\n  y0[idx] = ${expr};`;
    return b.run1({ inputs: [x], outs: [out], body, decls });
  };
}

const unary = (b: WebGPUBackend, name: UnaryName) => elementwise(b, name, FLOAT[name], INT[name]);

/** float -> int32 follows JS ToInt32 (truncate, wrap modulo 2^32, NaN and ±Inf -> 0), as Int32Array stores do. */
const FLOAT_TO_INT = `let x = x0[idx];
  var r = 0;
  if (isnan_(x) || isinf_(x)) { r = 0; }
  else if (abs(x) < 2147483648.0) { r = i32(trunc(x)); }
  else {
    // |x| >= 2^31 is an integer; reduce it modulo 2^32 exactly (powers of two scale exactly).
    let m = x - 4294967296.0 * floor(x / 4294967296.0);
    r = i32(select(m, m - 4294967296.0, m >= 2147483648.0));
  }
  y0[idx] = r;`;

function castBody(from: DType, to: DType): string {
  const f = from === 'float32';
  // Bits, not `!= 0.0`: a subnormal is nonzero although the GPU compares it equal to 0.
  if (to === 'bool')
    return f ? 'y0[idx] = u32((bitcast<u32>(x0[idx]) & 0x7fffffffu) != 0u);' : 'y0[idx] = u32(x0[idx] != 0);';
  if (to === 'float32') return f ? 'y0[idx] = x0[idx];' : 'y0[idx] = f32(x0[idx]);';
  if (f) return FLOAT_TO_INT;
  return from === 'bool' ? 'y0[idx] = i32(x0[idx]);' : 'y0[idx] = x0[idx];';
}

export function unaryKernels(b: WebGPUBackend): Pick<KernelTable, UnaryName | 'Cast'> {
  return {
    Neg: unary(b, 'Neg'),
    Abs: unary(b, 'Abs'),
    Exp: unary(b, 'Exp'),
    Log: unary(b, 'Log'),
    Sqrt: unary(b, 'Sqrt'),
    Tanh: unary(b, 'Tanh'),
    Sigmoid: unary(b, 'Sigmoid'),
    Relu: unary(b, 'Relu'),
    LogicalNot: unary(b, 'LogicalNot'),
    Cast: ([x], { dtype }, out) => b.run1({ inputs: [x], outs: [out], body: castBody(x.dtype, dtype) }),
  };
}
