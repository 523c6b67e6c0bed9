/**
 * Concat: one copy per input into its slab of the output (a strided write: the input's shape
 * is the iteration space, the output's strides and the slab's start place it).
 */
import { stridesOf, sizeOf, type KernelTable } from '@tapeflow/core';
import type { GpuData, WebGPUBackend } from '../backend.js';
import { reads } from './operand.js';

export function concatKernels(b: WebGPUBackend): Pick<KernelTable, 'Concat'> {
  return {
    Concat: (inputs, { axis }, out) => {
      const os = stridesOf(out.shape);
      const y = b.allocate(out);
      let start = 0;
      for (const x of inputs) {
        const n = sizeOf(x.shape);
        if (n > 0) {
          const r = reads([{ str: stridesOf(x.shape), off: 0 }], x.shape, { str: os, off: start * os[axis] });
          b.run({ inputs: [x], outs: [y], threads: n, body: `${r.prelude}  y0[oidx] = ${r.exprs[0]};`, meta: r.meta });
        }
        start += x.shape[axis];
      }
      return y;
    },
  };
}
