/**
 * The paths that use float32's packed storage four elements at a time (a matmul read straight
 * from the operands' matrix textures, elementwise arithmetic, slices, transposes and concats on
 * whole texels, the LSTM block) against plain float64 loops over the same values, at shapes
 * that take them and next to shapes that do not.
 */
import * as tf from '@tapeflow/core';
import { assert, expectArrayEqual, expectNoLeak, type Registry } from '@tapeflow/conformance';
import { webgl } from './util.js';

const values = (n: number, seed: number): number[] =>
  Array.from({ length: n }, (_, i) => Math.fround(Math.sin(i * 0.37 + seed) * 2));
const size = (s: readonly number[]): number => s.reduce((p, d) => p * d, 1);

/** Row-major flat index of multi-index c in shape s. */
const flat = (s: readonly number[], c: readonly number[]): number => c.reduce((a, v, d) => a * s[d] + v, 0);

/** Every multi-index of shape s, in row-major order. */
function* indices(s: readonly number[]): Generator<number[]> {
  const c = s.map(() => 0);
  for (let n = size(s); n > 0; n--) {
    yield [...c];
    for (let d = s.length - 1; d >= 0; d--) {
      if (++c[d] < s[d]) break;
      c[d] = 0;
    }
  }
}

export function packedSuite(r: Registry): void {
  r.test('matmul from matrix textures (K, n multiples of 4): transposes, broadcast batches, copies, vs float64', () => {
    const b = webgl();
    // [a shape, b shape, transposeA, transposeB, draws]: 1 when A and Bᵀ are stored as the
    // matrices read, one more per operand copied first (stored the other way, or with other rows).
    const cases: [number[], number[], boolean, boolean, number][] = [
      [[1, 5, 8], [1, 12, 8], false, true, 1],
      [[1, 1, 4], [1, 4, 4], false, true, 1], // one row, one texel
      [[3, 7, 16], [1, 8, 16], false, true, 1], // B broadcast over the batch
      [[1, 6, 12], [2, 4, 12], false, true, 1], // A broadcast
      [[2, 5, 12], [2, 12, 8], false, false, 2], // B as stored: Bᵀ copied
      [[2, 12, 5], [2, 8, 12], true, true, 2], // A transposed
      [[1, 12, 3], [3, 12, 8], true, false, 3], // both copied, A broadcast
      [[2, 33, 64], [2, 64, 36], false, false, 2],
    ];
    expectNoLeak(() =>
      tf.tidy(() => {
        for (const [sa, sb, ta, tb, wantDraws] of cases) {
          const va = values(size(sa), 1),
            vb = values(size(sb), 2);
          const x = tf.tensor(va, sa),
            y = tf.tensor(vb, sb);
          const m = ta ? sa[2] : sa[1],
            k = ta ? sa[1] : sa[2],
            n = tb ? sb[1] : sb[2],
            nb = Math.max(sa[0], sb[0]);
          const d = b.numDraws;
          const got = tf.matmul(x, y, ta, tb).dataSync();
          const draws = b.numDraws - d;
          assert(
            draws === wantDraws,
            `matmul ${sa}${ta ? 'ᵀ' : ''} x ${sb}${tb ? 'ᵀ' : ''}: ${draws} draws, expected ${wantDraws}`,
          );
          const A = (q: number, i: number, l: number): number =>
            va[(sa[0] === 1 ? 0 : q) * m * k + (ta ? l * m + i : i * k + l)];
          const B = (q: number, l: number, j: number): number =>
            vb[(sb[0] === 1 ? 0 : q) * k * n + (tb ? j * k + l : l * n + j)];
          for (let q = 0; q < nb; q++)
            for (let i = 0; i < m; i++)
              for (let j = 0; j < n; j++) {
                let ref = 0,
                  mag = 0;
                for (let l = 0; l < k; l++) {
                  ref += A(q, i, l) * B(q, l, j);
                  mag += Math.abs(A(q, i, l) * B(q, l, j));
                }
                const e = got[(q * m + i) * n + j];
                assert(
                  Math.abs(e - ref) <= (k + 1) * 2 ** -24 * mag,
                  `matmul ${sa}${ta ? 'ᵀ' : ''} x ${sb}${tb ? 'ᵀ' : ''} at [${q}, ${i}, ${j}]: ${e} vs float64 ${ref}`,
                );
              }
        }
      }),
    );
  });

  r.test('matmul of a reshaped operand: its copy is kept when used again and freed with it', () => {
    const b = webgl();
    expectNoLeak(() =>
      tf.tidy(() => {
        const v = values(8 * 12, 3);
        // Stored as one row of 96: matmul copies it into 12 rows of 2 texels (it reads Bᵀ).
        const w = tf.reshape(tf.add(tf.tensor(v), 0), [12, 8]);
        const h = tf.tensor(values(2 * 8, 4), [2, 8]);
        const draws: number[] = [];
        for (let i = 0; i < 3; i++) {
          const d = b.numDraws;
          const y = tf.matmul(h, w, false, true).dataSync();
          draws.push(b.numDraws - d);
          const hv = h.dataSync();
          for (let r0 = 0; r0 < 2; r0++)
            for (let j = 0; j < 12; j++) {
              let ref = 0;
              for (let l = 0; l < 8; l++) ref += hv[r0 * 8 + l] * v[j * 8 + l];
              assert(Math.abs(y[r0 * 12 + j] - ref) <= 1e-5, `[${r0}, ${j}]: ${y[r0 * 12 + j]} vs ${ref}`);
            }
        }
        expectArrayEqual(draws, [2, 2, 1], 'draws of three matmuls: the copy is kept from the second');
      }),
    );
  });

  r.test('elementwise arithmetic four elements at a time: same shape, rows broadcast, scalars, and odd shapes', () => {
    const ops: [string, (a: tf.Tensor, b: tf.Tensor) => tf.Tensor, (a: number, b: number) => number][] = [
      ['add', tf.add, (a, b) => a + b],
      ['sub', tf.sub, (a, b) => a - b],
      ['mul', tf.mul, (a, b) => a * b],
      ['div', tf.div, (a, b) => a / b],
    ];
    // [a shape, b shape]: the output is their broadcast.
    const shapes: [number[], number[]][] = [
      [
        [3, 8],
        [3, 8],
      ],
      [[5, 8], [8]], // a bias row
      [
        [2, 3, 4],
        [1, 3, 4],
      ],
      [[4, 4], []], // a scalar
      [[3, 5], [5]], // rows not whole texels: per element
      [
        [4, 8],
        [4, 1],
      ], // a column broadcast: per element
      [[7], [7]], // the last texel partly empty
    ];
    expectNoLeak(() =>
      tf.tidy(() => {
        for (const [sa, sb] of shapes) {
          const va = values(size(sa), 5),
            vb = values(size(sb), 6).map((q) => (q === 0 ? 1 : q));
          const out = sa.length >= sb.length ? sa : sb;
          for (const [name, op, ref] of ops) {
            const got = op(tf.tensor(va, sa), tf.tensor(vb, sb)).dataSync();
            for (const c of indices(out)) {
              const ca = c.slice(c.length - sa.length).map((v, d) => (sa[d] === 1 ? 0 : v));
              const cb = c.slice(c.length - sb.length).map((v, d) => (sb[d] === 1 ? 0 : v));
              const e = Math.fround(ref(va[flat(sa, ca)], vb[flat(sb, cb)]));
              const g = got[flat(out, c)];
              assert(g === e || Math.abs(g - e) <= 2 ** -22 * Math.abs(e), `${name} ${sa} ${sb} at ${c}: ${g} vs ${e}`);
            }
          }
        }
      }),
    );
  });

  r.test('slices, transposes and concats on whole texels equal the index arithmetic (and the per-element ones)', () => {
    expectNoLeak(() =>
      tf.tidy(() => {
        const s = [4, 3, 8];
        const v = values(size(s), 7);
        const x = tf.tensor(v, s);
        const at = (c: number[]): number => v[flat(s, c)];
        const check = (t: tf.Tensor, f: (c: number[]) => number, what: string): void => {
          const got = t.dataSync();
          for (const c of indices(t.shape)) {
            const g = got[flat(t.shape, c)];
            assert(g === f(c), `${what} at ${c}: ${g} vs ${f(c)}`);
          }
        };
        check(tf.slice(x, [1, 0, 0], [2, 3, 8]), ([a, b, c]) => at([a + 1, b, c]), 'rows');
        check(tf.slice(x, [0, 1, 4], [4, 2, 4]), ([a, b, c]) => at([a, b + 1, c + 4]), 'a texel-aligned block');
        check(tf.slice(x, [0, 0, 1], [4, 3, 4]), ([a, b, c]) => at([a, b, c + 1]), 'unaligned columns');
        check(tf.transpose(x, [1, 0, 2]), ([a, b, c]) => at([b, a, c]), 'the last axis kept');
        check(tf.transpose(x, [0, 2, 1]), ([a, b, c]) => at([a, c, b]), 'the last axis moved');
        const y = tf.tensor(values(4 * 3 * 4, 8), [4, 3, 4]);
        const yv = y.dataSync();
        check(
          tf.concat([x, y], 2),
          ([a, b, c]) => (c < 8 ? at([a, b, c]) : yv[flat([4, 3, 4], [a, b, c - 8])]),
          'concat of whole texels',
        );
        const z = tf.tensor(values(4 * 3 * 3, 9), [4, 3, 3]);
        const zv = z.dataSync();
        check(
          tf.concat([x, z], 2),
          ([a, b, c]) => (c < 8 ? at([a, b, c]) : zv[flat([4, 3, 3], [a, b, c - 8])]),
          'concat of a band that is not',
        );
      }),
    );
  });

  r.test('a slice of whole texture rows is a blit: same values as the shader, one pass, no leak', () => {
    const b = webgl();
    // Counts the blits (an own property over the prototype's method, deleted afterwards).
    let blits = 0;
    const g = b.gpgpu;
    const blit = g.copyRows.bind(g);
    g.copyRows = (src, y, dst) => {
      blits++;
      blit(src, y, dst);
    };
    try {
      slices();
    } finally {
      Reflect.deleteProperty(g, 'copyRows');
    }
    function slices(): void {
      expectNoLeak(() =>
        tf.tidy(() => {
          const s = [5, 3, 8];
          const v = values(size(s), 13);
          const x = tf.add(tf.tensor(v, s), 0); // on the GPU, rows of 2 texels
          // [begin, size, blitted]: a step of a time-major sequence; rows within it; not whole rows.
          const cases: [number[], number[], boolean][] = [
            [[2, 0, 0], [1, 3, 8], true],
            [[1, 0, 0], [3, 3, 8], true],
            [[4, 1, 0], [1, 2, 8], true],
            [[1, 0, 0], [2, 3, 4], false],
            [[0, 1, 0], [2, 2, 8], false],
          ];
          for (const [begin, sz, blitted] of cases) {
            const d = b.numDraws,
              n = blits;
            const y = tf.slice(x, begin, sz);
            const got = y.dataSync();
            assert(b.numDraws - d === 1, `slice ${begin} ${sz}: ${b.numDraws - d} passes`);
            assert(
              blits - n === (blitted ? 1 : 0),
              `slice ${begin} ${sz}: ${blits - n} blits, expected ${blitted ? 1 : 0}`,
            );
            for (const c of indices(sz)) {
              const e =
                v[
                  flat(
                    s,
                    c.map((q, k) => q + begin[k]),
                  )
                ];
              assert(got[flat(sz, c)] === e, `slice ${begin} ${sz} at ${c}: ${got[flat(sz, c)]} vs ${e}`);
            }
          }
        }),
      );
    }
  });

  r.test('sum over leading axes four columns at a time (and the transposing path) equals a float64 sum', () => {
    // [shape, axes]: leading axes over whole texels take one pass; the others transpose first.
    const cases: [number[], number[]][] = [
      [[5, 8], [0]],
      [
        [3, 2, 8],
        [0, 1],
      ],
      [[1, 4], [0]],
      [[300, 8], [0]], // runs longer than one pass: chunked
      [[5, 6], [0]], // rows not whole texels
      [[4, 8], [1]],
    ];
    expectNoLeak(() =>
      tf.tidy(() => {
        for (const [s, axes] of cases) {
          const v = values(size(s), 12);
          const got = tf.sum(tf.tensor(v, s), axes).dataSync();
          const keptShape = s.filter((_, d) => !axes.includes(d));
          const ref = new Float64Array(size(keptShape)),
            mag = new Float64Array(size(keptShape));
          for (const c of indices(s)) {
            const o = flat(
              keptShape,
              c.filter((_, d) => !axes.includes(d)),
            );
            ref[o] += v[flat(s, c)];
            mag[o] += Math.abs(v[flat(s, c)]);
          }
          const n = axes.reduce((p, d) => p * s[d], 1);
          ref.forEach((e, o) =>
            assert(
              Math.abs(got[o] - e) <= (n + 1) * 2 ** -24 * mag[o],
              `sum ${s} over ${axes} at ${o}: ${got[o]} vs float64 ${e}`,
            ),
          );
        }
      }),
    );
  });

  r.test('LSTMBlock four units at a time and one at a time equals its float64 equations', () => {
    const sig = (q: number): number => 1 / (1 + Math.exp(-q));
    for (const units of [8, 5]) {
      const batch = 3,
        forgetBias = 0.5;
      const g = values(batch * 4 * units, 10).map((q) => q * 1.5),
        c = values(batch * units, 11);
      expectNoLeak(() =>
        tf.tidy(() => {
          const [c2, h2] = tf.lstmBlock(tf.tensor(g, [batch, 4 * units]), tf.tensor(c, [batch, units]), forgetBias);
          const cv = c2.dataSync(),
            hv = h2.dataSync();
          for (let b0 = 0; b0 < batch; b0++)
            for (let u = 0; u < units; u++) {
              const q = (k: number): number => g[b0 * 4 * units + k * units + u];
              const cn = c[b0 * units + u] * sig(q(2) + forgetBias) + sig(q(0)) * Math.tanh(q(1));
              const hn = Math.tanh(cn) * sig(q(3));
              const e = b0 * units + u;
              assert(Math.abs(cv[e] - cn) <= 1e-5 * (1 + Math.abs(cn)), `units ${units} c'[${e}] ${cv[e]} vs ${cn}`);
              assert(Math.abs(hv[e] - hn) <= 1e-5 * (1 + Math.abs(hn)), `units ${units} h'[${e}] ${hv[e]} vs ${hn}`);
            }
        }),
      );
    }
  });
}
