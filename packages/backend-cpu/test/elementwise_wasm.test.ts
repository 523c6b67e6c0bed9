/**
 * The WebAssembly SIMD elementwise kernels (src/wasm/elementwise.wat, src/kernels/elementwise_wasm.ts)
 * against the TypeScript kernels they stand in for (forced with elementwisePaths.forceTs): add and
 * mul bit for bit (both round the exact result to float32 once), exp, sigmoid and tanh within 1
 * float32 ulp of them and, like fast_math's, within 1 ulp of float64 references with at most 1 in a
 * million results not correctly rounded. fast-check draws lengths (not multiples of 4 included),
 * values with special ones mixed in, and row-broadcast shapes; the seed is fixed.
 */
import { readFileSync } from 'node:fs';
import test from 'ava';
import fc from 'fast-check';
import * as tf from '@tapeflow/core';
import '../src/index.js';
import { WASM_MIN_ELEMENTS, elementwisePaths } from '../src/kernels/elementwise_wasm.js';
import { elementwiseRuntime, matmulRuntime } from '../src/wasm/runtime.js';
import { fromOrdered, ordered } from './ulp.js';
// a plain .mjs build script (type-checked through allowJs)
import { generate } from '../scripts/build-wasm.mjs';

const FC = { seed: 20261202, numRuns: 25 };
const SPECIAL = [NaN, Infinity, -Infinity, 0, -0, 1e-40, -1e-40, 88.72, -103.5, 3.4e38, -3.4e38, 9.5, -9.5];

test.before(async () => {
  if (!(await tf.setBackend('cpu'))) throw new Error('cpu backend failed to initialize');
});
test.afterEach.always(() => {
  elementwisePaths.forceTs = false;
});

test('the committed module bytes are a fresh assembly of elementwise.wat (scripts/build-wasm.mjs)', async (t) => {
  const committed = readFileSync(new URL('../src/wasm/elementwise_wasm.ts', import.meta.url), 'utf8');
  t.is(committed, await generate('elementwise'), 'run `node scripts/build-wasm.mjs` in packages/backend-cpu');
  t.truthy(elementwiseRuntime(), 'Node 20 has WebAssembly SIMD');
});

/** The op's result on the wasm path (asserted taken) and on the TypeScript path; frees what it makes. */
function bothPaths(f: () => tf.Tensor, wasm = true): [Float32Array, Float32Array] {
  const calls = elementwisePaths.wasmCalls;
  const a = tf.tidy(() => f().dataSync() as Float32Array);
  if (wasm && elementwisePaths.wasmCalls !== calls + 1) throw new Error('the wasm kernel did not run');
  elementwisePaths.forceTs = true;
  const b = tf.tidy(() => f().dataSync() as Float32Array);
  elementwisePaths.forceTs = false;
  return [a, b];
}

/** Largest ulp distance between a and b (NaN must meet NaN). */
function worstUlps(a: Float32Array, b: Float32Array): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    if (Number.isNaN(a[i]) || Number.isNaN(b[i])) {
      if (Number.isNaN(a[i]) !== Number.isNaN(b[i])) return Infinity;
      continue;
    }
    worst = Math.max(worst, Math.abs(ordered(a[i]) - ordered(b[i])));
  }
  return worst;
}

const sameBits = (a: Float32Array, b: Float32Array): boolean =>
  a.length === b.length && a.every((v, i) => Object.is(v, b[i]));

/** float32 values spread over [-scale, scale] with some special values in. */
const floats = (n: number, scale: number): fc.Arbitrary<number[]> =>
  fc.array(
    fc.oneof(
      { weight: 20, arbitrary: fc.float({ min: -scale, max: scale, noNaN: true }) },
      { weight: 1, arbitrary: fc.constantFrom(...SPECIAL) },
    ),
    { minLength: n, maxLength: n },
  );

test('add and mul of same-shape float32 operands: bit for bit the TypeScript loops', (t) => {
  const before = tf.memory().numTensors;
  fc.assert(
    fc.property(
      fc
        .integer({ min: WASM_MIN_ELEMENTS, max: WASM_MIN_ELEMENTS + 61 })
        .chain((n) => fc.tuple(floats(n, 1e4), floats(n, 1e4))),
      ([xs, ys]) => {
        const n = xs.length,
          x = tf.tensor(xs, [n], 'float32'),
          y = tf.tensor(ys, [n], 'float32');
        for (const op of [tf.add, tf.mul]) {
          const [w, s] = bothPaths(() => op(x, y));
          if (!sameBits(w, s)) return false;
        }
        tf.dispose([x, y]);
        return true;
      },
    ),
    FC,
  );
  t.is(tf.memory().numTensors, before);
});

test('add and mul by a row repeated over the rows (either side, leading 1s): bit for bit; rows of a length not a multiple of 4 take the TS loop', (t) => {
  const before = tf.memory().numTensors;
  const shape = fc.record({
    rows: fc.integer({ min: 8, max: 70 }),
    cols4: fc.integer({ min: 16, max: 40 }),
    lead1: fc.boolean(),
    rowFirst: fc.boolean(),
  });
  fc.assert(
    fc.property(shape, fc.integer(), ({ rows, cols4, lead1, rowFirst }, seed) => {
      const cols = 4 * cols4;
      const xs = Float32Array.from({ length: rows * cols }, (_, i) => Math.sin(seed + i) * 100);
      const rs = Float32Array.from({ length: cols }, (_, i) => Math.cos(seed - i) * 3);
      const x = tf.tensor(xs, [rows, cols]),
        r = tf.tensor(rs, lead1 ? [1, cols] : [cols]);
      const wasm = rows * cols >= WASM_MIN_ELEMENTS;
      for (const op of [tf.add, tf.mul]) {
        const [w, s] = bothPaths(() => (rowFirst ? op(r, x) : op(x, r)), wasm);
        if (!sameBits(w, s)) return false;
      }
      tf.dispose([x, r]);
      return true;
    }),
    FC,
  );
  // 1022 columns: the TS loop (no wasm call), same values.
  const x = tf.ones([4, 1022]),
    r = tf.fill([1022], 2);
  const calls = elementwisePaths.wasmCalls;
  t.deepEqual([...tf.tidy(() => tf.mul(x, r).dataSync()).slice(0, 3)], [2, 2, 2]);
  t.is(elementwisePaths.wasmCalls, calls);
  tf.dispose([x, r]);
  t.is(tf.memory().numTensors, before);
});

const UNARY: [string, (x: tf.Tensor) => tf.Tensor, (x: number) => number][] = [
  ['exp', tf.exp, Math.exp],
  ['sigmoid', tf.sigmoid, (x) => 1 / (1 + Math.exp(-x))],
  ['tanh', tf.tanh, Math.tanh],
];

for (const [name, op] of UNARY) {
  test(`${name}: within 1 float32 ulp of the TypeScript kernel (special values, lengths not a multiple of 4)`, (t) => {
    const before = tf.memory().numTensors;
    fc.assert(
      fc.property(
        fc.integer({ min: WASM_MIN_ELEMENTS, max: WASM_MIN_ELEMENTS + 61 }).chain((n) => floats(n, 110)),
        (xs) => {
          const x = tf.tensor(xs, [xs.length], 'float32');
          const [w, s] = bothPaths(() => op(x));
          x.dispose();
          return worstUlps(w, s) <= 1;
        },
      ),
      FC,
    );
    const z = tf.tensor(new Float32Array(WASM_MIN_ELEMENTS).fill(-0));
    const y = tf.tidy(() => op(z).dataSync());
    t.true(name !== 'tanh' || Object.is(y[0], -0), 'tanh(-0) = -0');
    z.dispose();
    t.is(tf.memory().numTensors, before);
  });
}

for (const [name, op, ref] of UNARY) {
  test(`${name} on wasm: within 1 ulp of the float64 reference, at most 1 in a million not correctly rounded (a sweep of ~2M float32s)`, (t) => {
    // A prime step through the float32 bit patterns of [-106, 106] samples every binade.
    const xs: number[] = [];
    for (let k = ordered(-106), end = ordered(106); k <= end; k += 997) xs.push(fromOrdered(k));
    const x = tf.tensor(xs, [xs.length], 'float32');
    const got = tf.tidy(() => op(x).dataSync() as Float32Array);
    x.dispose();
    const want = Float32Array.from(xs, ref);
    let worst = 0,
      off = 0;
    for (let i = 0; i < xs.length; i++) {
      const d = Math.abs(ordered(got[i]) - ordered(want[i]));
      if (d > 0) off++;
      worst = Math.max(worst, d);
    }
    t.true(worst <= 1, `${worst} ulps`);
    t.true(off <= xs.length * 1e-6, `${off} of ${xs.length} not correctly rounded`);
  });
}

test('a strided (transposed) input takes the TypeScript loop with the same values; the input is not changed', (t) => {
  const xs = Float32Array.from({ length: 64 * 32 }, (_, i) => Math.sin(i) * 4);
  const x = tf.tensor(xs, [64, 32]);
  const calls = elementwisePaths.wasmCalls;
  const yT = tf.tidy(() => tf.transpose(tf.tanh(tf.transpose(x))).dataSync());
  t.is(elementwisePaths.wasmCalls, calls);
  const y = tf.tidy(() => tf.tanh(x).dataSync());
  t.true(worstUlps(y as Float32Array, yT as Float32Array) <= 1);
  t.deepEqual(x.dataSync(), xs);
  x.dispose();
  t.truthy(matmulRuntime());
});
