/**
 * Fused GRU cell tail and its backward pass (TF1's GRUCell with tanh): gates [batch, 2u] are the
 * r and u pre-activations, cPre [batch, u] the candidate's; h' = u h + (1 - u) tanh(cPre) with
 * u = sig(gates[:, u:]). r enters cPre through a matmul, so it stays outside (its dGates are 0).
 */
import type { FusedKernelTable } from '@tapeflow/core';
import type { WebGLBackend } from '../backend.js';
import { ACTIVATIONS } from './lstm.js';

const DECLS = `uniform int units;\n${ACTIVATIONS}`;

/** u and tanh(cPre) for element `e` = (row, j) of a [batch, u] tensor. */
const UC = `int row = e / units;
  float u = sig(get0(row * 2 * units + units + (e - row * units)));
  float c = tanh_(get2(e));`;

export function gruKernels(b: WebGLBackend): Pick<FusedKernelTable, 'GRUBlock' | 'GRUBlockGrad'> {
  return {
    GRUBlock: ([gates, h, cPre], _attrs, outs) => {
      const units = h.shape[h.shape.length - 1];
      return [
        b.run({
          inputs: [gates, h, cPre],
          out: outs[0],
          decls: DECLS,
          uniforms: { units },
          body: `int e = idx;\n  ${UC}\n  res = u * get1(e) + (1.0 - u) * c;`,
        }),
      ];
    },
    // Inputs [gates, h, cPre, dh']; outputs [dGates, dh, dcPre].
    GRUBlockGrad: ([gates, h, cPre, dhNext], _attrs, outs) => {
      const units = h.shape[h.shape.length - 1];
      const inputs = [gates, h, cPre, dhNext];
      const uniforms = { units };
      const dGates = b.run({
        inputs,
        out: outs[0],
        decls: DECLS,
        uniforms,
        body: `int row = idx / (2 * units);
  int col = idx - row * 2 * units;
  if (col < units) {
    res = 0.0;
  } else {
    int e = row * units + col - units;
    ${UC}
    res = get3(e) * (get1(e) - c) * u * (1.0 - u);
  }`,
      });
      const dH = b.run({
        inputs,
        out: outs[1],
        decls: DECLS,
        uniforms,
        body: `int e = idx;\n  ${UC}\n  res = get3(e) * u;`,
      });
      const dCPre = b.run({
        inputs,
        out: outs[2],
        decls: DECLS,
        uniforms,
        body: `int e = idx;\n  ${UC}\n  res = get3(e) * (1.0 - u) * (1.0 - c * c);`,
      });
      return [dGates, dH, dCPre];
    },
  };
}
