/** Elementwise unary kernels and Cast. Each is one line of GLSL over `x`. */
import type { DType, KernelTable, TensorInfo, OutInfo } from '@tapeflow/core';
import type { WebGLBackend } from '../backend.js';

type UnaryName = 'Neg' | 'Abs' | 'Exp' | 'Log' | 'Sqrt' | 'Tanh' | 'Sigmoid' | 'Relu' | 'LogicalNot';

/**
 * GLSL for float32 inputs. GLSL leaves NaN handling and out-of-domain results (log of a negative,
 * sqrt of a negative) undefined, so they are spelled out to match IEEE / JS Math.
 */
const FLOAT: Record<UnaryName, string> = {
  // Sign-bit edits rather than arithmetic, so subnormals survive (GPU arithmetic flushes them).
  Neg: 'uintBitsToFloat(floatBitsToUint(x) ^ 0x80000000u)',
  Abs: 'uintBitsToFloat(floatBitsToUint(x) & 0x7fffffffu)',
  Exp: 'exp(x)',
  Log: 'x < 0.0 ? nan_() : x == 0.0 ? -inf_() : log(x)',
  Sqrt: 'x < 0.0 ? nan_() : sqrt(x)',
  // tanh(9) rounds to 1 in float32; beyond that some drivers' exp-based tanh overflows to NaN.
  Tanh: 'abs(x) > 9.0 ? sign(x) : tanh(x)',
  Sigmoid: '1.0 / (1.0 + exp(-x))',
  Relu: 'floatBitsToInt(x) < 0 ? 0.0 : x',
  LogicalNot: '1.0 - x',
};

/** GLSL for int32 (and bool) inputs; highp int arithmetic is exact 32-bit two's complement. */
const INT: Partial<Record<UnaryName, string>> = {
  Neg: '-x',
  Abs: 'abs(x)',
  Relu: 'max(x, 0)',
  LogicalNot: '1 - x',
};

/** A kernel computing `floatExpr` or `intExpr` of `x` per element; `decls` may define helpers. */
export function elementwise(b: WebGLBackend, name: string, floatExpr: string, intExpr?: string, decls?: string) {
  return ([x]: [TensorInfo], _attrs: unknown, out: OutInfo) => {
    const isFloat = x.dtype === 'float32';
    const expr = isFloat ? floatExpr : intExpr;
    if (!expr) throw new TypeError(`webgl: ${name} has no ${x.dtype} kernel`);
    // NaN in, NaN out: checked first because comparisons and max() are unreliable on NaN.
    const body = isFloat
      ? `float x = get0(idx);\n  res = isnan_(x) ? x : (${expr});`
      : `int x = get0(idx);\n  res = ${expr};`;
    return b.run({ inputs: [x], out, body, decls });
  };
}

const unary = (b: WebGLBackend, name: UnaryName) => elementwise(b, name, FLOAT[name], INT[name]);

/** float -> int32 follows JS's ToInt32 (truncate, wrap modulo 2^32, NaN and ±Inf -> 0), as Int32Array stores do. */
const FLOAT_TO_INT = `float x = get0(idx);
  if (isnan_(x) || isinf(x)) { res = 0; }
  else if (abs(x) < 2147483648.0) { res = int(trunc(x)); }
  else {
    // |x| >= 2^31 is an integer; reduce it modulo 2^32 exactly (powers of two scale exactly).
    float m = x - 4294967296.0 * floor(x / 4294967296.0);
    res = int(m >= 2147483648.0 ? m - 4294967296.0 : m);
  }`;

function castBody(from: DType, to: DType): string {
  const f = from === 'float32',
    t = to === 'float32';
  // Bits, not `!= 0.0`: a subnormal is nonzero although the GPU compares it equal to 0.
  if (to === 'bool')
    return f ? 'res = int((floatBitsToUint(get0(idx)) & 0x7fffffffu) != 0u);' : 'res = int(get0(idx) != 0);';
  if (f && t) return 'res = get0(idx);';
  if (f) return FLOAT_TO_INT;
  if (t) return 'res = float(get0(idx));';
  return 'res = get0(idx);'; // int32 <-> bool (bool is 0/1 already)
}

export function unaryKernels(b: WebGLBackend): Pick<KernelTable, UnaryName | 'Cast'> {
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
    Cast: ([x], { dtype }, out) => b.run({ inputs: [x], out, body: castBody(x.dtype, dtype) }),
  };
}
