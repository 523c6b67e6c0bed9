/** Gather along an axis and its gradient UnsortedSegmentSum. */
import { sizeOf, type KernelTable } from '@tapeflow/core';
import type { WebGPUBackend } from '../backend.js';
import { wgslType } from '../wgsl.js';

export function indexKernels(b: WebGPUBackend): Pick<KernelTable, 'Gather' | 'UnsortedSegmentSum'> {
  return {
    // out[o, i, r] = x[o, indices[i], r] over (outer, gathered, inner) views.
    Gather: ([x, indices], { axis }, out) => {
      const inner = sizeOf(x.shape.slice(axis + 1));
      const n = indices.shape[0];
      const body = `let inner = mt[1]; let n = mt[2];
  let r = idx % inner;
  let i = (idx / inner) % n;
  let o = idx / (inner * n);
  y0[idx] = x0[(o * mt[3] + x1[i]) * inner + r];`;
      return b.run1({ inputs: [x, indices], outs: [out], body, meta: [inner, n, x.shape[axis]] });
    },
    // One invocation per output element sums the rows whose id is its segment.
    UnsortedSegmentSum: ([x, ids], { numSegments }, out) => {
      const inner = sizeOf(x.shape.slice(1));
      const T = wgslType(x.dtype);
      const body = `let inner = mt[1];
  let s = idx / inner;
  let r = idx - s * inner;
  var acc = ${T}(0);
  for (var i = 0; i < mt[2]; i++) { if (x1[i] == s) { acc += x0[i * inner + r]; } }
  y0[idx] = acc;`;
      void numSegments;
      return b.run1({ inputs: [x, ids], outs: [out], body, meta: [inner, x.shape[0]] });
    },
  };
}
