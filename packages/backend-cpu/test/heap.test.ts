/**
 * float32 tensors in the module memory (src/wasm/heap.ts, src/storage.ts): which arrays live
 * there, that the wasm kernels give the same bits reading them in place as staging JS arrays
 * (storagePaths.forceJsArrays, the path of an unshared memory), that user data is copied and
 * dataSync hands out copies, that blocks are freed on dispose (views keep them alive) and by the
 * GC when never disposed, that growth keeps earlier tensors' values, and that a 200-step LSTM
 * training loop with Adam holds its tensor count and heap bytes steady.
 */
import test from 'ava';
import v8 from 'node:v8';
import vm from 'node:vm';
import * as tf from '@tapeflow/core';
import { adam } from '@tapeflow/autograd';
import { BasicLSTMCell, dynamicRnn, initializers, resetDefaultGraph } from '@tapeflow/rnn';
import '../src/index.js';
import type { CpuBackend } from '../src/index.js';
import { HEAP_MIN_FLOATS, heapAddress, makeArray, store, storagePaths, viewOf } from '../src/storage.js';
import { elementwisePaths } from '../src/kernels/elementwise_wasm.js';
import { matmulPaths } from '../src/kernels/matmul.js';
import { wasmHeap } from '../src/wasm/runtime.js';
import { WasmHeap } from '../src/wasm/heap.js';
import { threadCount, useThreads } from '../src/threads/index.js';

test.before(async () => {
  if (!(await tf.setBackend('cpu'))) throw new Error('cpu backend failed to initialize');
});
test.afterEach.always(() => {
  storagePaths.forceJsArrays = false;
});

const backend = (): CpuBackend => tf.ENGINE.backend as CpuBackend;
const heapBytes = (): number => backend().memory().numBytesInHeap!;
const inHeap = (t: tf.Tensor): boolean => {
  const v = viewOf(t);
  return heapAddress(v.data, v.offset) >= 0;
};
const values = (n: number, seed: number): Float32Array =>
  Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.37 + seed) * (1 + (i % 7)));

test.serial(
  'float32 tensors of HEAP_MIN_FLOATS or more live in the heap; small, int32 and forced ones in JS arrays',
  (t) => {
    t.true(wasmHeap()!.views, 'Node shares the module memory');
    tf.tidy(() => {
      t.true(inHeap(tf.tensor(values(HEAP_MIN_FLOATS, 1))));
      t.true(inHeap(tf.exp(tf.tensor(values(100, 1)))), 'a kernel output');
      t.false(inHeap(tf.tensor(values(HEAP_MIN_FLOATS - 1, 1))));
      t.false(
        inHeap(
          tf.tensor(
            Int32Array.from({ length: 100 }, (_, i) => i),
            [100],
            'int32',
          ),
        ),
      );
      storagePaths.forceJsArrays = true;
      t.false(inHeap(tf.tensor(values(100, 1))));
      t.false(inHeap(tf.exp(tf.tensor(values(100, 1)))));
    });
  },
);

test.serial('user data is copied in and dataSync returns a JS copy the user cannot corrupt a tensor through', (t) => {
  const src = values(256, 2),
    before = src.slice();
  const x = tf.tensor(src);
  src.fill(7);
  const out = x.dataSync() as Float32Array;
  t.deepEqual(Array.from(out), Array.from(before), 'the tensor kept the values it was made from');
  t.false(out.buffer instanceof SharedArrayBuffer, 'not a view of the module memory');
  out.fill(-1);
  t.deepEqual(Array.from(x.dataSync()), Array.from(before));
  const y = tf.add(x, x); // the wasm kernel read x in place
  t.deepEqual(Array.from(x.dataSync()), Array.from(before));
  t.deepEqual(
    Array.from(y.dataSync()),
    Array.from(before, (v) => Math.fround(v + v)),
  );
  tf.dispose([x, y]);
});

/** f's values with tensors in the heap and in JS arrays (same wasm kernels, staged): bit for bit the same. */
function samePathsBits(t: import('ava').ExecutionContext, what: string, f: () => tf.Tensor): void {
  const run = (js: boolean): Float32Array => {
    storagePaths.forceJsArrays = js;
    try {
      return tf.tidy(() => f().dataSync() as Float32Array);
    } finally {
      storagePaths.forceJsArrays = false;
    }
  };
  const calls = elementwisePaths.wasmCalls + matmulPaths.wasmCalls;
  const heap = run(false);
  t.true(elementwisePaths.wasmCalls + matmulPaths.wasmCalls > calls, `${what}: a wasm kernel ran`);
  const js = run(true);
  t.deepEqual(new Uint32Array(heap.buffer), new Uint32Array(js.buffer), what);
}

test.serial('the wasm kernels read heap operands in place with the bits of the staged JS-array path', (t) => {
  // 1000 and 1003 floats: whole vectors and a ragged tail; a slice at an odd offset is unaligned.
  for (const n of [1000, 1003]) {
    const a = (): tf.Tensor => tf.tensor(values(n, 3)),
      b = (): tf.Tensor => tf.tensor(values(n, 4));
    samePathsBits(t, `add ${n}`, () => tf.add(a(), b()));
    samePathsBits(t, `mul ${n}`, () => tf.mul(a(), b()));
    for (const op of ['exp', 'sigmoid', 'tanh'] as const) samePathsBits(t, `${op} ${n}`, () => tf[op](a()));
    samePathsBits(t, `exp of a slice at offset 1 (${n})`, () =>
      tf.exp(tf.slice(tf.reshape(a(), [1, n]), [0, 1], [1, 900])),
    );
  }
  const m = (): tf.Tensor => tf.tensor(values(40 * 64, 5), [40, 64]);
  samePathsBits(t, 'add of a row', () => tf.add(m(), tf.tensor(values(64, 6))));
  samePathsBits(t, 'mul by a row', () => tf.mul(tf.tensor(values(64, 6)), m()));
  const p = (): tf.Tensor => tf.tensor(values(70 * 90, 7), [70, 90]),
    q = (): tf.Tensor => tf.tensor(values(90 * 50, 8), [90, 50]);
  samePathsBits(t, 'matmul', () => tf.matmul(p(), q()));
  samePathsBits(t, 'matmul, both transposed', () => tf.matmul(q(), p(), true, true));
  samePathsBits(t, 'matmul of a reversed, sliced view', () =>
    tf.matmul(tf.slice(tf.reverse(p(), [0]), [3, 0], [60, 90]), q()),
  );
  samePathsBits(t, 'matmul written into its output in place (whole tiles)', () =>
    tf.matmul(tf.tensor(values(64 * 90, 7), [64, 90]), tf.tensor(values(90 * 48, 8), [90, 48])),
  );
  samePathsBits(t, 'rows of a batch stacked against a shared matrix, in place', () =>
    tf.matmul(tf.tensor(values(3 * 12 * 40, 9), [3, 12, 40]), tf.tensor(values(40 * 24, 10), [40, 24])),
  );
  samePathsBits(t, 'batched matmul', () =>
    tf.matmul(tf.tensor(values(3 * 20 * 30, 9), [3, 20, 30]), tf.tensor(values(3 * 30 * 16, 10), [3, 30, 16])),
  );
});

test.serial(
  'on 2 threads, a matmul of heap operands written in place has the bits of the staged single-thread one',
  async (t) => {
    const a = tf.tensor(values(256 * 200, 17), [256, 200]),
      b = tf.tensor(values(200 * 136, 18), [200, 136]);
    storagePaths.forceJsArrays = true;
    const staged = tf.tidy(() => tf.matmul(tf.add(a, 0), tf.add(b, 0)).dataSync());
    storagePaths.forceJsArrays = false;
    await useThreads(2);
    try {
      t.is(threadCount(), 2);
      t.true(inHeap(a) && inHeap(b));
      const inPlace = tf.tidy(() => tf.matmul(a, b).dataSync());
      t.deepEqual(new Uint32Array(inPlace.buffer), new Uint32Array(staged.buffer));
    } finally {
      await useThreads(1);
      tf.dispose([a, b]);
    }
  },
);

test.serial('dispose frees a block once the last view over it is gone', (t) => {
  const base = heapBytes();
  const x = tf.tensor(values(1000, 11));
  t.true(heapBytes() >= base + 4000);
  const r = tf.reshape(x, [10, 100]),
    s = tf.slice(r, [2, 0], [3, 100]);
  const expect = Array.from(s.dataSync());
  x.dispose();
  r.dispose();
  t.true(heapBytes() >= base + 4000, 'the slice keeps the block');
  const others = tf.tidy(() => Array.from({ length: 5 }, (_, i) => tf.keep(tf.tensor(values(1000, 20 + i)))));
  t.deepEqual(Array.from(s.dataSync()), expect, 'no other tensor took the block');
  s.dispose();
  tf.dispose(others);
  t.is(heapBytes(), base);
});

/** Runs the garbage collector (--expose-gc where given, else switched on here) and lets finalizers run. */
async function collect(): Promise<void> {
  let gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) {
    v8.setFlagsFromString('--expose-gc');
    gc = vm.runInNewContext('gc') as () => void;
  }
  for (let i = 0; i < 4; i++) {
    gc();
    await new Promise((r) => setTimeout(r, 10));
  }
}

test.serial('blocks of arrays that were never disposed are freed once garbage collected', async (t) => {
  await collect();
  const base = heapBytes();
  // arrays no storage kept, and storage dropped without disposeData (as by a kernel that fails half way)
  (() => {
    for (let i = 0; i < 20; i++) makeArray('float32', 10_000);
    for (let i = 0; i < 20; i++) store(makeArray('float32', 10_000), [10_000], 'float32');
  })();
  t.true(heapBytes() >= base + 40 * 40_000);
  await collect();
  t.is(heapBytes(), base);
});

test.serial('growing the memory keeps earlier tensors and their values', (t) => {
  const before = wasmHeap()!.stats().memoryBytes;
  const keep = tf.tensor(values(5000, 14));
  const expect = Array.from(keep.dataSync());
  const big = tf.tensor(new Float32Array(before / 4 + 1_000_000).fill(1)); // more than the whole memory was
  t.true(wasmHeap()!.stats().memoryBytes > before, 'the memory grew');
  t.true(inHeap(big));
  t.deepEqual(Array.from(keep.dataSync()), expect);
  const y = tf.add(keep, keep); // the old view still reads where the kernel sees it
  t.deepEqual(
    Array.from(y.dataSync()),
    expect.map((v) => Math.fround(v + v)),
  );
  tf.dispose([keep, big, y]);
});

test('a heap over an unshared memory gives out no views (growing would detach them), only raw room', (t) => {
  const memory = new WebAssembly.Memory({ initial: 1, maximum: 8 });
  const h = new WasmHeap(memory, false, 8);
  t.is(h.allocView(1000, true), null);
  const at = h.allocRaw(100_000)!; // 400 KB: the memory grows from 64 KB
  t.true(memory.buffer.byteLength >= (at + 100_000) * 4);
  h.floats().fill(1, at, at + 100_000); // the region is inside the memory as it is now
  h.freeRaw(at);
  t.is(h.stats().allocatedBytes, 0);
});

test('past the memory maximum a heap refuses the block, and storage then makes a JS array', (t) => {
  const h = new WasmHeap(new WebAssembly.Memory({ initial: 1, maximum: 4, shared: true }), true, 4);
  const v = h.allocView(50_000, true)!; // 200 KB of the 256 KB
  t.is(v.length, 50_000);
  t.is(h.allocView(50_000, true), null, 'no room left');
  t.is(h.addressOf(v), v.byteOffset);
  h.retain(v);
  h.release(v);
  t.not(h.allocView(50_000, true), null, 'released: the room is back');
  const big = makeArray('float32', (1 << 30) / 4 + 16); // more than the module memory can ever hold
  t.is(heapAddress(big, 0), -1);
  t.is(big.length, (1 << 30) / 4 + 16);
});

test.serial('200 steps of LSTM training with Adam: tensors, bytes and heap bytes stay where step 5 left them', (t) => {
  resetDefaultGraph();
  const B = 4,
    T = 6,
    D = 8,
    H = 16;
  const cell = new BasicLSTMCell(H, { kernelInitializer: initializers.glorotUniform({ seed: 3 }) });
  const x = tf.tensor(values(B * T * D, 15), [B, T, D]);
  const target = tf.tensor(values(B * T * H, 16), [B, T, H]);
  const opt = adam(0.01);
  const step = (): number => {
    const loss = opt.minimize(() => {
      const [out] = dynamicRnn(cell, x, { dtype: 'float32' });
      return tf.mean(tf.square(tf.sub(out as tf.Tensor, target)));
    });
    const v = loss.dataSync()[0];
    loss.dispose();
    return v;
  };
  const losses: number[] = [];
  for (let i = 0; i < 5; i++) losses.push(step());
  const at5 = { ...tf.memory(), heap: heapBytes() };
  for (let i = 5; i < 200; i++) losses.push(step());
  const at200 = { ...tf.memory(), heap: heapBytes() };
  t.is(at200.numTensors, at5.numTensors);
  t.is(at200.numBytes, at5.numBytes);
  t.is(at200.heap, at5.heap, 'no heap block leaked');
  t.true(losses[199] < losses[0] * 0.8, `it trains: ${losses[0]} -> ${losses[199]}`);
  opt.dispose();
  tf.dispose([x, target, ...cell.weights]);
});
