/**
 * The WebAssembly SIMD matmul (src/wasm/matmul.wat, src/kernels/matmul_wasm.ts): the committed
 * bytes are a fresh assembly of the WAT source; the wasm path equals a float64 reference loop for
 * any shape, transpose flag, view layout and batch broadcast; and it agrees with the TypeScript
 * kernel (forced with matmulPaths.forceTs), exactly where both are exact.
 */
import { readFileSync } from 'node:fs';
import test from 'ava';
import fc from 'fast-check';
import * as tf from '@tapeflow/core';
import type { Tensor } from '@tapeflow/core';
import '../src/index.js';
import { WASM_MIN_MACS, matmulPaths } from '../src/kernels/matmul.js';
import { KC, MR, NR, gemmFlavour } from '../src/kernels/matmul_wasm.js';
import { matmulRuntime } from '../src/wasm/runtime.js';
// a plain .mjs build script (type-checked through allowJs)
import { generate } from '../scripts/build-wasm.mjs';

const FC_SEED = 20261124;
const U32 = 2 ** -24; // unit roundoff of float32
const U64 = 2 ** -53;

test.before(async () => {
  if (!(await tf.setBackend('cpu'))) throw new Error('cpu backend failed to initialize');
});

test('the committed module bytes are a fresh assembly of matmul.wat (scripts/build-wasm.mjs)', async (t) => {
  const committed = readFileSync(new URL('../src/wasm/matmul_wasm.ts', import.meta.url), 'utf8');
  t.is(committed, await generate(), 'run `node scripts/build-wasm.mjs` in packages/backend-cpu');
});

test('Node 20 loads the SIMD module with a shared memory (the thread pool needs it)', (t) => {
  const rt = matmulRuntime();
  t.truthy(rt);
  t.true(rt!.shared);
  t.true(rt!.memory.buffer instanceof SharedArrayBuffer);
});

test('the FMA (relaxed SIMD) gemm is picked exactly where the runtime validates relaxed SIMD (the suite runs Node with --experimental-wasm-relaxed-simd)', (t) => {
  // A module of one f32x4.relaxed_madd, independent of the committed bytes.
  const probe = Uint8Array.from([
    0, 97, 115, 109, 1, 0, 0, 0, 1, 8, 1, 96, 3, 123, 123, 123, 1, 123, 3, 2, 1, 0, 10, 13, 1, 11, 0, 32, 0, 32, 1, 32,
    2, 253, 133, 2, 11,
  ]);
  const relaxed = WebAssembly.validate(probe);
  t.is(matmulRuntime()!.fma, relaxed);
  if (process.execArgv.includes('--experimental-wasm-relaxed-simd')) t.true(relaxed, 'the flag enables relaxed SIMD');
});

/** Deterministic values in [-1, 1) (a 32-bit LCG), rounded to float32 so the reference sees what the kernel sees. */
function values(n: number, seed: number): number[] {
  let s = seed >>> 0;
  return Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return Math.fround(s / 2 ** 31 - 1);
  });
}

/**
 * How an operand reaches the kernel: its own buffer, a transposed view, a slice (dense: bulk-copied
 * and packed by the module; sparse: a few columns of a wide buffer, packed in TypeScript), a
 * reversed view (negative strides), or a stride-0 batch broadcast.
 */
type Layout = 'contiguous' | 'transposed' | 'sliced' | 'sparse' | 'reversed' | 'broadcast';
const LAYOUTS: Layout[] = ['contiguous', 'transposed', 'sliced', 'sparse', 'reversed', 'broadcast'];

/**
 * A [nb, r, c] tensor whose logical values are L (row-major), laid out as asked. 'broadcast' makes
 * every batch equal to the first (L is overwritten to match); 'sliced' surrounds the values with
 * NaN, so a read outside the slice poisons the result.
 */
function operand(L: number[], nb: number, r: number, c: number, layout: Layout): Tensor {
  switch (layout) {
    case 'contiguous':
      return tf.tensor(L, [nb, r, c]);
    case 'transposed': {
      const P = new Array<number>(L.length);
      for (let t = 0; t < nb; t++)
        for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) P[(t * c + j) * r + i] = L[(t * r + i) * c + j];
      return tf.transpose(tf.tensor(P, [nb, c, r]), [0, 2, 1]);
    }
    case 'sliced': {
      const P = new Array<number>(nb * (r + 2) * (c + 3)).fill(NaN);
      for (let t = 0; t < nb; t++)
        for (let i = 0; i < r; i++)
          for (let j = 0; j < c; j++) P[(t * (r + 2) + i + 1) * (c + 3) + j + 2] = L[(t * r + i) * c + j];
      return tf.slice(tf.tensor(P, [nb, r + 2, c + 3]), [0, 1, 2], [nb, r, c]);
    }
    case 'sparse': {
      const w = 5 * c + 70;
      const P = new Array<number>(nb * r * w).fill(NaN);
      for (let t = 0; t < nb; t++)
        for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) P[(t * r + i) * w + j + 1] = L[(t * r + i) * c + j];
      return tf.slice(tf.tensor(P, [nb, r, w]), [0, 0, 1], [nb, r, c]);
    }
    case 'reversed': {
      const P = new Array<number>(L.length);
      for (let t = 0; t < nb; t++)
        for (let i = 0; i < r; i++)
          for (let j = 0; j < c; j++) P[(t * r + r - 1 - i) * c + c - 1 - j] = L[(t * r + i) * c + j];
      return tf.reverse(tf.tensor(P, [nb, r, c]), [1, 2]);
    }
    case 'broadcast':
      for (let i = r * c; i < L.length; i++) L[i] = L[i % (r * c)];
      return tf.broadcastTo(tf.tensor(L.slice(0, r * c), [1, r, c]), [nb, r, c]);
  }
}

interface Case {
  m: number;
  n: number;
  k: number;
  ta: boolean;
  tb: boolean;
  nbA: number;
  nbB: number;
  la: Layout;
  lb: Layout;
}

/** Runs matmul on the case's operands; returns the result, the float64 product and sum |a||b| per element. */
function run(c: Case, A: number[], B: number[]): { y: Float32Array; ref: Float64Array; abs: Float64Array } {
  const { m, n, k, ta, tb, nbA, nbB } = c;
  const nb = Math.max(nbA, nbB);
  return tf.tidy(() => {
    const a = operand(A, nbA, ta ? k : m, ta ? m : k, c.la),
      b = operand(B, nbB, tb ? n : k, tb ? k : n, c.lb);
    const y = tf.matmul(a, b, ta, tb).dataSync() as Float32Array;
    const ref = new Float64Array(nb * m * n),
      abs = new Float64Array(nb * m * n);
    for (let t = 0; t < nb; t++) {
      const ao = (nbA === 1 ? 0 : t) * m * k,
        bo = (nbB === 1 ? 0 : t) * k * n;
      for (let i = 0; i < m; i++) {
        for (let j = 0; j < n; j++) {
          let s = 0,
            sa = 0;
          for (let p = 0; p < k; p++) {
            const x = A[ao + (ta ? p * m + i : i * k + p)] * B[bo + (tb ? j * k + p : p * n + j)];
            s += x;
            sa += Math.abs(x);
          }
          ref[(t * m + i) * n + j] = s;
          abs[(t * m + i) * n + j] = sa;
        }
      }
    }
    return { y, ref, abs };
  });
}

/**
 * Worst |y - ref| / bound over the elements; <= 1 passes. The bounds are Higham's worst case for
 * a dot product of k terms summed in any order (Accuracy and Stability, eq. 3.5):
 * |fl(a.b) - a.b| <= gamma_k sum |a_p b_p|, gamma_k = k u / (1 - k u).
 * - wasm: every product and sum is float32 (u = 2^-24); blocking over k and the 4-lane tiles only
 *   change the order, so gamma_(k+1) covers it (one extra step of slack for the stored partials).
 * - TypeScript: float64 sums (u = 2^-53), rounded once to float32 at the end: u32 |ref| on top.
 * A wrong index, a missed or doubled term, or a read outside a view is off by about one term,
 * |a_p b_p| ~ sum / k, far above gamma_k sum for the k < 700 drawn here.
 */
function worst(y: Float32Array, ref: Float64Array, abs: Float64Array, k: number, wasm: boolean): number {
  const gamma = (u: number, n: number): number => (n * u) / (1 - n * u);
  let w = 0;
  for (let i = 0; i < ref.length; i++) {
    const bound = wasm ? gamma(U32, k + 1) * abs[i] : U32 * Math.abs(ref[i]) + gamma(U64, k + 1) * abs[i];
    const d = Math.abs(y[i] - ref[i]);
    if (!(d <= bound)) w = Math.max(w, d === 0 ? 0 : d / bound || Infinity);
  }
  return w;
}

const dim = fc.oneof(
  fc.integer({ min: 1, max: 9 }),
  fc.integer({ min: 10, max: 40 }),
  fc.constantFrom(15, 16, 17, 31, 32, 33),
);
const depth = fc.oneof(dim, fc.integer({ min: 500, max: 640 })); // past the wasm kernel's 512-step k blocks
const caseArb = fc
  .record({
    m: dim,
    n: dim,
    k: depth,
    ta: fc.boolean(),
    tb: fc.boolean(),
    batch: fc.constantFrom<[number, number]>([1, 1], [3, 3], [1, 3], [3, 1]),
    la: fc.constantFrom(...LAYOUTS),
    lb: fc.constantFrom(...LAYOUTS),
  })
  .map(({ batch: [nbA, nbB], ...c }): Case => ({
    ...c,
    nbA,
    nbB,
    // a stride-0 broadcast needs a batch to broadcast to
    la: c.la === 'broadcast' && nbA === 1 ? 'contiguous' : c.la,
    lb: c.lb === 'broadcast' && nbB === 1 ? 'contiguous' : c.lb,
  }));

/** Both float32 paths of one case, checked against the reference; also that the size picked the expected path. */
function checkCase(c: Case, seed: number): void {
  const A = values(c.nbA * c.m * c.k, seed),
    B = values(c.nbB * c.k * c.n, seed + 1);
  const calls = matmulPaths.wasmCalls;
  const wasm = run(c, A, B);
  const usedWasm = matmulPaths.wasmCalls > calls;
  if (usedWasm !== c.m * c.n * c.k >= WASM_MIN_MACS)
    throw new Error(`wasm path ${usedWasm ? 'taken' : 'skipped'} for ${JSON.stringify(c)}`);
  matmulPaths.forceTs = true;
  let ts;
  try {
    ts = run(c, A, B);
  } finally {
    matmulPaths.forceTs = false;
  }
  const ew = worst(wasm.y, wasm.ref, wasm.abs, c.k, usedWasm),
    et = worst(ts.y, ts.ref, ts.abs, c.k, false);
  if (ew > 1 || et > 1) throw new Error(`${JSON.stringify(c)}: error / bound ${ew} (default path), ${et} (TypeScript)`);
  // Where the default gemm is the FMA flavour, the plain-SIMD one must meet the same bound.
  if (!usedWasm || !matmulRuntime()!.fma) return;
  gemmFlavour.plainSimd = true;
  let plain;
  try {
    plain = run(c, A, B);
  } finally {
    gemmFlavour.plainSimd = false;
  }
  const ep = worst(plain.y, plain.ref, plain.abs, c.k, true);
  if (ep > 1) throw new Error(`${JSON.stringify(c)}: error / bound ${ep} (plain SIMD)`);
}

test('wasm matmul equals a float64 reference: shapes, transposes, views, batch broadcast (property)', (t) => {
  const before = tf.memory().numTensors;
  fc.assert(
    fc.property(caseArb, fc.nat(1e6), (c, seed) => checkCase(c, seed)),
    { seed: FC_SEED, numRuns: 120 },
  );
  t.is(tf.memory().numTensors, before);
});

test('wasm matmul at the edges: around WASM_MIN_MACS, single rows and columns, k past a block, stacked batches', (t) => {
  const plain = { ta: false, tb: false, nbA: 1, nbB: 1, la: 'contiguous', lb: 'contiguous' } as const;
  const shapes: [number, number, number][] = [
    [16, 16, 16],
    [16, 16, 15],
    [1, 4096, 1],
    [4096, 1, 1],
    [1, 1, 4096],
    [1, 1, 4095],
    [1, 64, 64],
    [64, 1, 64],
    [5, 7, 1030],
    [33, 17, 513],
    [4, 8, 128],
    [3, 9, 200],
  ];
  shapes.forEach(([m, n, k], i) => checkCase({ ...plain, m, n, k }, i));
  // x[batch, t, d] @ w[d, u]: A's batches stacked as rows of one product (B broadcast, stride 0).
  checkCase({ m: 10, n: 24, k: 20, ta: false, tb: false, nbA: 5, nbB: 5, la: 'contiguous', lb: 'broadcast' }, 99);
  checkCase({ m: 10, n: 24, k: 20, ta: false, tb: false, nbA: 5, nbB: 1, la: 'contiguous', lb: 'contiguous' }, 98);
  t.pass();
});

test('wasm matmul at the edges of its MR x NR tile and KC block, every transpose, both flavours', (t) => {
  // m and n one short of, at and one past whole tiles; k = 1 and one past a block of k. Each case
  // is large enough for the wasm path (checkCase asserts which path ran) and is checked against
  // the float64 reference, the TypeScript kernel and, where the FMA gemm loaded, the plain one.
  const ms = [1, MR - 1, MR, MR + 1, 7 * MR + 1].filter((m) => m > 0),
    ns = [NR / 2, NR - 1, NR, NR + 1, NR + NR / 2, 3 * NR - 1];
  const ks = [1, 2, 9, KC + 1];
  let seed = 0,
    count = 0;
  const before = tf.memory().numTensors;
  for (const m of ms)
    for (const n of ns)
      for (const k of ks) {
        if (m * n * k < WASM_MIN_MACS) continue;
        const ta = seed % 2 === 1,
          tb = seed % 4 >= 2;
        checkCase({ m, n, k, ta, tb, nbA: 1, nbB: 1, la: 'contiguous', lb: 'contiguous' }, seed++);
        count++;
      }
  // k = 1 and k = 2 with m and n whole tiles plus one (an edge panel on both sides)
  for (const [m, n, k] of [
    [64 * MR + 1, 2 * NR + 1, 1],
    [32 * MR + 1, 4 * NR + 1, 2],
    [MR + 1, 8 * NR + 1, 33],
  ])
    for (const [ta, tb] of [
      [false, false],
      [true, false],
      [false, true],
      [true, true],
    ]) {
      checkCase({ m, n, k, ta, tb, nbA: 2, nbB: 2, la: 'contiguous', lb: 'transposed' }, seed++);
      count++;
    }
  t.true(count >= 30, `${count} cases`);
  t.is(tf.memory().numTensors, before);
});

test('wasm and TypeScript paths agree exactly where both are exact (small integers)', (t) => {
  // Integers in [-8, 8] with k <= 640: every product and partial sum is an integer below 2^24,
  // exact in float32 and float64 whatever the order, so both paths must equal the reference bit for bit.
  fc.assert(
    fc.property(caseArb, fc.nat(1e6), (c, seed) => {
      const ints = (len: number, s: number): number[] => values(len, s).map((v) => Math.round(v * 8));
      const A = ints(c.nbA * c.m * c.k, seed),
        B = ints(c.nbB * c.k * c.n, seed + 1);
      const wasm = run(c, A, B);
      matmulPaths.forceTs = true;
      let ts;
      try {
        ts = run(c, A, B);
      } finally {
        matmulPaths.forceTs = false;
      }
      for (let i = 0; i < wasm.ref.length; i++) {
        if (wasm.y[i] !== wasm.ref[i] || ts.y[i] !== wasm.ref[i])
          throw new Error(`${JSON.stringify(c)}: element ${i}: wasm ${wasm.y[i]}, ts ${ts.y[i]}, exact ${wasm.ref[i]}`);
      }
    }),
    { seed: FC_SEED + 1, numRuns: 60 },
  );
  t.pass();
});

test('wasm matmul propagates Infinity and NaN like the reference (padding never leaks into the result)', (t) => {
  const m = 13,
    n = 11,
    k = 37;
  const A = values(m * k, 5),
    B = values(k * n, 6);
  A[2 * k + 4] = Infinity; // row 2 of A: +-Infinity in row 2 of the result (NaN where B[4, j] = 0)
  B[7 * n + 5] = NaN; // column 5 of B: NaN in column 5
  const c: Case = { m, n, k, ta: false, tb: false, nbA: 1, nbB: 1, la: 'contiguous', lb: 'contiguous' };
  for (const forceTs of [false, true]) {
    matmulPaths.forceTs = forceTs;
    try {
      const { y, ref, abs } = run(c, A, B);
      for (let i = 0; i < ref.length; i++) {
        if (Number.isFinite(ref[i])) t.true(Math.abs(y[i] - ref[i]) <= (k + 1) * U32 * abs[i] * 1.01, `element ${i}`);
        else t.true(Object.is(y[i], ref[i]), `element ${i}: ${y[i]} vs ${ref[i]}`);
      }
    } finally {
      matmulPaths.forceTs = false;
    }
  }
});
