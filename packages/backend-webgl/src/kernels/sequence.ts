/** ReverseSequence: reads each row's length (int32, exact in R32I) from a texture. */
import type { KernelTable } from '@tapeflow/core';
import { rankOf, type WebGLBackend } from '../backend.js';
import { strides } from '../shader.js';

export function sequenceKernels(b: WebGLBackend): Pick<KernelTable, 'ReverseSequence'> {
  return {
    // Lengths beyond the axis are clamped to it (TF rejects them; we never read out of range).
    ReverseSequence: ([x, lens], { seqAxis, batchAxis }, out) => {
      const R = rankOf(out.shape);
      return b.run({
        inputs: [x, lens],
        out,
        decls: `uniform int seqAxis;\nuniform int batchAxis;\nuniform int xStr[${R}];\n`,
        body: `int len = clamp(get1(oc[batchAxis]), 0, outShape[seqAxis]);
  int t = oc[seqAxis];
  int src = t < len ? len - 1 - t : t;
  int j = 0;
  for (int d = 0; d < ${R}; d++) j += (d == seqAxis ? src : oc[d]) * xStr[d];
  res = get0(j);`,
        uniforms: { seqAxis, batchAxis, xStr: strides(x.shape) },
      });
    },
  };
}
