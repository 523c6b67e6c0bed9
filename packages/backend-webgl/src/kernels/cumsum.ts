/** Cumsum: each output texel sums its prefix (or suffix, for reverse) along the axis. */
import type { KernelTable } from '@tapeflow/core';
import type { WebGLBackend } from '../backend.js';

export function cumsumKernels(b: WebGLBackend): Pick<KernelTable, 'Cumsum'> {
  return {
    // x seen as [outer, dim, inner]; texel (o, t, c) sums i in [lo, hi) along dim.
    Cumsum: ([x], { axis, exclusive, reverse }, out) => {
      const dim = x.shape[axis];
      const inner = x.shape.slice(axis + 1).reduce((p, d) => p * d, 1);
      const T = x.dtype === 'float32' ? 'float' : 'int';
      const range = reverse
        ? `int lo = t + ${exclusive ? 1 : 0};\n  int hi = dim;`
        : `int lo = 0;\n  int hi = t + ${exclusive ? 0 : 1};`;
      return b.run({
        inputs: [x],
        out,
        decls: 'uniform int dim;\nuniform int inner;\n',
        body: `int o = idx / (dim * inner);
  int r = idx - o * dim * inner;
  int t = r / inner;
  int base = o * dim * inner + (r - t * inner);
  ${range}
  ${T} s = ${T}(0);
  for (int i = lo; i < hi; i++) s += get0(base + i * inner);
  res = s;`,
        uniforms: { dim, inner },
      });
    },
  };
}
