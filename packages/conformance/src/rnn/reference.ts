/**
 * Plain float64 JavaScript re-implementations of TF1's cell equations (rnn_cell_impl.py), written
 * from TF's code independently of the library: matrices are number[][], rows [x ; h] of the
 * kernel, gate order i, j, f, o (LSTM) and r, u (GRU).
 */
export type Mat = number[][];
export type Vec = number[];

export const sig = (v: number): number => 1 / (1 + Math.exp(-v));

/** [x, h] @ K + b for every batch row. */
export function affine(x: Mat, h: Mat, K: Mat, b: Vec): Mat {
  return x.map((xr, r) => {
    const xh = [...xr, ...h[r]];
    return b.map((bj, j) => xh.reduce((s, v, k) => s + v * K[k][j], bj));
  });
}

const cols = (m: Mat, from: number, n: number): Mat => m.map((r) => r.slice(from, from + n));
const clip = (v: number, c?: number): number => (c === undefined ? v : Math.min(c, Math.max(-c, v)));

export function basicRnn(x: Mat, h: Mat, K: Mat, b: Vec): Mat {
  return affine(x, h, K, b).map((r) => r.map(Math.tanh));
}

export interface LstmWeights {
  K: Mat;
  b: Vec;
  peep?: { f: Vec; i: Vec; o: Vec };
  P?: Mat;
}
export interface LstmOpts {
  forgetBias?: number;
  cellClip?: number;
  projClip?: number;
}

/** LSTMCell (BasicLSTMCell is the case without peepholes, clip or projection): returns [c', m]. */
export function lstm(x: Mat, c: Mat, h: Mat, w: LstmWeights, o: LstmOpts = {}): [Mat, Mat] {
  const n = c[0]?.length ?? w.b.length / 4;
  const z = affine(x, h, w.K, w.b);
  const fb = o.forgetBias ?? 1;
  const newC = z.map((zr, r) =>
    zr.slice(0, n).map((_, k) => {
      const [i, j, f] = [zr[k], zr[n + k], zr[2 * n + k]];
      const cp = c[r][k];
      const pf = w.peep ? w.peep.f[k] * cp : 0,
        pi = w.peep ? w.peep.i[k] * cp : 0;
      return clip(sig(f + fb + pf) * cp + sig(i + pi) * Math.tanh(j), o.cellClip);
    }),
  );
  let m = z.map((zr, r) =>
    newC[r].map((cv, k) => sig(zr[3 * n + k] + (w.peep ? w.peep.o[k] * cv : 0)) * Math.tanh(cv)),
  );
  if (w.P) {
    const P = w.P;
    m = m.map((mr) =>
      P[0].map((_, j) =>
        clip(
          mr.reduce((s, v, k) => s + v * P[k][j], 0),
          o.projClip,
        ),
      ),
    );
  }
  return [newC, m];
}

export function gru(x: Mat, h: Mat, Kg: Mat, bg: Vec, Kc: Mat, bc: Vec): Mat {
  const n = h[0].length;
  const g = affine(x, h, Kg, bg).map((r) => r.map(sig));
  const r = cols(g, 0, n),
    u = cols(g, n, n);
  const rh = h.map((row, i) => row.map((v, k) => r[i][k] * v));
  const cand = affine(x, rh, Kc, bc).map((row) => row.map(Math.tanh));
  return h.map((row, i) => row.map((v, k) => u[i][k] * v + (1 - u[i][k]) * cand[i][k]));
}

/** A deterministic pseudo-random matrix in [-scale, scale) (mulberry32), for test data. */
export function randMat(rows: number, colsN: number, seed: number, scale = 1): Mat {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return Array.from({ length: rows }, () => Array.from({ length: colsN }, () => (2 * next() - 1) * scale));
}
