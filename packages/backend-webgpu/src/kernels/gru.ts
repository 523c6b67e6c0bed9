/**
 * Fused GRU cell tail and its backward pass (TF1's GRUCell with tanh): gates [batch, 2u] are the
 * r and u pre-activations, cPre [batch, u] the candidate's; h' = u h + (1 - u) tanh(cPre) with
 * u = sig(gates[:, u:]). r enters cPre through a matmul, so it stays outside (its dGates are 0).
 * One invocation per element (row, j) writes every output.
 */
import type { FusedKernelTable } from '@tapeflow/core';
import type { WebGPUBackend } from '../backend.js';

/** u and tanh(cPre) of element idx = (row, j); meta: units. */
const UC = `let units = mt[1];
  let row = idx / units;
  let g = row * 2 * units + (idx - row * units);
  let u = sig_(x0[g + units]);
  let c = tanh_(x2[idx]);`;

export function gruKernels(b: WebGPUBackend): Pick<FusedKernelTable, 'GRUBlock' | 'GRUBlockGrad'> {
  return {
    GRUBlock: ([gates, h, cPre], _attrs, outs) => {
      const units = h.shape[h.shape.length - 1];
      return b.run({
        inputs: [gates, h, cPre],
        outs,
        meta: [units],
        body: `${UC}\n  y0[idx] = u * x1[idx] + (1.0 - u) * c;`,
      });
    },
    // Inputs [gates, h, cPre, dh']; outputs [dGates, dh, dcPre].
    GRUBlockGrad: ([gates, h, cPre, dhNext], _attrs, outs) => {
      const units = h.shape[h.shape.length - 1];
      const body = `${UC}
  let d = x3[idx];
  y0[g] = 0.0;
  y0[g + units] = d * (x1[idx] - c) * u * (1.0 - u);
  y1[idx] = d * u;
  y2[idx] = d * (1.0 - u) * (1.0 - c * c);`;
      return b.run({
        inputs: [gates, h, cPre, dhNext],
        outs,
        meta: [units],
        body,
        threads: outs[1].shape.reduce((n, v) => n * v, 1),
      });
    },
  };
}
