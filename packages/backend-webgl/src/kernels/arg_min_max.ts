/** ArgMax and ArgMin: each output texel scans its run along the axis (x seen as [outer, dim, inner]). */
import type { KernelTable, OutInfo, TensorInfo } from '@tapeflow/core';
import type { WebGLBackend } from '../backend.js';

function argReduce(b: WebGLBackend, cmp: '>' | '<') {
  return ([x]: [TensorInfo], { axis }: { axis: number }, out: OutInfo) => {
    const dim = x.shape[axis];
    const inner = x.shape.slice(axis + 1).reduce((p, d) => p * d, 1);
    const isFloat = x.dtype === 'float32';
    // Floats compare through fkey (exact for subnormals); the first NaN met is the answer.
    const step = isFloat
      ? `if (isnan_(v)) { at = i; break; }\n    if (fkey(v) ${cmp} fkey(best)) { best = v; at = i; }`
      : `if (v ${cmp} best) { best = v; at = i; }`;
    return b.run({
      inputs: [x],
      out,
      decls: 'uniform int dim;\nuniform int inner;\n',
      body: `int o = idx / inner;
  int base = o * dim * inner + (idx - o * inner);
  ${isFloat ? 'float' : 'int'} best = get0(base);
  int at = 0;
  for (int i = 1; i < dim${isFloat ? ' && !isnan_(best)' : ''}; i++) {
    ${isFloat ? 'float' : 'int'} v = get0(base + i * inner);
    ${step}
  }
  res = at;`,
      uniforms: { dim, inner },
    });
  };
}

export function argMinMaxKernels(b: WebGLBackend): Pick<KernelTable, 'ArgMax' | 'ArgMin'> {
  return { ArgMax: argReduce(b, '>'), ArgMin: argReduce(b, '<') };
}
