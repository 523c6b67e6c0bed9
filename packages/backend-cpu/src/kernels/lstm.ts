/**
 * Fused LSTM kernels: one pass over the gates instead of ~10 elementwise kernels (forward) or
 * ~25 (backward). gates [batch, 4u] in TF1 order i, j, f, o; c [batch, u].
 *   c' = c * sigmoid(f + forgetBias) + sigmoid(i) * tanh(j);  h' = tanh(c') * sigmoid(o).
 */
import type { FusedKernelTable, TypedArray } from '@tapeflow/core';
import { contiguousOf, makeArray, store } from '../storage.js';
import { sigmoidRow, tanhRow } from './fast_math.js';

/** act[0..4u) = sigmoid(i), tanh(j), sigmoid(f + forgetBias), sigmoid(o) of one gates row at g[row..). */
function gateActivations(
  act: Float64Array,
  g: TypedArray,
  row: number,
  units: number,
  forgetBias: number,
  f32: boolean,
): void {
  sigmoidRow(act, 0, g, row, units, 0, f32);
  tanhRow(act, units, g, row + units, units, f32);
  sigmoidRow(act, 2 * units, g, row + 2 * units, units, forgetBias, f32);
  sigmoidRow(act, 3 * units, g, row + 3 * units, units, 0, f32);
}

const lstmBlock: FusedKernelTable['LSTMBlock'] = ([gates, c], { forgetBias }, outs) => {
  const { data: g, offset: go } = contiguousOf(gates);
  const { data: cs, offset: co } = contiguousOf(c);
  const [batch, units] = c.shape;
  // float32 outputs take fast_math's activations (within 1 float32 ulp), float64 Math.exp.
  const f32 = outs[0].dtype === 'float32';
  const cNew = makeArray(outs[0].dtype, batch * units);
  const hNew = makeArray(outs[1].dtype, batch * units);
  const act = new Float64Array(4 * units);
  const tc = new Float64Array(units);
  for (let b = 0; b < batch; b++) {
    gateActivations(act, g, go + b * 4 * units, units, forgetBias, f32);
    const k0 = b * units;
    for (let u = 0; u < units; u++) cNew[k0 + u] = cs[co + k0 + u] * act[2 * units + u] + act[u] * act[units + u];
    // h' reads c' after the store has rounded it to the output dtype, as the unfused ops do.
    tanhRow(tc, 0, cNew, k0, units, f32);
    for (let u = 0; u < units; u++) hNew[k0 + u] = tc[u] * act[3 * units + u];
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
  const f32 = outs[0].dtype === 'float32';
  const dGates = makeArray(outs[0].dtype, batch * 4 * units);
  const dc = makeArray(outs[1].dtype, batch * units);
  const act = new Float64Array(4 * units);
  const tcs = new Float64Array(units);
  for (let b = 0; b < batch; b++) {
    const row = b * 4 * units;
    gateActivations(act, g, go + row, units, forgetBias, f32);
    tanhRow(tcs, 0, cn, cno + b * units, units, f32);
    for (let u = 0; u < units; u++) {
      const si = act[u],
        tj = act[units + u],
        sf = act[2 * units + u],
        so = act[3 * units + u];
      const k = b * units + u;
      const tc = tcs[u];
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
