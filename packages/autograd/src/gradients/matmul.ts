/**
 * y = op(a) @ op(b), with op = transpose when the flag is set. The four cases are the same
 * identity, dA = dY Bᵀ and dB = Aᵀ dY, with the transposes moved into matmul's flags.
 */
import { matmul } from '@tapeflow/core';
import type { GradTable } from './types.js';
import { unbroadcast } from './util.js';

export const matmulGrads: Pick<GradTable, 'BatchMatMul'> = {
  BatchMatMul: {
    saveInputs: true,
    grad: (dy, { inputs: [a, b], attrs: { transposeA: tA, transposeB: tB } }) => [
      // A batch of 1 against a batch of n was broadcast: its gradient sums the n products.
      () =>
        unbroadcast(
          tA
            ? tB
              ? matmul(b, dy, true, true)
              : matmul(b, dy, false, true)
            : tB
              ? matmul(dy, b)
              : matmul(dy, b, false, true),
          a.shape,
        ),
      () =>
        unbroadcast(
          tB
            ? tA
              ? matmul(dy, a, true, true)
              : matmul(dy, a, true, false)
            : tA
              ? matmul(a, dy)
              : matmul(a, dy, true, false),
          b.shape,
        ),
    ],
  },
};
