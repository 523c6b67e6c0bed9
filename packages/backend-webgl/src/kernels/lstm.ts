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

/** The same per component, four elements of one row at a time (units a multiple of 4). */
const ACTIVATIONS4 = `vec4 sig4(vec4 x) { return 1.0 / (1.0 + exp(-x)); }
vec4 tanh4(vec4 x) { return mix(tanh(x), sign(x), greaterThan(abs(x), vec4(9.0))); }
`;
const DECLS4 = `uniform int units;
uniform float forgetBias;
${ACTIVATIONS}${ACTIVATIONS4}`;

/** GATES for the four elements idx = 4t.. of a [batch, u] tensor; u4 = units / 4, g their i gates' texel. */
const GATES4 = `int u4 = units / 4;
  int row = t / u4;
  int g = row * 4 * u4 + (t - row * u4);
  vec4 si = sig4(get04(g)), tj = tanh4(get04(g + u4)), sf = sig4(get04(g + 2 * u4) + forgetBias), so = sig4(get04(g + 3 * u4));`;

/** Gate activations of element `e` = (row, u) of a [batch, u] tensor; g = its i gate in `gates` (input 0). */
const GATES = `int row = e / units;
  int g = row * 4 * units + (e - row * units);
  float si = sig(get0(g)), tj = tanh_(get0(g + units)), sf = sig(get0(g + 2 * units) + forgetBias), so = sig(get0(g + 3 * units));`;

export function lstmKernels(b: WebGLBackend): Pick<FusedKernelTable, 'LSTMBlock' | 'LSTMBlockGrad'> {
  return {
    // Outputs [c', h']: c' = c sf + si tj, h' = tanh(c') so.
    LSTMBlock: ([gates, c], { forgetBias }, outs) => {
      const units = c.shape[c.shape.length - 1];
      if (units % 4 === 0) {
        const cell = `${GATES4}\n  vec4 cNew = get14(t) * sf + si * tj;`;
        const u = { units, forgetBias: { f: forgetBias } };
        const run4 = (res: string, out: (typeof outs)[number]) =>
          b.run({ inputs: [gates, c], out, decls: DECLS4, body4: `${cell}\n  res = ${res};`, uniforms: u });
        return [run4('cNew', outs[0]), run4('tanh4(cNew) * so', outs[1])];
      }
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
      if (units % 4 === 0) {
        // As below, four elements of one gate at a time; e4 is their texel in the [batch, u] inputs.
        const total4 = (e4: string) => `{
  int u4 = units / 4;
  int e4 = ${e4};
  int row = e4 / u4;
  int g = row * 4 * u4 + (e4 - row * u4);
  vec4 si = sig4(get04(g)), tj = tanh4(get04(g + u4)), sf = sig4(get04(g + 2 * u4) + forgetBias), so = sig4(get04(g + 3 * u4));
  vec4 tc = tanh4(get24(e4));
  vec4 dhe = get44(e4);
  vec4 dc = get34(e4) + dhe * so * (1.0 - tc * tc);`;
        const dGates4 = b.run({
          inputs,
          out: outs[0],
          decls: DECLS4,
          uniforms,
          body4: `int u4 = units / 4;
  int row = t / (4 * u4);
  int col = t - row * 4 * u4;
  int k = col / u4;
  ${total4('row * u4 + (col - k * u4)')}
  res = k == 0 ? dc * tj * si * (1.0 - si)
    : k == 1 ? dc * si * (1.0 - tj * tj)
    : k == 2 ? dc * get14(e4) * sf * (1.0 - sf)
    : dhe * tc * so * (1.0 - so);
  }`,
        });
        const dC4 = b.run({
          inputs,
          out: outs[1],
          decls: DECLS4,
          uniforms,
          body4: `${total4('t')}\n  res = dc * sf;\n  }`,
        });
        return [dGates4, dC4];
      }
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
