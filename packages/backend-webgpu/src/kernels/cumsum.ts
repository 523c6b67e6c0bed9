/** Cumsum: each invocation sums its prefix (or suffix, for reverse) along the axis. */
import { sizeOf, type KernelTable } from '@tapeflow/core';
import type { WebGPUBackend } from '../backend.js';
import { wgslType } from '../wgsl.js';

export function cumsumKernels(b: WebGPUBackend): Pick<KernelTable, 'Cumsum'> {
  return {
    // x seen as [outer, dim, inner]; element (o, t, c) sums i in [lo, hi) along dim.
    Cumsum: ([x], { axis, exclusive, reverse }, out) => {
      const range = reverse
        ? `let lo = t + ${exclusive ? 1 : 0}; let hi = dim;`
        : `let lo = 0; let hi = t + ${exclusive ? 0 : 1};`;
      const body = `let dim = mt[1]; let inner = mt[2];
  let o = idx / (dim * inner);
  let r = idx - o * dim * inner;
  let t = r / inner;
  let base = o * dim * inner + (r - t * inner);
  ${range}
  var s = ${wgslType(x.dtype)}(0);
  for (var i = lo; i < hi; i++) { s += x0[base + i * inner]; }
  y0[idx] = s;`;
      return b.run1({ inputs: [x], outs: [out], body, meta: [x.shape[axis], sizeOf(x.shape.slice(axis + 1))] });
    },
  };
}
