/**
 * Fused LSTM cell tail and its backward pass (TF1's BasicLSTMCell, gates i, j, f, o along the
 * last axis of `gates` [batch, 4u]); the equations are core's (kernels.ts FusedKernelDefs).
 * Each output is one draw that recomputes the few gate activations it needs: cheaper than
 * the dozen elementwise passes (and their textures) of the composed version.
 */
import type { FusedKernelTable } from '@tapeflow/core';
import type { WebGLBackend } from '../backend.js';

/** sig and tanh as the Sigmoid and Tanh kernels compute them, so fused and composed agree. */
export const ACTIVATIONS = `float sig(float x) { return 1.0 / (1.0 + exp(-x)); }
float tanh_(float x) { return abs(x) > 9.0 ? sign(x) : tanh(x); }
`;

const DECLS = `uniform int units;
uniform float forgetBias;
${ACTIVATIONS}`;

/** Gate activations of element `e` = (row, u) of a [batch, u] tensor; g = its i gate in `gates` (input 0). */
const GATES = `int row = e / units;
  int g = row * 4 * units + (e - row * units);
  float si = sig(get0(g)), tj = tanh_(get0(g + units)), sf = sig(get0(g + 2 * units) + forgetBias), so = sig(get0(g + 3 * units));`;

export function lstmKernels(b: WebGLBackend): Pick<FusedKernelTable, 'LSTMBlock' | 'LSTMBlockGrad'> {
  return {
    // Outputs [c', h']: c' = c sf + si tj, h' = tanh(c') so.
    LSTMBlock: ([gates, c], { forgetBias }, outs) => {
      const units = c.shape[c.shape.length - 1];
      const cell = `int e = idx;\n  ${GATES}\n  float cNew = get1(e) * sf + si * tj;`;
      const uniforms = { units, forgetBias: { f: forgetBias } };
      const cOut = b.run({ inputs: [gates, c], out: outs[0], decls: DECLS, body: `${cell}\n  res = cNew;`, uniforms });
      const hOut = b.run({
        inputs: [gates, c],
        out: outs[1],
        decls: DECLS,
        body: `${cell}\n  res = tanh_(cNew) * so;`,
        uniforms,
      });
      return [cOut, hOut];
    },
    // Inputs [gates, c, c', dc', dh]; outputs [dGates, dc]. dh reaches c' through h' = tanh(c') so:
    // dcTot = dc' + dh so (1 - tanh(c')^2); then each gate's gradient through its activation.
    LSTMBlockGrad: ([gates, c, cNext, dcNext, dh], { forgetBias }, outs) => {
      const units = c.shape[c.shape.length - 1];
      const uniforms = { units, forgetBias: { f: forgetBias } };
      const total = `${GATES}
  float tc = tanh_(get2(e));
  float dhe = get4(e);
  float dc = get3(e) + dhe * so * (1.0 - tc * tc);`;
      const inputs = [gates, c, cNext, dcNext, dh];
      // dGates [batch, 4u]: texel idx is gate k of element e.
      const dGates = b.run({
        inputs,
        out: outs[0],
        decls: DECLS,
        uniforms,
        body: `int row = idx / (4 * units);
  int col = idx - row * 4 * units;
  int k = col / units;
  int e = row * units + (col - k * units);
  {
  ${total}
  res = k == 0 ? dc * tj * si * (1.0 - si)
    : k == 1 ? dc * si * (1.0 - tj * tj)
    : k == 2 ? dc * get1(e) * sf * (1.0 - sf)
    : dhe * tc * so * (1.0 - so);
  }`,
      });
      const dC = b.run({
        inputs,
        out: outs[1],
        decls: DECLS,
        uniforms,
        body: `int e = idx;\n  ${total}\n  res = dc * sf;`,
      });
      return [dGates, dC];
    },
  };
}
