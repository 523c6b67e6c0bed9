/**
 * Fused LSTM cell tail and its backward pass (TF1's BasicLSTMCell, gates i, j, f, o along the
 * last axis of `gates` [batch, 4u]); the equations are core's (kernels.ts FusedKernelDefs).
 * One invocation per element (row, u) computes its four gate activations once and writes every
 * output of the step: one dispatch instead of a dozen elementwise ones and their buffers.
 */
import type { FusedKernelTable } from '@tapeflow/core';
import type { WebGPUBackend } from '../backend.js';
import { floatBits } from '../wgsl.js';

/** Gate activations of element idx = (row, u) of a [batch, u] tensor; meta: units, forgetBias bits. */
const GATES = `let units = mt[1];
  let forgetBias = bitcast<f32>(mt[2]);
  let row = idx / units;
  let g = row * 4 * units + (idx - row * units);
  let si = sig_(x0[g]); let tj = tanh_(x0[g + units]);
  let sf = sig_(x0[g + 2 * units] + forgetBias); let so = sig_(x0[g + 3 * units]);`;

export function lstmKernels(b: WebGPUBackend): Pick<FusedKernelTable, 'LSTMBlock' | 'LSTMBlockGrad'> {
  return {
    // Outputs [c', h']: c' = c sf + si tj, h' = tanh(c') so.
    LSTMBlock: ([gates, c], { forgetBias }, outs) => {
      const units = c.shape[c.shape.length - 1];
      const body = `${GATES}
  let cNew = x1[idx] * sf + si * tj;
  y0[idx] = cNew;
  y1[idx] = tanh_(cNew) * so;`;
      return b.run({ inputs: [gates, c], outs, body, meta: [units, floatBits(forgetBias)] });
    },
    // Inputs [gates, c, c', dc', dh]; outputs [dGates, dc]. dh reaches c' through h' = tanh(c') so:
    // dcTot = dc' + dh so (1 - tanh(c')^2); then each gate's gradient through its activation.
    LSTMBlockGrad: ([gates, c, cNext, dcNext, dh], { forgetBias }, outs) => {
      const units = c.shape[c.shape.length - 1];
      const body = `${GATES}
  let tc = tanh_(x2[idx]);
  let dhe = x4[idx];
  let dc = x3[idx] + dhe * so * (1.0 - tc * tc);
  y0[g] = dc * tj * si * (1.0 - si);
  y0[g + units] = dc * si * (1.0 - tj * tj);
  y0[g + 2 * units] = dc * x1[idx] * sf * (1.0 - sf);
  y0[g + 3 * units] = dhe * tc * so * (1.0 - so);
  y1[idx] = dc * sf;`;
      return b.run({
        inputs: [gates, c, cNext, dcNext, dh],
        outs,
        body,
        meta: [units, floatBits(forgetBias)],
        threads: outs[1].shape.reduce((n, v) => n * v, 1),
      });
    },
  };
}
