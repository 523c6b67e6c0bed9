/**
 * CPU-backend specifics the shared conformance suite cannot see: which kernels return views
 * instead of copies, strided inputs to every kind of kernel, the blocked matmul's edge cases
 * (tile, block and panel boundaries, transposes, batch broadcast) against a float64 reference
 * loop, int32 wrap-around, and the fused LSTM/GRU kernels against the TF1 formulas (forward) and
 * central differences of them in float64 (backward).
 */
import test from 'ava';
import fc from 'fast-check';
import * as tf from '@tapeflow/core';
import { ENGINE, type Tensor } from '@tapeflow/core';
import { CpuBackend } from '../src/index.js';
import { CpuData } from '../src/storage.js';

const FC_SEED = 20261124;

test.before(async () => {
  if (!(await tf.setBackend('cpu'))) throw new Error('cpu backend failed to initialize');
});

/** Deterministic values in [-1, 1) (a 32-bit LCG), so failures reproduce. */
function values(n: number, seed: number): number[] {
  let s = seed >>> 0;
  return Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 31 - 1;
  });
}

const bufferOf = (t: Tensor): ArrayBufferLike => (t.dataId as CpuData).nd!.data.buffer;

/** Worst |a - e| / (atol + rtol |e|); <= 1 passes. */
function closeEnough(actual: ArrayLike<number>, expected: ArrayLike<number>, rtol: number, atol: number): number {
  let worst = 0;
  if (actual.length !== expected.length) return Infinity;
  for (let i = 0; i < expected.length; i++) {
    if (actual[i] === expected[i]) continue;
    worst = Math.max(worst, Math.abs(actual[i] - expected[i]) / (atol + rtol * Math.abs(expected[i])));
  }
  return worst;
}

/** out[b, i, j] = sum_p A[b, i, p] B[b, p, j] in float64, with A and B given as accessors. */
function refMatMul(
  nb: number,
  m: number,
  n: number,
  k: number,
  a: (b: number, i: number, p: number) => number,
  b: (t: number, p: number, j: number) => number,
): Float64Array {
  const out = new Float64Array(nb * m * n);
  for (let t = 0; t < nb; t++) {
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let p = 0; p < k; p++) s += a(t, i, p) * b(t, p, j);
        out[(t * m + i) * n + j] = s;
      }
    }
  }
  return out;
}

test('Transpose, Slice, Reshape, BroadcastTo and Reverse return views over the input buffer', (t) => {
  const before = tf.memory().numTensors;
  const x = tf.tensor(values(24, 1), [2, 3, 4]);
  const views = [
    tf.transpose(x, [2, 0, 1]),
    tf.slice(x, [1, 1, 0], [1, 2, 3]),
    tf.reshape(x, [6, 4]),
    tf.broadcastTo(x, [2, 2, 3, 4]),
    tf.reverse(x, [0, 2]),
  ];
  for (const v of views) t.is(bufferOf(v), bufferOf(x));
  tf.dispose([x, ...views]);
  t.is(tf.memory().numTensors, before);
});

test('views read back as fresh row-major copies with the right values', (t) => {
  const xs = values(24, 2);
  const x = tf.tensor(xs, [2, 3, 4]);
  const at = (i: number, j: number, k: number): number => Math.fround(xs[(i * 3 + j) * 4 + k]);
  // Reference values by index arithmetic on the original nested layout.
  const tr = tf.transpose(x, [2, 0, 1]); // [4, 2, 3]
  const expectTr: number[] = [];
  for (let k = 0; k < 4; k++) for (let i = 0; i < 2; i++) for (let j = 0; j < 3; j++) expectTr.push(at(i, j, k));
  t.deepEqual(Array.from(tr.dataSync()), expectTr);
  const rev = tf.reverse(x, [0, 2]);
  const expectRev: number[] = [];
  for (let i = 0; i < 2; i++)
    for (let j = 0; j < 3; j++) for (let k = 0; k < 4; k++) expectRev.push(at(1 - i, j, 3 - k));
  t.deepEqual(Array.from(rev.dataSync()), expectRev);
  const bc = tf.broadcastTo(tf.slice(x, [1, 2, 0], [1, 1, 4]), [2, 3, 4]);
  const expectBc: number[] = [];
  for (let i = 0; i < 2; i++) for (let j = 0; j < 3; j++) for (let k = 0; k < 4; k++) expectBc.push(at(1, 2, k));
  t.deepEqual(Array.from(bc.dataSync()), expectBc);
  // The copy is fresh: writing to it changes neither the view nor its source.
  const copy = tr.dataSync();
  copy.fill(42);
  t.deepEqual(Array.from(tr.dataSync()), expectTr);
  t.is(x.dataSync()[0], at(0, 0, 0));
  tf.dispose([x, tr, rev, bc]);
});

test('reshaping a strided view copies into a row-major layout', (t) => {
  const xs = values(12, 3);
  const x = tf.tensor(xs, [3, 4]);
  const tr = tf.transpose(x); // [4, 3], strided
  const r = tf.reshape(tr, [2, 6]);
  t.not(bufferOf(r), bufferOf(x));
  const expected: number[] = [];
  for (let j = 0; j < 4; j++) for (let i = 0; i < 3; i++) expected.push(Math.fround(xs[i * 4 + j]));
  t.deepEqual(Array.from(r.dataSync()), expected);
  tf.dispose([x, tr, r]);
});

test.serial(
  'countArrays: memory() counts each typed array once, views included, and its peak; off again it reports nothing',
  (t) => {
    const backend = ENGINE.backend as CpuBackend;
    backend.countArrays();
    try {
      const before = tf.memory();
      const x = tf.zeros([10, 10]); // 400 bytes
      const views = [tf.reshape(x, [100]), tf.slice(x, [2, 0], [3, 10]), tf.transpose(x)];
      const mid = tf.memory();
      t.is(mid.numBytesInArrays! - before.numBytesInArrays!, 400, 'x and its three views share one array');
      t.true(mid.numBytes - before.numBytes > 400, 'the engine counts each view as a copy');
      const y = tf.add(x, 1); // a new array
      t.is(tf.memory().numBytesInArrays! - before.numBytesInArrays!, 800);
      tf.dispose([x, ...views, y]);
      const after = tf.memory();
      t.is(after.numBytesInArrays, before.numBytesInArrays);
      t.true(after.peakBytesInArrays! >= before.numBytesInArrays! + 800);
      backend.resetArrayPeak();
      t.is(tf.memory().peakBytesInArrays, after.numBytesInArrays);
    } finally {
      backend.countArrays(false);
    }
    t.is(tf.memory().numBytesInArrays, undefined);
  },
);

test('storage shared under another shape (ENGINE.share) reads row-major, even from a strided view', (t) => {
  const xs = values(6, 14);
  const x = tf.tensor(xs, [2, 3]);
  const tr = tf.transpose(x); // [3, 2], strided
  const flat = ENGINE.share(tr, [6]);
  const expected: number[] = [];
  for (let j = 0; j < 3; j++) for (let i = 0; i < 2; i++) expected.push(Math.fround(xs[i * 3 + j]));
  t.deepEqual(Array.from(flat.dataSync()), expected);
  const doubled = tf.mul(flat, 2);
  t.deepEqual(
    Array.from(doubled.dataSync()),
    expected.map((v) => 2 * v),
  );
  // The original view still reads in its own shape.
  t.deepEqual(Array.from(tr.dataSync()), expected);
  tf.dispose([x, tr, flat, doubled]);
});

test('elementwise, reduction and gather kernels read strided, broadcast and reversed views', (t) => {
  const before = tf.memory().numTensors;
  tf.tidy(() => {
    const xs = values(5 * 7, 4),
      bs = values(5, 5);
    const x = tf.tensor(xs, [5, 7]);
    const xT = tf.transpose(x); // [7, 5] with strides [1, 7]
    const X = (i: number, j: number): number => Math.fround(xs[j * 7 + i]); // xT[i, j]
    const bias = tf.reverse(tf.tensor(bs, [5]), 0); // negative stride
    const B = (j: number): number => Math.fround(bs[4 - j]);
    const sum = tf.add(xT, bias);
    const prod = tf.mul(tf.exp(xT), 0.5);
    const colSum = tf.sum(xT, 0);
    const rowMax = tf.max(xT, 1);
    const picked = tf.gather(xT, tf.tensor([4, 0, 4], [3], 'int32'), 1);
    const eSum: number[] = [],
      eProd: number[] = [],
      eCol = new Array<number>(5).fill(0),
      eMax: number[] = [],
      ePick: number[] = [];
    for (let i = 0; i < 7; i++) {
      let m = -Infinity;
      for (let j = 0; j < 5; j++) {
        eSum.push(X(i, j) + B(j));
        eProd.push(Math.exp(X(i, j)) * 0.5);
        eCol[j] += X(i, j);
        m = Math.max(m, X(i, j));
      }
      eMax.push(m);
      ePick.push(X(i, 4), X(i, 0), X(i, 4));
    }
    t.true(closeEnough(sum.dataSync(), eSum, 1e-6, 1e-7) <= 1);
    t.true(closeEnough(prod.dataSync(), eProd, 1e-6, 1e-7) <= 1);
    t.true(closeEnough(colSum.dataSync(), eCol, 1e-6, 1e-6) <= 1);
    t.deepEqual(Array.from(rowMax.dataSync()), eMax);
    t.deepEqual(Array.from(picked.dataSync()), ePick);
  });
  t.is(tf.memory().numTensors, before);
});

test('float32 sums accumulate in float64 and round once', (t) => {
  // 2^24 + 1 + 1 + ... is not representable step by step in float32; the exact sum is.
  const n = 1001;
  const xs = new Float32Array(n).fill(1);
  xs[0] = 2 ** 24;
  const x = tf.tensor(xs, [n]);
  const s = tf.sum(x);
  t.is(s.dataSync()[0], Math.fround(2 ** 24 + 1000));
  tf.dispose([x, s]);
});

test('int32 arithmetic wraps like Int32Array and int32 div floors', (t) => {
  tf.tidy(() => {
    const big = tf.tensor([2147483647, -2147483648, 123456789, -7], [4], 'int32');
    const other = tf.tensor([1, -1, 987654321, 2], [4], 'int32');
    const ref = (f: (a: number, b: number) => number): number[] => {
      const a = [2147483647, -2147483648, 123456789, -7],
        b = [1, -1, 987654321, 2];
      return Array.from(Int32Array.from(a.map((v, i) => f(v, b[i]))));
    };
    t.deepEqual(
      Array.from(tf.add(big, other).dataSync()),
      ref((a, b) => a + b),
    );
    t.deepEqual(
      Array.from(tf.sub(big, other).dataSync()),
      ref((a, b) => a - b),
    );
    t.deepEqual(
      Array.from(tf.mul(big, other).dataSync()),
      ref((a, b) => Math.imul(a, b)),
    );
    t.deepEqual(
      Array.from(tf.div(big, other).dataSync()),
      ref((a, b) => Math.floor(a / b)),
    );
    t.deepEqual(Array.from(tf.neg(big).dataSync()), [-2147483647, -2147483648, -123456789, 7]);
  });
});

test('Gather names the op, index and axis size; UnsortedSegmentSum drops out-of-range ids', (t) => {
  const before = tf.memory().numTensors;
  tf.tidy(() => {
    const x = tf.tensor(values(6, 6), [3, 2]);
    const err = t.throws(() => tf.gather(x, tf.tensor([0, 3], [2], 'int32'), 0));
    t.is(err?.name, 'ValueError');
    t.regex(err.message, /Gather/);
    t.regex(err.message, /= 3 /);
    t.regex(err.message, /\[0, 3\)/);
    t.throws(() => tf.gather(x, tf.tensor([-1], [1], 'int32'), 1), { instanceOf: tf.ValueError });
    const segs = tf.unsortedSegmentSum(tf.tensor([1, 2, 3, 4, 5, 6], [3, 2]), tf.tensor([1, -1, 5], [3], 'int32'), 2);
    t.deepEqual(Array.from(segs.dataSync()), [0, 0, 1, 2]);
  });
  t.is(tf.memory().numTensors, before);
});

test('ReverseSequence clamps lengths beyond the axis and treats negative lengths as 0', (t) => {
  const x = tf.tensor([1, 2, 3, 4, 5, 6, 7, 8, 9], [3, 3]);
  // The kernel itself: the front-end rejects such lengths before it runs.
  const lens = tf.tensor([9, -2, 2], [3], 'int32');
  const y = tf.ENGINE.runKernel(
    'ReverseSequence',
    [x, lens],
    { seqAxis: 1, batchAxis: 0 },
    { shape: x.shape, dtype: x.dtype },
  );
  lens.dispose();
  t.deepEqual(y.arraySync(), [
    [3, 2, 1],
    [4, 5, 6],
    [8, 7, 9],
  ]);
  // On a transposed (strided) input, with the batch axis second.
  const xT = tf.transpose(x);
  const z = tf.reverseSequence(xT, tf.tensor([3, 0, 2], [3], 'int32'), 0, 1);
  t.deepEqual(z.arraySync(), [
    [3, 4, 8],
    [2, 5, 7],
    [1, 6, 9],
  ]);
  tf.dispose([x, y, xT, z]);
});

test('disposed storage is released by the backend', (t) => {
  const x = tf.tensor([1, 2, 3]);
  const data = x.dataId as CpuData;
  x.dispose();
  t.is(data.nd, null);
});

// ---- matmul ------------------------------------------------------------------------------------

/** Runs matmul on tensors of the given layout and checks it against refMatMul. */
function checkMatMul(
  nbA: number,
  nbB: number,
  m: number,
  n: number,
  k: number,
  ta: boolean,
  tb: boolean,
  dtype: 'float32' | 'float64',
  seed: number,
): number {
  const nb = Math.max(nbA, nbB);
  const aShape = ta ? [nbA, k, m] : [nbA, m, k];
  const bShape = tb ? [nbB, n, k] : [nbB, k, n];
  const av = values(nbA * m * k, seed),
    bv = values(nbB * k * n, seed + 1);
  const round = dtype === 'float32' ? Math.fround : (v: number) => v;
  const A = (t: number, i: number, p: number): number =>
    round(av[nbA === 1 ? (ta ? p * m + i : i * k + p) : t * m * k + (ta ? p * m + i : i * k + p)]);
  const B = (t: number, p: number, j: number): number =>
    round(bv[(nbB === 1 ? 0 : t * k * n) + (tb ? j * k + p : p * n + j)]);
  const expected = refMatMul(nb, m, n, k, A, B);
  return tf.tidy(() => {
    const a = tf.tensor(av, aShape, dtype),
      b = tf.tensor(bv, bShape, dtype);
    const y = tf.matmul(a, b, ta, tb);
    // Sums of k products in [-1, 1): a different summation order moves the result by at most
    // about k * eps; float32 adds one final rounding (relative 2^-24).
    return dtype === 'float32'
      ? closeEnough(y.dataSync(), expected, 1e-6, k * 1e-7)
      : closeEnough(y.dataSync(), expected, 1e-14, k * 1e-15);
  });
}

test('matmul matches a float64 reference across tile, block and panel boundaries', (t) => {
  const before = tf.memory().numTensors;
  // m, n: below a 4x4 tile, ragged tiles, past MC = 64 rows; k past KC = 256; n past NC = 1024.
  const cases: [number, number, number][] = [
    [1, 1, 1],
    [3, 5, 7],
    [4, 4, 4],
    [5, 9, 13],
    [17, 19, 23],
    [64, 64, 64],
    [65, 63, 257],
    [130, 7, 300],
    [8, 1029, 20],
    [6, 1030, 513],
    [0, 4, 4],
    [4, 0, 4],
    [4, 4, 0],
  ];
  for (const [m, n, k] of cases) {
    for (const dtype of ['float32', 'float64'] as const) {
      t.true(checkMatMul(1, 1, m, n, k, false, false, dtype, m * 7 + n) <= 1, `${dtype} ${m}x${k} @ ${k}x${n}`);
    }
  }
  t.is(tf.memory().numTensors, before);
});

test('matmul handles transposes, batches and batch broadcast (property)', (t) => {
  const dims = fc.integer({ min: 1, max: 70 });
  fc.assert(
    fc.property(
      dims,
      dims,
      dims,
      fc.boolean(),
      fc.boolean(),
      fc.constantFrom([1, 1], [3, 3], [1, 3], [3, 1]),
      (m, n, k, ta, tb, [nbA, nbB]) => checkMatMul(nbA, nbB, m, n, k, ta, tb, 'float32', m + 31 * n + 97 * k) <= 1,
    ),
    { seed: FC_SEED, numRuns: 60 },
  );
  t.pass();
});

test('matmul reads transposed and sliced views without materializing them', (t) => {
  tf.tidy(() => {
    const xs = values(70 * 90, 8),
      ws = values(90 * 40, 9);
    const x = tf.tensor(xs, [90, 70]);
    const w = tf.tensor(ws, [40, 90]);
    // xT [70, 90] and a column slice of wT: both strided views.
    const xT = tf.transpose(x);
    const wT = tf.slice(tf.transpose(w), [0, 3], [90, 33]);
    const y = tf.matmul(xT, wT);
    const expected = refMatMul(
      1,
      70,
      33,
      90,
      (_b, i, p) => Math.fround(xs[p * 70 + i]),
      (_b, p, j) => Math.fround(ws[(j + 3) * 90 + p]),
    );
    t.true(closeEnough(y.dataSync(), expected, 1e-6, 90e-7) <= 1);
  });
});

test('matmul of a rank-3 input against a shared matrix (batches stacked as rows)', (t) => {
  tf.tidy(() => {
    const xs = values(3 * 10 * 12, 10),
      ws = values(12 * 9, 11);
    const y = tf.matmul(tf.tensor(xs, [3, 10, 12]), tf.broadcastTo(tf.tensor(ws, [1, 12, 9]), [3, 12, 9]));
    const expected = refMatMul(
      3,
      10,
      9,
      12,
      (b, i, p) => Math.fround(xs[(b * 10 + i) * 12 + p]),
      (_b, p, j) => Math.fround(ws[p * 9 + j]),
    );
    t.true(closeEnough(y.dataSync(), expected, 1e-6, 12e-7) <= 1);
  });
});

test('int32 matmul is exact', (t) => {
  tf.tidy(() => {
    const av = Array.from({ length: 6 * 5 }, (_, i) => ((i * 7) % 11) - 5);
    const bv = Array.from({ length: 5 * 8 }, (_, i) => ((i * 5) % 13) - 6);
    const y = tf.matmul(tf.tensor(av, [6, 5], 'int32'), tf.tensor(bv, [5, 8], 'int32'));
    t.is(y.dtype, 'int32');
    t.deepEqual(
      Array.from(y.dataSync()),
      Array.from(
        refMatMul(
          1,
          6,
          8,
          5,
          (_b, i, p) => av[i * 5 + p],
          (_b, p, j) => bv[p * 8 + j],
        ),
      ),
    );
  });
});

// ---- fused LSTMBlock -----------------------------------------------------------------------------

test('LSTMBlock matches the TF1 BasicLSTMCell formula (gate order i, j, f, o)', (t) => {
  const batch = 3,
    units = 5,
    forgetBias = 1;
  const gs = values(batch * 4 * units, 12).map((v) => 3 * v),
    cs = values(batch * units, 13);
  const sig = (v: number): number => 1 / (1 + Math.exp(-v));
  const eC: number[] = [],
    eH: number[] = [];
  for (let b = 0; b < batch; b++) {
    for (let u = 0; u < units; u++) {
      const g = (q: number): number => Math.fround(gs[b * 4 * units + q * units + u]);
      const c = sig(g(2) + forgetBias) * Math.fround(cs[b * units + u]) + sig(g(0)) * Math.tanh(g(1));
      eC.push(c);
      eH.push(Math.tanh(c) * sig(g(3)));
    }
  }
  const backend = ENGINE.backend;
  t.true(backend instanceof CpuBackend);
  t.true(ENGINE.hasFused('LSTMBlock'));
  const before = tf.memory().numTensors;
  const gates = tf.tensor(gs, [batch, 4 * units]);
  const c = tf.tensor(cs, [batch, units]);
  const [cNew, hNew] = ENGINE.runFused('LSTMBlock', [gates, c], { forgetBias }, [
    { shape: [batch, units], dtype: 'float32' },
    { shape: [batch, units], dtype: 'float32' },
  ]);
  t.true(closeEnough(cNew.dataSync(), eC, 1e-6, 1e-6) <= 1);
  t.true(closeEnough(hNew.dataSync(), eH, 1e-6, 1e-6) <= 1);
  tf.dispose([gates, c, cNew, hNew]);
  t.is(tf.memory().numTensors, before);
});

// ---- fused backward kernels and GRUBlock vs float64 references -----------------------------------

const sig64 = (v: number): number => 1 / (1 + Math.exp(-v));

/**
 * Central differences (float64) of L(inputs) = sum_k dy[k] . y[k](inputs) for a plain forward
 * function, with respect to each element of each input: the vector-Jacobian product a backward
 * kernel must return.
 */
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

/** The LSTMBlock equations in float64 on row-major arrays: [c', h']. */
function lstmForward64(batch: number, units: number, forgetBias: number) {
  return ([g, c]: number[][]): number[][] => {
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
}

/** The GRUBlock equation in float64: h' = u h + (1 - u) tanh(cPre), u = sig(gates[:, units:]). */
function gruForward64(batch: number, units: number) {
  return ([g, h, cp]: number[][]): number[][] => [
    Array.from({ length: batch * units }, (_, k) => {
      const b = Math.floor(k / units),
        j = k % units;
      const u = sig64(g[b * 2 * units + units + j]);
      return u * h[k] + (1 - u) * Math.tanh(cp[k]);
    }),
  ];
}

for (const dtype of ['float64', 'float32'] as const) {
  const tolFor = dtype === 'float64' ? [1e-6, 1e-8] : [1e-5, 1e-6];

  test(`LSTMBlockGrad (${dtype}) equals central differences of the LSTMBlock equations`, (t) => {
    const batch = 3,
      units = 4,
      forgetBias = 0.7;
    const round = (xs: number[]): number[] => (dtype === 'float32' ? xs.map(Math.fround) : xs);
    const gs = round(values(batch * 4 * units, 21).map((v) => 2.5 * v)),
      cs = round(values(batch * units, 22).map((v) => 2 * v));
    const dcn = round(values(batch * units, 23)),
      dhs = round(values(batch * units, 24));
    const fwd = lstmForward64(batch, units, forgetBias);
    const [cNext] = fwd([gs, cs]);
    const cNextIn = round(cNext);
    const [eGates, eC] = numericVjp(fwd, [gs, cs], [dcn, dhs]);
    t.true(ENGINE.hasFused('LSTMBlockGrad'));
    const before = tf.memory().numTensors;
    const ins = [
      tf.tensor(gs, [batch, 4 * units], dtype),
      tf.tensor(cs, [batch, units], dtype),
      tf.tensor(cNextIn, [batch, units], dtype),
      tf.tensor(dcn, [batch, units], dtype),
      tf.tensor(dhs, [batch, units], dtype),
    ];
    const [dG, dC] = ENGINE.runFused('LSTMBlockGrad', ins, { forgetBias }, [
      { shape: [batch, 4 * units], dtype },
      { shape: [batch, units], dtype },
    ]);
    t.is(dG.dtype, dtype);
    t.true(
      closeEnough(dG.dataSync(), eGates, tolFor[0], tolFor[1]) <= 1,
      `dGates ${Array.from(dG.dataSync())} vs ${eGates}`,
    );
    t.true(closeEnough(dC.dataSync(), eC, tolFor[0], tolFor[1]) <= 1);
    tf.dispose([...ins, dG, dC]);
    t.is(tf.memory().numTensors, before);
  });

  test(`GRUBlock and GRUBlockGrad (${dtype}) equal the float64 equation and its central differences`, (t) => {
    const batch = 2,
      units = 5;
    const round = (xs: number[]): number[] => (dtype === 'float32' ? xs.map(Math.fround) : xs);
    const gs = round(values(batch * 2 * units, 31).map((v) => 3 * v)),
      hs = round(values(batch * units, 32));
    const cps = round(values(batch * units, 33).map((v) => 2 * v)),
      dn = round(values(batch * units, 34));
    const fwd = gruForward64(batch, units);
    const [eH] = fwd([gs, hs, cps]);
    const [eGates, eDh, eDcPre] = numericVjp(fwd, [gs, hs, cps], [dn]);
    t.true(ENGINE.hasFused('GRUBlock') && ENGINE.hasFused('GRUBlockGrad'));
    const before = tf.memory().numTensors;
    const g = tf.tensor(gs, [batch, 2 * units], dtype),
      h = tf.tensor(hs, [batch, units], dtype);
    const cp = tf.tensor(cps, [batch, units], dtype),
      d = tf.tensor(dn, [batch, units], dtype);
    const [hNew] = ENGINE.runFused('GRUBlock', [g, h, cp], {}, [{ shape: [batch, units], dtype }]);
    t.true(closeEnough(hNew.dataSync(), eH, tolFor[0], tolFor[1]) <= 1);
    const outs = ENGINE.runFused('GRUBlockGrad', [g, h, cp, d], {}, [
      { shape: [batch, 2 * units], dtype },
      { shape: [batch, units], dtype },
      { shape: [batch, units], dtype },
    ]);
    // The r columns of dGates are exactly 0 (r reaches h' only through cPre, outside the block).
    t.true(closeEnough(outs[0].dataSync(), eGates, tolFor[0], tolFor[1]) <= 1);
    t.true(closeEnough(outs[1].dataSync(), eDh, tolFor[0], tolFor[1]) <= 1);
    t.true(closeEnough(outs[2].dataSync(), eDcPre, tolFor[0], tolFor[1]) <= 1);
    tf.dispose([g, h, cp, d, hNew, ...outs]);
    t.is(tf.memory().numTensors, before);
  });
}

test('fused kernels read strided (sliced, transposed) inputs like contiguous ones', (t) =>
  tf.tidy(() => {
    const batch = 3,
      units = 2;
    const big = tf.tensor(values(batch * 6 * units, 41), [batch, 6 * units]);
    const gates = tf.slice(big, [0, units], [batch, 4 * units]); // a strided view
    const cT = tf.transpose(tf.tensor(values(batch * units, 42), [units, batch]));
    const out = { shape: [batch, units], dtype: 'float32' as const };
    const [a] = ENGINE.runFused('LSTMBlock', [gates, cT], { forgetBias: 1 }, [out, out]);
    const [b] = ENGINE.runFused('LSTMBlock', [tf.add(gates, 0), tf.add(cT, 0)], { forgetBias: 1 }, [out, out]);
    t.deepEqual(Array.from(a.dataSync()), Array.from(b.dataSync()));
  }));
