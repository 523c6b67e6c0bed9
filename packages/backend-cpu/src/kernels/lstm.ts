/**
 * Fused LSTMBlock: one pass over the gate pre-activations instead of ~10 elementwise kernels.
 * gates [batch, 4u] in TF1 order i, j, f, o; c [batch, u].
 * c' = c * sigmoid(f + forgetBias) + sigmoid(i) * tanh(j);  h' = tanh(c') * sigmoid(o).
 */
import type { FusedKernelTable } from '@tapeflow/core';
import { contiguousOf, makeArray, store } from '../storage.js';

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

const lstmBlock: FusedKernelTable['LSTMBlock'] = ([gates, c], { forgetBias }, outs) => {
  const { data: g, offset: go } = contiguousOf(gates);
  const { data: cs, offset: co } = contiguousOf(c);
  const [batch, units] = c.shape;
  const cNew = makeArray(outs[0].dtype, batch * units);
  const hNew = makeArray(outs[1].dtype, batch * units);
  for (let b = 0; b < batch; b++) {
    const row = go + b * 4 * units;
    for (let u = 0; u < units; u++) {
      const i = sigmoid(g[row + u]);
      const j = Math.tanh(g[row + units + u]);
      const f = sigmoid(g[row + 2 * units + u] + forgetBias);
      const o = sigmoid(g[row + 3 * units + u]);
      const k = b * units + u;
      // h' reads c' after the store has rounded it to the output dtype, as the unfused ops do.
      cNew[k] = cs[co + k] * f + i * j;
      hNew[k] = Math.tanh(cNew[k]) * o;
    }
  }
  return [store(cNew, outs[0].shape, outs[0].dtype), store(hNew, outs[1].shape, outs[1].dtype)];
};

export const fusedKernels: Partial<FusedKernelTable> = { LSTMBlock: lstmBlock };
