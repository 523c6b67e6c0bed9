/**
 * BatchMatMul: out[n, i, j] = sum_l A[n, i, l] * B[n, l, j], one texel per output element
 * looping over the shared dimension. Transposes are strides, never copies; a batch of 1
 * broadcasts through a batch stride of 0.
 */
import type { KernelTable } from '@tapeflow/core';
import type { WebGLBackend } from '../backend.js';

export function matmulKernels(b: WebGLBackend): Pick<KernelTable, 'BatchMatMul'> {
  return {
    BatchMatMul: ([x, y], { transposeA, transposeB }, out) => {
      const [, m, n] = out.shape;
      const k = transposeA ? x.shape[1] : x.shape[2];
      const T = out.dtype === 'float32' ? 'float' : 'int';
      return b.run({
        inputs: [x, y], out,
        decls: 'uniform int K;\nuniform int aBatch;\nuniform int aRow;\nuniform int aCol;\n' +
          'uniform int bBatch;\nuniform int bRow;\nuniform int bCol;\n',
        body: `int ia = oc[0] * aBatch + oc[1] * aRow;
  int ib = oc[0] * bBatch + oc[2] * bCol;
  ${T} acc = ${T}(0);
  for (int l = 0; l < K; l++) {
    acc += get0(ia) * get1(ib);
    ia += aCol;
    ib += bRow;
  }
  res = acc;`,
        uniforms: {
          K: k,
          // A element (i, l) sits at i*aRow + l*aCol; B element (l, j) at l*bRow + j*bCol.
          aBatch: x.shape[0] === 1 ? 0 : m * k, aRow: transposeA ? 1 : k, aCol: transposeA ? m : 1,
          bBatch: y.shape[0] === 1 ? 0 : k * n, bRow: transposeB ? 1 : n, bCol: transposeB ? k : 1,
        },
      });
    },
  };
}
