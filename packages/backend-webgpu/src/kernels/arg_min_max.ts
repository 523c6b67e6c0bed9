/** ArgMax and ArgMin: each invocation scans its run along the axis (x seen as [outer, dim, inner]). */
import { sizeOf, type KernelTable, type OutInfo, type TensorInfo } from '@tapeflow/core';
import type { WebGPUBackend } from '../backend.js';

function argReduce(b: WebGPUBackend, cmp: '>' | '<') {
  return ([x]: [TensorInfo], { axis }: { axis: number }, out: OutInfo) => {
    const isFloat = x.dtype === 'float32';
    // Floats compare through fkey (exact for subnormals); the first NaN met is the answer.
    const step = isFloat
      ? `if (isnan_(v)) { at = i; break; }\n    if (fkey(v) ${cmp} fkey(best)) { best = v; at = i; }`
      : `if (v ${cmp} best) { best = v; at = i; }`;
    const body = `let dim = mt[1]; let inner = mt[2];
  let o = idx / inner;
  let base = o * dim * inner + (idx - o * inner);
  var best = x0[base];
  var at = 0;
  for (var i = 1; i < dim${isFloat ? ' && !isnan_(best)' : ''}; i++) {
    let v = x0[base + i * inner];
    ${step}
  }
  y0[idx] = at;`;
    return b.run1({ inputs: [x], outs: [out], body, meta: [x.shape[axis], sizeOf(x.shape.slice(axis + 1))] });
  };
}

export function argMinMaxKernels(b: WebGPUBackend): Pick<KernelTable, 'ArgMax' | 'ArgMin'> {
  return { ArgMax: argReduce(b, '>'), ArgMin: argReduce(b, '<') };
}
