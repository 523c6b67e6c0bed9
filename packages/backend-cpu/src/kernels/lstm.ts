/**
 * Fused LSTM kernels: one pass over the gates instead of ~10 elementwise kernels (forward) or
 * ~25 (backward). gates [batch, 4u] in TF1 order i, j, f, o; c [batch, u].
 *   c' = c * sigmoid(f + forgetBias) + sigmoid(i) * tanh(j);  h' = tanh(c') * sigmoid(o).
 */
import type { FusedKernelTable } from '@tapeflow/core';
import { contiguousOf, makeArray, store } from '../storage.js';
import { activations } from './fast_math.js';

const lstmBlock: FusedKernelTable['LSTMBlock'] = ([gates, c], { forgetBias }, outs) => {
  const { data: g, offset: go } = contiguousOf(gates);
  const { data: cs, offset: co } = contiguousOf(c);
  const [batch, units] = c.shape;
  const { sigmoid, tanh } = activations(outs[0].dtype);
  const cNew = makeArray(outs[0].dtype, batch * units);
  const hNew = makeArray(outs[1].dtype, batch * units);
  for (let b = 0; b < batch; b++) {
    const row = go + b * 4 * units;
    for (let u = 0; u < units; u++) {
      const i = sigmoid(g[row + u]);
      const j = tanh(g[row + units + u]);
      const f = sigmoid(g[row + 2 * units + u] + forgetBias);
      const o = sigmoid(g[row + 3 * units + u]);
      const k = b * units + u;
      // h' reads c' after the store has rounded it to the output dtype, as the unfused ops do.
      cNew[k] = cs[co + k] * f + i * j;
      hNew[k] = tanh(cNew[k]) * o;
    }
  }
  return [store(cNew, outs[0].shape, outs[0].dtype), store(hNew, outs[1].shape, outs[1].dtype)];
};

/**
 * The chain rule through the equations above, per element (s = the gate's sigmoid or tanh):
 *   dc~ = dc' + dh' so (1 - tanh(c')^2)   (c' feeds h' and the next step)
 *   dI = dc~ tj si(1-si), dJ = dc~ si (1-tj^2), dF = dc~ c sf(1-sf), dO = dh' tanh(c') so(1-so)
 *   dc = dc~ sf.  Outputs [dGates, dc].
 */
const lstmBlockGrad: FusedKernelTable['LSTMBlockGrad'] = ([gates, c, cNext, dcNext, dh], { forgetBias }, outs) => {
  const { data: g, offset: go } = contiguousOf(gates);
  const { data: cs, offset: co } = contiguousOf(c);
  const { data: cn, offset: cno } = contiguousOf(cNext);
  const { data: dcn, offset: dcno } = contiguousOf(dcNext);
  const { data: dhs, offset: dho } = contiguousOf(dh);
  const [batch, units] = c.shape;
  const { sigmoid, tanh } = activations(outs[0].dtype);
  const dGates = makeArray(outs[0].dtype, batch * 4 * units);
  const dc = makeArray(outs[1].dtype, batch * units);
  for (let b = 0; b < batch; b++) {
    const row = b * 4 * units;
    for (let u = 0; u < units; u++) {
      const gi = go + row + u;
      const si = sigmoid(g[gi]);
      const tj = tanh(g[gi + units]);
      const sf = sigmoid(g[gi + 2 * units] + forgetBias);
      const so = sigmoid(g[gi + 3 * units]);
      const k = b * units + u;
      const tc = tanh(cn[cno + k]);
      const dhk = dhs[dho + k];
      const dck = dcn[dcno + k] + dhk * so * (1 - tc * tc);
      const o = row + u;
      dGates[o] = dck * tj * si * (1 - si);
      dGates[o + units] = dck * si * (1 - tj * tj);
      dGates[o + 2 * units] = dck * cs[co + k] * sf * (1 - sf);
      dGates[o + 3 * units] = dhk * tc * so * (1 - so);
      dc[k] = dck * sf;
    }
  }
  return [store(dGates, outs[0].shape, outs[0].dtype), store(dc, outs[1].shape, outs[1].dtype)];
};

export const lstmKernels: Partial<FusedKernelTable> = { LSTMBlock: lstmBlock, LSTMBlockGrad: lstmBlockGrad };
