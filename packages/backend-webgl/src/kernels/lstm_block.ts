/**
 * Fused LSTMBlock: c' = c*sig(f + forgetBias) + sig(i)*tanh(j), h' = tanh(c')*sig(o), gates in
 * TF1's order i, j, f, o along the last axis of `gates` [batch, 4u]. Two draws (one per output).
 */
import type { FusedKernelTable } from '@tapeflow/core';
import type { WebGLBackend } from '../backend.js';

const GATES = `uniform int units;
uniform float forgetBias;
float sig(float x) { return 1.0 / (1.0 + exp(-x)); }
float tanh_(float x) { return abs(x) > 9.0 ? sign(x) : tanh(x); }
`;

export function makeFused(b: WebGLBackend): Partial<FusedKernelTable> {
  return {
    LSTMBlock: ([gates, c], { forgetBias }, outs) => {
      const units = c.shape[c.shape.length - 1];
      const cell = `int row = idx / units;
  int u = idx - row * units;
  int g = row * 4 * units + u;
  float cNew = get1(idx) * sig(get0(g + 2 * units) + forgetBias) + sig(get0(g)) * tanh_(get0(g + units));`;
      const uniforms = { units, forgetBias: { f: forgetBias } };
      const cOut = b.run({ inputs: [gates, c], out: outs[0], decls: GATES, body: `${cell}\n  res = cNew;`, uniforms });
      const hOut = b.run({ inputs: [gates, c], out: outs[1], decls: GATES,
        body: `${cell}\n  res = tanh_(cNew) * sig(get0(g + 3 * units));`, uniforms });
      return [cOut, hOut];
    },
  };
}
