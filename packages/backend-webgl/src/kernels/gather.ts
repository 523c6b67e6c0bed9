/**
 * Gather and its gradient UnsortedSegmentSum: kernels that read int32 indices from a texture.
 * Indices are exact (R32I), so they are right over the whole int32 range.
 */
import type { KernelTable } from '@tapeflow/core';
import type { WebGLBackend } from '../backend.js';

export function gatherKernels(b: WebGLBackend): Pick<KernelTable, 'Gather' | 'UnsortedSegmentSum'> {
  return {
    // x seen as [outer, dim, inner], out as [outer, n, inner]; out-of-range indices give 0.
    Gather: ([x, indices], { axis }, out) => {
      const dim = x.shape[axis];
      const inner = x.shape.slice(axis + 1).reduce((p, d) => p * d, 1);
      const T = out.dtype === 'float32' ? 'float' : 'int';
      return b.run({
        inputs: [x, indices],
        out,
        decls: 'uniform int n;\nuniform int dim;\nuniform int inner;\n',
        body: `int o = idx / (n * inner);
  int r = idx - o * (n * inner);
  int i = r / inner;
  r -= i * inner;
  int j = get1(i);
  res = j < 0 || j >= dim ? ${T}(0) : get0((o * dim + j) * inner + r);`,
        uniforms: { n: indices.shape[0], dim, inner },
      });
    },
    // out[s, r] = sum of x[i, r] over i with ids[i] == s: each texel scans the ids.
    UnsortedSegmentSum: ([x, ids], _attrs, out) => {
      const inner = x.shape.slice(1).reduce((p, d) => p * d, 1);
      const T = out.dtype === 'float32' ? 'float' : 'int';
      return b.run({
        inputs: [x, ids],
        out,
        decls: 'uniform int numIds;\nuniform int inner;\n',
        body: `int s = idx / inner;
  int r = idx - s * inner;
  ${T} acc = ${T}(0);
  for (int i = 0; i < numIds; i++) {
    if (get1(i) == s) acc += get0(i * inner + r);
  }
  res = acc;`,
        uniforms: { numIds: ids.shape[0], inner },
      });
    },
  };
}
