/**
 * The fused Adam update (src/kernels/adam.ts: the wasm f32x4 kernel and its TypeScript loop)
 * against core's composed update (adamUpdate with useKernel = false): bit for bit, float32 on
 * the wasm path (heap arrays in place, JS arrays staged), on the TypeScript path (small, forced,
 * strided) and float64; autograd's AdamOptimizer runs the kernel, and its gradient is the
 * composed update's. fast-check draws sizes, values and constants (fixed seed).
 */
import test from 'ava';
import fc from 'fast-check';
import * as tf from '@tapeflow/core';
import { adam, grads } from '@tapeflow/autograd';
import '../src/index.js';
import { elementwisePaths } from '../src/kernels/elementwise_wasm.js';
import { storagePaths } from '../src/storage.js';

const FC = { seed: 20261202, numRuns: 30 };

test.before(async () => {
  if (!(await tf.setBackend('cpu'))) throw new Error('cpu backend failed to initialize');
});
test.afterEach.always(() => {
  elementwisePaths.forceTs = false;
  storagePaths.forceJsArrays = false;
});

const bits = (t: tf.Tensor): number[] => {
  const d = t.dataSync();
  return Array.from(d instanceof Float32Array ? new Uint32Array(d.buffer) : new Float64Array(d));
};

/** Fused and composed [p', m', v'] of the same inputs: their bits, and whether the wasm kernel ran. */
function both(ts: tf.Tensor[], attrs: tf.AdamAttrs): { fused: number[][]; composed: number[][]; wasm: boolean } {
  const [p, m, v, g] = ts;
  const calls = elementwisePaths.wasmCalls;
  const fused = tf.tidy(() => tf.adamUpdate(p, m, v, g, attrs).map(bits));
  const wasm = elementwisePaths.wasmCalls > calls;
  const composed = tf.tidy(() => tf.adamUpdate(p, m, v, g, attrs, false).map(bits));
  return { fused, composed, wasm };
}

const attrsArb = fc.record({
  beta1: fc.double({ min: 0.5, max: 0.99, noNaN: true }),
  beta2: fc.double({ min: 0.9, max: 0.9999, noNaN: true }),
  lrT: fc.double({ min: 1e-5, max: 0.1, noNaN: true }),
  epsilon: fc.constantFrom(1e-8, 1e-7, 1e-3),
});

function inputs(n: number, seed: number, dtype: 'float32' | 'float64' = 'float32'): tf.Tensor[] {
  const arr = (k: number, f: (i: number) => number): tf.Tensor =>
    tf.tensor(
      Array.from({ length: n }, (_, i) => f(i * 7 + k + seed)),
      [n],
      dtype,
    );
  return [
    arr(1, (i) => Math.sin(i) * 3),
    arr(2, (i) => Math.cos(i) * 0.1),
    arr(3, (i) => Math.abs(Math.sin(i * 1.3)) * 0.01),
    arr(4, (i) => Math.sin(i * 0.7) * (i % 5 === 0 ? 1e-4 : 2)),
  ];
}

test('float32 on the wasm kernel, heap and JS arrays, and on the TypeScript loop: the composed update bit for bit', (t) => {
  const before = tf.memory().numTensors;
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 300 }), fc.integer(), attrsArb, fc.boolean(), (n, seed, attrs, js) => {
      storagePaths.forceJsArrays = js;
      const ts = inputs(n, seed);
      const r = both(ts, attrs);
      elementwisePaths.forceTs = true;
      const ref = both(ts, attrs);
      elementwisePaths.forceTs = false;
      tf.dispose(ts);
      t.is(r.wasm, n >= 64, `n = ${n}: the wasm kernel runs from 64 floats`);
      t.false(ref.wasm);
      t.deepEqual(r.fused, r.composed, `wasm n = ${n}`);
      t.deepEqual(ref.fused, ref.composed, `TypeScript n = ${n}`);
      return true;
    }),
    FC,
  );
  t.is(tf.memory().numTensors, before);
});

test('float64 and strided (transposed) inputs take the TypeScript loop, bit for bit the composed update', (t) => {
  const attrs = { beta1: 0.9, beta2: 0.999, lrT: 0.01, epsilon: 1e-8 };
  const r64 = both(inputs(200, 3, 'float64'), attrs);
  t.false(r64.wasm);
  t.deepEqual(r64.fused, r64.composed);
  const ts = inputs(20 * 16, 4).map((x) => tf.transpose(tf.reshape(x, [20, 16])));
  const r = both(ts, attrs);
  t.deepEqual(r.fused, r.composed);
  t.throws(() => tf.adamUpdate(ts[0], ts[1], ts[2], tf.zeros([3]), attrs), {
    name: 'ValueError',
    message: /adamUpdate: g must be float32 \[16,20\] like p, got float32 \[3\]/,
  });
});

test("autograd's AdamOptimizer runs the fused kernel and trains as the composed steps do", (t) => {
  const w0 = Array.from({ length: 256 }, (_, i) => Math.sin(i));
  const target = tf.tensor(Array.from({ length: 256 }, (_, i) => Math.cos(i)));
  const loss = (w: tf.Tensor): tf.Tensor => tf.mean(tf.square(tf.sub(w, target)));
  const w = tf.variable(tf.tensor(w0), { name: 'adam_test/w' });
  const opt = adam(0.05);
  const calls = elementwisePaths.wasmCalls;
  for (let i = 0; i < 5; i++) opt.minimize(() => loss(w)).dispose();
  t.true(elementwisePaths.wasmCalls - calls >= 5, 'one fused update per step (and other wasm ops)');
  // The same 5 steps by hand with the composed update.
  let p = tf.tensor(w0),
    m = tf.zerosLike(p),
    v = tf.zerosLike(p);
  for (let step = 1; step <= 5; step++) {
    const g = grads((x: tf.Tensor) => loss(x))(p)[0];
    const lrT = (0.05 * Math.sqrt(1 - 0.999 ** step)) / (1 - 0.9 ** step);
    const next = tf.adamUpdate(p, m, v, g, { beta1: 0.9, beta2: 0.999, lrT, epsilon: 1e-8 }, false);
    tf.dispose([p, m, v, g]);
    [p, m, v] = next;
  }
  t.deepEqual(bits(w), bits(p));
  opt.dispose();
  tf.dispose([w, target, p, m, v]);
});

// Not bit for bit: g's two gradient contributions (through the update and through the product)
// are summed in another order when the update's comes from a vjp of its own.
test('the gradient of a recorded fused update is the composed update gradient (float64, to 1e-12)', (t) => {
  const attrs = { beta1: 0.8, beta2: 0.99, lrT: 0.1, epsilon: 1e-3 };
  const [p, m, v, g] = inputs(100, 9, 'float64');
  const f =
    (useKernel: boolean) =>
    (...xs: tf.Tensor[]): tf.Tensor =>
      tf.sum(tf.mul(tf.adamUpdate(xs[0], xs[1], xs[2], xs[3], attrs, useKernel)[0], xs[3]));
  const fused = tf.tidy(() => grads(f(true))(p, m, v, g).map((d) => Array.from(d.dataSync())));
  const composed = tf.tidy(() => grads(f(false))(p, m, v, g).map((d) => Array.from(d.dataSync())));
  fused.forEach((d, k) => {
    const scale = Math.max(...composed[k].map(Math.abs));
    const worst = Math.max(...d.map((x, i) => Math.abs(x - composed[k][i])));
    t.true(scale > 0 && worst <= 1e-12 * scale, `input ${k}: ${worst} of ${scale}`);
  });
  tf.dispose([p, m, v, g]);
});
