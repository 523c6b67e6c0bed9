/**
 * The webgpu backend's own contract: exact int32 over its whole range, bit-exact readback (sync
 * through the canvas, async through a staging buffer, across the canvas's chunk size), lazy
 * upload, buffer pooling, offload for swapMemory, the pipeline cache, matmul tile edges and the
 * vec4 paths, long reductions (the workgroup path), and that every kernel dispatches on the GPU.
 */
import * as tf from '@tapeflow/core';
import { assert, expectArrayEqual, expectNoLeak, expectWithin, type Registry } from '@tapeflow/conformance';
import { gpu, webgpu } from './util.js';

const I32_EDGES = [2 ** 24 + 1, 2 ** 31 - 1, -(2 ** 31), 123456789, -987654321, 16777217, -16777219, 0];

/** Deterministic float32 values in [-scale, scale). */
const vals = (n: number, seed: number, scale = 1): number[] =>
  Array.from({ length: n }, (_, i) => Math.fround(Math.sin(i * 12.9898 + seed * 78.233) * scale));

export function backendSuite(r: Registry): void {
  r.test('int32: extremes stay exact through add, mul, sum, gather, concat, where, div, max, matmul, cast', () => {
    expectNoLeak(() =>
      tf.tidy(() => {
        const x = tf.tensor(I32_EDGES, [8], 'int32');
        // Reference: JS int32 arithmetic (| 0 and Math.imul wrap like Int32Array).
        expectArrayEqual(
          tf.add(x, 1),
          I32_EDGES.map((v) => (v + 1) | 0),
          'add',
        );
        expectArrayEqual(
          tf.mul(x, 3),
          I32_EDGES.map((v) => Math.imul(v, 3)),
          'mul',
        );
        expectArrayEqual(
          tf.sum(tf.reshape(x, [2, 4]), 1),
          [0, 4].map((s) => I32_EDGES.slice(s, s + 4).reduce((a, v) => (a + v) | 0, 0)),
          'sum',
        );
        expectArrayEqual(
          tf.gather(x, tf.tensor([7, 0, 3, 1, 1], [5], 'int32')),
          [7, 0, 3, 1, 1].map((i) => I32_EDGES[i]),
          'gather',
        );
        expectArrayEqual(tf.concat([x, tf.neg(x)], 0), [...I32_EDGES, ...I32_EDGES.map((v) => -v | 0)], 'concat');
        expectArrayEqual(
          tf.where(tf.greater(x, 0), x, tf.zerosLike(x)),
          I32_EDGES.map((v) => (v > 0 ? v : 0)),
          'where',
        );
        expectArrayEqual(
          tf.div(x, tf.fill([8], -3, 'int32')),
          I32_EDGES.map((v) => Math.floor(v / -3)),
          'floordiv',
        );
        expectArrayEqual(tf.max(x), [2 ** 31 - 1], 'max');
        expectArrayEqual(tf.min(x), [-(2 ** 31)], 'min');
        const P = 2 ** 24;
        // 2^25 + 2 is not a float32: a float path would give 2^25.
        const m = tf.matmul(
          tf.tensor([[1, 1, 1, -1]], [1, 4], 'int32'),
          tf.tensor([[P + 1], [P + 1], [1], [1]], [4, 1], 'int32'),
        );
        expectArrayEqual(m, [2 * P + 2], 'matmul');
        expectArrayEqual(
          tf.cast(x, 'bool'),
          I32_EDGES.map((v) => (v !== 0 ? 1 : 0)),
          'cast bool',
        );
        expectArrayEqual(
          tf.cast(tf.tensor([3e9, -3e9, 2.9, -2.9]), 'int32'),
          [3e9 | 0, -3e9 | 0, 2, -2],
          'cast wraps like ToInt32',
        );
      }),
    );
  });

  r.test('readback is bit exact: dataSync (canvas) and data() (staging buffer), past one canvas chunk', async () => {
    const n = 256 * 256 + 1000; // one full 256x256 canvas chunk and a partial one
    const bits = new Uint32Array(n);
    for (let i = 0; i < n; i++) bits[i] = (Math.imul(i, 2654435761) ^ (i << 7)) >>> 0;
    // No NaN payloads (their bits need not survive arithmetic) and no subnormals in arithmetic: copies only.
    const f = new Float32Array(bits.buffer);
    for (let i = 0; i < n; i++) if (Number.isNaN(f[i])) f[i] = i;
    const x = tf.tensor(f, [n]);
    const y = tf.reshape(tf.slice(tf.concat([x, x], 0), [n], [n]), [n]); // computed on the GPU
    const sync = y.dataSync(),
      async = await y.data();
    for (let i = 0; i < n; i++) {
      assert(Object.is(sync[i], f[i]) || sync[i] === f[i], `dataSync[${i}] = ${sync[i]}, wrote ${f[i]}`);
      assert(Object.is(async[i], f[i]) || async[i] === f[i], `data()[${i}] = ${async[i]}, wrote ${f[i]}`);
    }
    const ints = tf.add(tf.tensor(I32_EDGES, [8], 'int32'), 0);
    expectArrayEqual(ints.dataSync(), I32_EDGES, 'int32 sync');
    expectArrayEqual(await ints.data(), I32_EDGES, 'int32 async');
    tf.dispose([x, y, ints]);
  });

  r.test('upload is lazy; tidy and dispose free buffers; memory() counts 4 bytes an element', () => {
    const before = gpu();
    const x = tf.tensor(vals(1000, 1));
    assert(gpu().buffers === before.buffers, 'a written tensor takes no buffer until a kernel reads it');
    const y = tf.tidy(() => tf.exp(tf.add(x, 1)));
    const mid = gpu();
    assert(mid.buffers === before.buffers + 2, `x uploaded and y kept: ${mid.buffers - before.buffers} buffers`);
    assert(mid.bytes - before.bytes === 8000, `bytes in use grew by ${mid.bytes - before.bytes}, expected 8000`);
    tf.dispose([x, y]);
    const after = gpu();
    assert(after.buffers === before.buffers && after.bytes === before.bytes, 'dispose returned every buffer');
  });

  r.test('buffers are pooled: a freed buffer of the same size is reused, a new size allocates', () => {
    const x = tf.tensor(vals(4096, 2));
    tf.dispose(tf.neg(x));
    const warm = gpu().allocated;
    for (let i = 0; i < 5; i++) tf.dispose(tf.neg(x));
    assert(gpu().allocated === warm, `repeating an op allocated ${gpu().allocated - warm} new buffers`);
    // A size no earlier suite leaves in the pool (100 floats was: the rnn suites run before this one).
    const odd = tf.tensor(vals(12347, 5));
    const before = gpu().allocated;
    tf.dispose(tf.neg(odd));
    assert(gpu().allocated > before, 'a new size must allocate');
    tf.dispose([x, odd]);
  });

  r.test('offload moves storage to the host and back; values unchanged, GPU bytes freed', () => {
    const x = tf.exp(tf.tensor(vals(5000, 3)));
    const want = x.dataSync();
    const before = gpu();
    webgpu().offload(x.dataId);
    const off = gpu();
    assert(
      off.bytes === before.bytes - 20000 && off.host >= before.host + 20000,
      `offload: ${JSON.stringify({ before, off })}`,
    );
    const y = tf.mul(x, 2); // uploads a transient copy for this dispatch only
    expectArrayEqual(
      y,
      Array.from(want, (v) => Math.fround(v * 2)),
      'computed from offloaded storage',
    );
    expectArrayEqual(x, want, 'offloaded values');
    assert(gpu().bytes === off.bytes + 20000, 'only the new output holds GPU memory');
    tf.dispose([x, y]);
  });

  r.test('pipelines are cached: an op compiles once; new shapes of the same layout compile nothing', () => {
    tf.tidy(() => tf.add(tf.ones([3, 5]), tf.ones([5])));
    const warm = gpu().pipelines;
    tf.tidy(() => tf.add(tf.ones([7, 2]), tf.ones([2])));
    tf.tidy(() => tf.add(tf.ones([11, 13]), tf.ones([13])));
    assert(gpu().pipelines === warm, `new shapes compiled ${gpu().pipelines - warm} pipelines`);
  });

  r.test('matmul: tile edges (31-65), vec4 and scalar loads, transposes, broadcast batches vs float64', () => {
    const cases: [b: [number, number], m: number, k: number, n: number, tA: boolean, tB: boolean][] = [
      [[1, 1], 33, 64, 65, false, false],
      [[1, 1], 64, 32, 64, false, false],
      [[2, 1], 31, 37, 33, false, true],
      [[1, 3], 40, 20, 36, true, false],
      [[2, 2], 5, 65, 8, true, true],
      [[1, 1], 1, 1, 1, false, false],
    ];
    expectNoLeak(() =>
      tf.tidy(() => {
        cases.forEach(([[ba, bb], m, k, n, tA, tB], c) => {
          const av = vals(ba * m * k, c * 2 + 1),
            bv = vals(bb * k * n, c * 2 + 2);
          const a = tf.tensor(av, tA ? [ba, k, m] : [ba, m, k]);
          const b = tf.tensor(bv, tB ? [bb, n, k] : [bb, k, n]);
          const got = tf.matmul(a, b, tA, tB);
          const batch = Math.max(ba, bb);
          const ref: number[] = [],
            tol: number[] = [];
          for (let q = 0; q < batch; q++) {
            for (let i = 0; i < m; i++) {
              for (let j = 0; j < n; j++) {
                let s = 0,
                  mag = 0;
                for (let p = 0; p < k; p++) {
                  const x = av[(ba === 1 ? 0 : q) * m * k + (tA ? p * m + i : i * k + p)];
                  const y = bv[(bb === 1 ? 0 : q) * k * n + (tB ? j * k + p : p * n + j)];
                  s += x * y;
                  mag += Math.abs(x * y);
                }
                ref.push(s);
                tol.push(1e-6 + 4 * k * 2 ** -24 * mag);
              }
            }
          }
          expectWithin(got, ref, tol, `case ${c} [${ba},${bb}] ${m}x${k}x${n} tA=${tA} tB=${tB}`);
        });
      }),
    );
  });

  r.test(
    'long reductions (the workgroup path): sum of 100000 near float64, NaN in a long run, non-trailing axes',
    () => {
      expectNoLeak(() =>
        tf.tidy(() => {
          const v = vals(100000, 5);
          const s64 = v.reduce((a, x) => a + x, 0);
          const mag = v.reduce((a, x) => a + Math.abs(x), 0);
          expectWithin(tf.sum(tf.tensor(v)), [s64], [mag * 2 ** -20], 'sum');
          const w = v.slice(0, 3000);
          w[2500] = NaN;
          expectArrayEqual(tf.max(tf.tensor(w)), [NaN], 'max with NaN');
          const x = tf.tensor(vals(4 * 300 * 3, 6), [4, 300, 3]);
          const xv = x.dataSync();
          const ref = [0, 1, 2].map((c) =>
            Math.max(...Array.from({ length: 1200 }, (_, i) => xv[(Math.floor(i / 300) * 300 + (i % 300)) * 3 + c])),
          );
          expectArrayEqual(tf.max(x, [0, 1]), ref, 'max over axes 0,1');
        }),
      );
    },
  );

  r.test('no CPU fallback: every kernel dispatches on the GPU (Reshape only relabels storage)', () => {
    const b = webgpu();
    const x = tf.tensor([
      [1, -2],
      [3, 4],
    ]);
    const i = tf.tensor([1, 0], [2], 'int32');
    const ops: [string, () => tf.Tensor][] = [
      ['neg', () => tf.neg(x)],
      ['exp', () => tf.exp(x)],
      ['cast', () => tf.cast(x, 'int32')],
      ['add', () => tf.add(x, x)],
      ['where', () => tf.where(tf.greater(x, 0), x, x)],
      ['sum', () => tf.sum(x, 1)],
      ['matmul', () => tf.matmul(x, x)],
      ['transpose', () => tf.transpose(x)],
      ['slice', () => tf.slice(x, [0, 1], [2, 1])],
      [
        'pad',
        () =>
          tf.pad(x, [
            [1, 0],
            [0, 1],
          ]),
      ],
      ['reverse', () => tf.reverse(x, [0])],
      ['concat', () => tf.concat([x, x], 1)],
      ['gather', () => tf.gather(x, i)],
      ['unsortedSegmentSum', () => tf.unsortedSegmentSum(x, i, 2)],
      ['reverseSequence', () => tf.reverseSequence(x, i, 1, 0)],
      ['broadcastTo', () => tf.broadcastTo(tf.tensor([1, 2]), [3, 2])],
    ];
    for (const [name, f] of ops) {
      const before = b.numDispatches;
      tf.dispose(f());
      assert(b.numDispatches > before, `${name} ran no compute shader`);
    }
    tf.dispose([x, i]);
  });
}
