/**
 * Elementwise binary kernels and Where. Inputs broadcast to the output shape inside the shader
 * (see operand.ts). Float results follow JS/IEEE semantics where GLSL leaves them undefined
 * (NaN propagation, pow of negatives and zero); int32 arithmetic is exact and wraps like Int32Array.
 */
import type { BinaryKernelName, KernelTable, OutInfo, TensorInfo } from '@tapeflow/core';
import type { WebGLBackend } from '../backend.js';
import { operands, operands4 } from './operand.js';

type BinaryName = BinaryKernelName;

const FLOAT_FUNCS = `
// JS Math.pow. Small integer exponents multiply (exact to an ulp or two, unlike exp2(b*log2(a))).
float powf(float a, float b) {
  if (b == 0.0) return 1.0;
  if (isnan_(a) || isnan_(b)) return nan_();
  if (isinf(b)) {
    float m = abs(a);
    if (m == 1.0) return nan_();
    return (m > 1.0) == (b > 0.0) ? inf_() : 0.0;
  }
  bool intExp = b == floor(b);
  bool oddExp = intExp && abs(b) < 16777216.0 && mod(b, 2.0) == 1.0;
  if (intExp && abs(b) <= 16.0) {
    float r = 1.0, base = a;
    int e = int(abs(b));
    while (e > 0) { if ((e & 1) == 1) r *= base; base *= base; e >>= 1; }
    return b < 0.0 ? 1.0 / r : r;
  }
  if (a == 0.0) {
    bool neg = oddExp && floatBitsToUint(a) != 0u;
    float r = b > 0.0 ? 0.0 : inf_();
    return neg ? -r : r;
  }
  if (a < 0.0) {
    if (!intExp) return nan_();
    float r = isinf(a) ? (b > 0.0 ? inf_() : 0.0) : exp2(b * log2(-a));
    return oddExp ? -r : r;
  }
  if (isinf(a)) return b > 0.0 ? inf_() : 0.0;
  return exp2(b * log2(a));
}
`;

const INT_FUNCS = `
// Floor division; GLSL leaves / and % of negative ints undefined, so divide magnitudes.
int floordiv(int a, int b) {
  if (b == 0) return 0;
  int ua = abs(a), ub = abs(b);
  int q = ua / ub;
  if ((a < 0) == (b < 0)) return q;
  return ua - q * ub == 0 ? -q : -q - 1;
}
// Integer power by squaring (wraps like int32); negative exponents truncate 1/a^|b| toward 0.
int powi(int a, int b) {
  if (b < 0) return a == 1 ? 1 : a == -1 ? ((b & 1) == 1 ? -1 : 1) : 0;
  int r = 1, base = a, e = b;
  while (e > 0) { if ((e & 1) == 1) r *= base; base *= base; e >>= 1; }
  return r;
}
`;

// Comparisons, max and min go through fkey so subnormals compare exactly; NaN compares false.
const FLOAT: Record<BinaryName, string> = {
  Add: 'a + b',
  Sub: 'a - b',
  Mul: 'a * b',
  Div: 'a / b',
  Pow: 'powf(a, b)',
  Maximum: 'isnan_(a) || isnan_(b) ? nan_() : fkey(a) > fkey(b) ? a : b',
  Minimum: 'isnan_(a) || isnan_(b) ? nan_() : fkey(a) < fkey(b) ? a : b',
  Greater: 'int(!isnan_(a) && !isnan_(b) && fkey(a) > fkey(b))',
  GreaterEqual: 'int(!isnan_(a) && !isnan_(b) && fkey(a) >= fkey(b))',
  Less: 'int(!isnan_(a) && !isnan_(b) && fkey(a) < fkey(b))',
  LessEqual: 'int(!isnan_(a) && !isnan_(b) && fkey(a) <= fkey(b))',
  Equal: 'int(!isnan_(a) && !isnan_(b) && fkey(a) == fkey(b))',
  LogicalAnd: 'int(a != 0.0 && b != 0.0)',
};

const INT: Record<BinaryName, string> = {
  Add: 'a + b',
  Sub: 'a - b',
  Mul: 'a * b',
  Div: 'floordiv(a, b)',
  Pow: 'powi(a, b)',
  Maximum: 'max(a, b)',
  Minimum: 'min(a, b)',
  Greater: 'int(a > b)',
  GreaterEqual: 'int(a >= b)',
  Less: 'int(a < b)',
  LessEqual: 'int(a <= b)',
  Equal: 'int(a == b)',
  LogicalAnd: 'int(a != 0 && b != 0)',
};

/** The arithmetic that reads the same on vec4s, four elements per fragment (IEEE per component). */
const FLOAT4: Partial<Record<BinaryName, string>> = { Add: 'a + b', Sub: 'a - b', Mul: 'a * b', Div: 'a / b' };

function binary(b: WebGLBackend, name: BinaryName) {
  return ([x, y]: [TensorInfo, TensorInfo], _attrs: unknown, out: OutInfo) => {
    const isFloat = x.dtype === 'float32';
    const four = isFloat && FLOAT4[name] ? operands4([x, y], out.shape) : null;
    if (four) {
      const body4 = `vec4 a = ${four.exprs[0]};\n  vec4 b = ${four.exprs[1]};\n  res = ${FLOAT4[name]};`;
      return b.run({ inputs: [x, y], out, decls: four.decls, body4, uniforms: four.uniforms });
    }
    const T = isFloat ? 'float' : 'int';
    const ops = operands([x, y], out.shape);
    const body = `${T} a = ${ops.exprs[0]};\n  ${T} b = ${ops.exprs[1]};\n  res = ${isFloat ? FLOAT[name] : INT[name]};`;
    const decls = (isFloat ? (name === 'Pow' ? FLOAT_FUNCS : '') : INT_FUNCS) + ops.decls;
    return b.run({ inputs: [x, y], out, decls, body, uniforms: ops.uniforms });
  };
}

export function binaryKernels(b: WebGLBackend): Pick<KernelTable, BinaryName | 'Where'> {
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
      const ops = operands(inputs, out.shape);
      const T = out.dtype === 'float32' ? 'float' : 'int';
      const body = `res = ${ops.exprs[0]} != 0 ? ${T}(${ops.exprs[1]}) : ${T}(${ops.exprs[2]});`;
      return b.run({ inputs, out, decls: ops.decls, body, uniforms: ops.uniforms });
    },
  };
}
