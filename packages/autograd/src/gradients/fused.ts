/**
 * Fused kernels. LSTMBlock's gradient is the chain rule through its composed definition
 * (kernels.ts), written with ops so it can be differentiated again.
 */
import { add, concat, mul, sigmoid, split, square, sub, tanh } from '@tapeflow/core';
import type { FusedGradTable } from './types.js';

export const fusedGrads: FusedGradTable = {
  LSTMBlock: {
    saveInputs: true,
    saveOutputs: true,
    grad: ([dcNext, dh], { inputs: [gates, c], outputs: [cNext], attrs: { forgetBias } }) => {
      const [i, j, f, o] = split(gates, 4, 1);
      const si = sigmoid(i), tj = tanh(j), sf = sigmoid(add(f, forgetBias)), so = sigmoid(o);
      const tc = tanh(cNext);
      // h' = tanh(c') * sig(o): dh reaches c' through tanh, joining the c' gradient from the next step.
      const dc = add(dcNext, mul(mul(dh, so), sub(1, square(tc))));
      const sigmoidGrad = (s: typeof si) => mul(s, sub(1, s));
      return [
        () => concat([
          mul(mul(dc, tj), sigmoidGrad(si)),
          mul(mul(dc, si), sub(1, square(tj))),
          mul(mul(dc, c), sigmoidGrad(sf)),
          mul(mul(dh, tc), sigmoidGrad(so)),
        ], 1),
        () => mul(dc, sf),
      ];
    },
  },
};
