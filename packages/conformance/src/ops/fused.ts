/**
 * The fused kernels' front-ends (lstmBlock, lstmBlockGrad, gruBlock, gruBlockGrad): the
 * backend's kernel where it has one and the composed fallback both equal a float64 loop over
 * the equations of kernels.ts, so a backend may leave any fused kernel out.
 */
import * as tf from '@tapeflow/core';
import fc from 'fast-check';
import { expectClose, expectThrows, type Registry } from '../harness.js';
import { floatIn } from './gen.js';
import { TOL, check, property } from './util.js';

const sig = (x: number): number => 1 / (1 + Math.exp(-x));

/** batch, units, and per-element values for `cols` gate columns plus `extra` [batch, units] operands. */
const sizes = (cols: number, extra: number) =>
  fc.record({ b: fc.integer({ min: 1, max: 3 }), u: fc.integer({ min: 1, max: 4 }) }).chain(({ b, u }) =>
    fc.record({
      b: fc.constant(b),
      u: fc.constant(u),
      gates: fc.array(floatIn(-4, 4), { minLength: b * cols * u, maxLength: b * cols * u }),
      rest: fc.array(fc.array(floatIn(-2, 2), { minLength: b * u, maxLength: b * u }), {
        minLength: extra,
        maxLength: extra,
      }),
      forgetBias: fc.constantFrom(0, 1, -0.5),
    }),
  );

/** Gate k of row r, column j of a [b, cols * u] array. */
const at =
  (g: number[], cols: number, u: number) =>
  (r: number, k: number, j: number): number =>
    g[r * cols * u + k * u + j];

/** Both ways: the backend's kernel (if any) and the composed ops. */
const bothWays = <T>(f: (useKernel: boolean) => T): [string, T][] => [
  ['kernel', f(true)],
  ['composed', f(false)],
];

export function fusedSuite(r: Registry): void {
  r.test("lstmBlock: c' = c sig(f + fb) + sig(i) tanh(j), h' = tanh(c') sig(o), fused and composed", (env) =>
    property(env, 20, sizes(4, 1), ({ b, u, gates, rest: [c], forgetBias }) => {
      const g = at(gates, 4, u);
      const c2: number[] = [],
        h2: number[] = [];
      for (let r = 0; r < b; r++)
        for (let j = 0; j < u; j++) {
          const cn = c[r * u + j] * sig(g(r, 2, j) + forgetBias) + sig(g(r, 0, j)) * Math.tanh(g(r, 1, j));
          c2.push(cn);
          h2.push(Math.tanh(cn) * sig(g(r, 3, j)));
        }
      for (const [how, [cT, hT]] of bothWays((k) =>
        tf.lstmBlock(tf.tensor(gates, [b, 4 * u]), tf.tensor(c, [b, u]), forgetBias, k),
      )) {
        expectClose(cT, c2, { ...TOL.transcendental, msg: `${how} c'` });
        expectClose(hT, h2, { ...TOL.transcendental, msg: `${how} h'` });
      }
    }),
  );

  r.test('lstmBlockGrad: the chain rule through lstmBlock, fused and composed', (env) =>
    property(env, 20, sizes(4, 3), ({ b, u, gates, rest: [c, dcN, dh], forgetBias }) => {
      const g = at(gates, 4, u);
      const dG = new Array<number>(b * 4 * u),
        dc: number[] = [],
        cNext: number[] = [];
      for (let r = 0; r < b; r++)
        for (let j = 0; j < u; j++) {
          const e = r * u + j;
          const si = sig(g(r, 0, j)),
            tj = Math.tanh(g(r, 1, j)),
            sf = sig(g(r, 2, j) + forgetBias),
            so = sig(g(r, 3, j));
          const cn = c[e] * sf + si * tj;
          cNext.push(cn);
          const tc = Math.tanh(cn);
          const dcn = dcN[e] + dh[e] * so * (1 - tc * tc);
          const row = r * 4 * u;
          dG[row + j] = dcn * tj * si * (1 - si);
          dG[row + u + j] = dcn * si * (1 - tj * tj);
          dG[row + 2 * u + j] = dcn * c[e] * sf * (1 - sf);
          dG[row + 3 * u + j] = dh[e] * tc * so * (1 - so);
          dc.push(dcn * sf);
        }
      const T = (v: number[]): tf.Tensor => tf.tensor(v, [b, u]);
      for (const [how, [dGT, dcT]] of bothWays((k) =>
        tf.lstmBlockGrad(tf.tensor(gates, [b, 4 * u]), T(c), T(cNext.map(Math.fround)), T(dcN), T(dh), forgetBias, k),
      )) {
        expectClose(dGT, dG, { rtol: 1e-4, atol: 1e-5, msg: `${how} dGates` });
        expectClose(dcT, dc, { rtol: 1e-4, atol: 1e-5, msg: `${how} dc` });
      }
    }),
  );

  r.test("gruBlock and gruBlockGrad: h' = u h + (1 - u) tanh(cPre) and its chain rule, fused and composed", (env) =>
    property(env, 20, sizes(2, 3), ({ b, u, gates, rest: [h, cPre, dhN] }) => {
      const g = at(gates, 2, u);
      const h2: number[] = [],
        dG = new Array<number>(b * 2 * u).fill(0),
        dh: number[] = [],
        dcPre: number[] = [];
      for (let r = 0; r < b; r++)
        for (let j = 0; j < u; j++) {
          const e = r * u + j;
          const uu = sig(g(r, 1, j)),
            cc = Math.tanh(cPre[e]);
          h2.push(uu * h[e] + (1 - uu) * cc);
          dG[r * 2 * u + u + j] = dhN[e] * (h[e] - cc) * uu * (1 - uu);
          dh.push(dhN[e] * uu);
          dcPre.push(dhN[e] * (1 - uu) * (1 - cc * cc));
        }
      const T = (v: number[]): tf.Tensor => tf.tensor(v, [b, u]);
      const G = (): tf.Tensor => tf.tensor(gates, [b, 2 * u]);
      for (const [how, y] of bothWays((k) => tf.gruBlock(G(), T(h), T(cPre), k)))
        expectClose(y, h2, { ...TOL.transcendental, msg: `${how} h'` });
      for (const [how, [dGT, dhT, dcT]] of bothWays((k) => tf.gruBlockGrad(G(), T(h), T(cPre), T(dhN), k))) {
        expectClose(dGT, dG, { rtol: 1e-4, atol: 1e-5, msg: `${how} dGates` });
        expectClose(dhT, dh, { rtol: 1e-4, atol: 1e-5, msg: `${how} dh` });
        expectClose(dcT, dcPre, { rtol: 1e-4, atol: 1e-5, msg: `${how} dcPre` });
      }
    }),
  );

  r.test('fused front-ends: mismatched shapes or dtypes are ValueErrors naming the op and the shapes', () =>
    check(() => {
      const c = tf.zeros([2, 3]);
      expectThrows(() => tf.lstmBlock(tf.zeros([2, 8]), c, 1), tf.ValueError, /lstmBlock/, /gates/, /\[2,8\]/);
      expectThrows(
        () => tf.gruBlock(tf.zeros([2, 6]), c, tf.zeros([2, 2])),
        tf.ValueError,
        /gruBlock/,
        /cPre/,
        /\[2,2\]/,
      );
      expectThrows(
        () => tf.lstmBlockGrad(tf.zeros([2, 12]), c, c, c, tf.zeros([2, 3], 'int32'), 1),
        tf.ValueError,
        /lstmBlockGrad/,
        /dh/,
        /int32/,
      );
    }),
  );
}
