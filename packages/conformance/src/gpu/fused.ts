/**
 * The fused kernels' shaders against float64 references: LSTMBlockGrad and GRUBlockGrad against
 * central differences of the forward equations (so they are checked independently of the
 * formulas they implement), GRUBlock against its equation. The shared rnn suites also compare
 * every fused path with the composed ops, to second order.
 */
import * as tf from '@tapeflow/core';
import { assert, expectNoLeak, type Registry } from '../harness.js';

const sig64 = (v: number): number => 1 / (1 + Math.exp(-v));
const values = (n: number, seed: number, scale: number): number[] =>
  Array.from({ length: n }, (_, i) => Math.fround(Math.sin(i * 1.7 + seed) * scale));

/** Central differences (float64) of L = sum_k dys[k] . forward(xs)[k] with respect to every element of every input. */
function numericVjp(forward: (xs: number[][]) => number[][], xs: number[][], dys: number[][]): number[][] {
  const L = (ys: number[][]): number => ys.reduce((s, y, k) => s + y.reduce((a, v, i) => a + v * dys[k][i], 0), 0);
  const h = 1e-6;
  return xs.map((x, which) =>
    x.map((_, e) => {
      const at = (d: number): number =>
        L(forward(xs.map((q, w) => (w === which ? q.map((v, i) => (i === e ? v + d : v)) : q))));
      return (at(h) - at(-h)) / (2 * h);
    }),
  );
}

/**
 * GPU exp and tanh are good to a few float32 ulps (not correctly rounded) and a gradient chains
 * three or four of them with products: 2e-5 relative plus 2e-6 absolute covers that with margin,
 * and is far below the error of a wrong term (the smallest gate gradient here is ~1e-3).
 */
function expectNear(t: tf.Tensor, ref: number[], what: string): void {
  const a = t.dataSync();
  assert(a.length === ref.length, `${what}: ${a.length} values, expected ${ref.length}`);
  ref.forEach((e, k) =>
    assert(Math.abs(a[k] - e) <= 2e-6 + 2e-5 * Math.abs(e), `${what}[${k}] = ${a[k]}, expected ${e}`),
  );
}

export function fusedSuite(r: Registry): void {
  // units 4: four elements per fragment; units 5: one at a time.
  r.test('LSTMBlockGrad equals central differences of the LSTMBlock equations (float64)', () => {
    for (const units of [4, 5]) lstmBlockGradCase(units);
  });

  function lstmBlockGradCase(units: number): void {
    const batch = 3,
      forgetBias = 0.7;
    const fwd = ([g, c]: number[][]): number[][] => {
      const c2: number[] = [],
        h2: number[] = [];
      for (let b = 0; b < batch; b++) {
        for (let u = 0; u < units; u++) {
          const q = (k: number): number => g[b * 4 * units + k * units + u];
          const cn = c[b * units + u] * sig64(q(2) + forgetBias) + sig64(q(0)) * Math.tanh(q(1));
          c2.push(cn);
          h2.push(Math.tanh(cn) * sig64(q(3)));
        }
      }
      return [c2, h2];
    };
    const gs = values(batch * 4 * units, 1, 2.5),
      cs = values(batch * units, 2, 2);
    const dcn = values(batch * units, 3, 1),
      dhs = values(batch * units, 4, 1);
    const cNext = fwd([gs, cs])[0].map(Math.fround);
    const [eGates, eC] = numericVjp(fwd, [gs, cs], [dcn, dhs]);
    assert(tf.ENGINE.hasFused('LSTMBlockGrad'), `${tf.getBackend()} has no LSTMBlockGrad kernel`);
    expectNoLeak(() =>
      tf.tidy(() => {
        const ins = [
          tf.tensor(gs, [batch, 4 * units]),
          tf.tensor(cs, [batch, units]),
          tf.tensor(cNext, [batch, units]),
          tf.tensor(dcn, [batch, units]),
          tf.tensor(dhs, [batch, units]),
        ];
        const [dG, dC] = tf.ENGINE.runFused('LSTMBlockGrad', ins, { forgetBias }, [
          { shape: [batch, 4 * units], dtype: 'float32' },
          { shape: [batch, units], dtype: 'float32' },
        ]);
        expectNear(dG, eGates, 'dGates');
        expectNear(dC, eC, 'dc');
      }),
    );
  }

  r.test('GRUBlock and GRUBlockGrad equal the float64 equation and its central differences', () => {
    const batch = 2,
      units = 5;
    const fwd = ([g, h, cp]: number[][]): number[][] => [
      Array.from({ length: batch * units }, (_, k) => {
        const b = Math.floor(k / units),
          j = k % units;
        const u = sig64(g[b * 2 * units + units + j]);
        return u * h[k] + (1 - u) * Math.tanh(cp[k]);
      }),
    ];
    const gs = values(batch * 2 * units, 5, 3),
      hs = values(batch * units, 6, 1);
    const cps = values(batch * units, 7, 2),
      dn = values(batch * units, 8, 1);
    const [eH] = fwd([gs, hs, cps]);
    const [eGates, eDh, eDcPre] = numericVjp(fwd, [gs, hs, cps], [dn]);
    assert(
      tf.ENGINE.hasFused('GRUBlock') && tf.ENGINE.hasFused('GRUBlockGrad'),
      `${tf.getBackend()} lacks GRUBlock or GRUBlockGrad`,
    );
    expectNoLeak(() =>
      tf.tidy(() => {
        const ins = [tf.tensor(gs, [batch, 2 * units]), tf.tensor(hs, [batch, units]), tf.tensor(cps, [batch, units])];
        const [hNew] = tf.ENGINE.runFused('GRUBlock', ins, {}, [{ shape: [batch, units], dtype: 'float32' }]);
        expectNear(hNew, eH, "h'");
        const [dG, dH, dCp] = tf.ENGINE.runFused('GRUBlockGrad', [...ins, tf.tensor(dn, [batch, units])], {}, [
          { shape: [batch, 2 * units], dtype: 'float32' },
          { shape: [batch, units], dtype: 'float32' },
          { shape: [batch, units], dtype: 'float32' },
        ]);
        // The r columns are exactly 0: r reaches h' only through cPre, outside the block.
        const g = dG.dataSync();
        for (let b = 0; b < batch; b++)
          for (let j = 0; j < units; j++)
            assert(g[b * 2 * units + j] === 0, `dGates r column [${b}, ${j}] = ${g[b * 2 * units + j]}`);
        expectNear(dG, eGates, 'dGates');
        expectNear(dH, eDh, 'dh');
        expectNear(dCp, eDcPre, 'dcPre');
      }),
    );
  });
}
