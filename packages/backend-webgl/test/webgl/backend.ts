/**
 * The webgl backend's own contract: exact integers, lazy upload, exact float readback (sync and
 * fenced async), texture pooling, tidy freeing textures, offload for swapMemory, the program
 * cache, and that every kernel really draws on the GPU.
 */
import * as tf from '@tapeflow/core';
import { withKernelListener } from '@tapeflow/autograd';
import { assert, expectArrayEqual, expectClose, expectNoLeak, type Registry } from '@tapeflow/conformance';
import { gpu, webgl } from './util.js';

const I32_EDGES = [2 ** 24 + 1, 2 ** 31 - 1, -(2 ** 31), 123456789, -987654321, 16777217, -16777219, 0];

export function backendSuite(r: Registry): void {
  r.test('int32: values beyond 2^24 stay exact through add, mul, sum, gather, concat, where', () => {
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
        const idx = tf.tensor([7, 0, 3, 1, 1], [5], 'int32');
        expectArrayEqual(
          tf.gather(x, idx),
          [7, 0, 3, 1, 1].map((i) => I32_EDGES[i]),
          'gather',
        );
        expectArrayEqual(tf.concat([x, tf.neg(x)], 0), [...I32_EDGES, ...I32_EDGES.map((v) => -v | 0)], 'concat');
        const mask = tf.greater(x, 0);
        expectArrayEqual(
          tf.where(mask, x, tf.zerosLike(x)),
          I32_EDGES.map((v) => (v > 0 ? v : 0)),
          'where',
        );
        expectArrayEqual(
          tf.cast(x, 'bool'),
          I32_EDGES.map((v) => (v !== 0 ? 1 : 0)),
          'cast bool',
        );
      }),
    );
  });

  r.test('int32: gather indices and sequence lengths up to 2^24 + 1 address exactly', () => {
    expectNoLeak(() =>
      tf.tidy(() => {
        // A float texture would round 16777217 to 16777216; the R32I index texture must not.
        const n = 2 ** 24 + 2;
        const x = tf.range(0, n, 1, 'int32');
        expectArrayEqual(tf.gather(x, tf.tensor([2 ** 24 + 1, 2 ** 24, 5], [3], 'int32')), [2 ** 24 + 1, 2 ** 24, 5]);
      }),
    );
  });

  r.test('int32: neighbours of 2^24 (equal as float32) compare, divide, reduce and multiply exactly', () => {
    expectNoLeak(() =>
      tf.tidy(() => {
        const P = 2 ** 24;
        // As float32, P and P + 1 are the same number: every check below would fail through a float path.
        const a = [P - 1, P, P + 1, P + 2, -P - 1, -P, 2 ** 30 + 1, -7];
        const b = [P, P + 1, P + 1, P + 1, -P, -P - 1, 2 ** 30, 2];
        const x = tf.tensor(a, [8], 'int32'),
          y = tf.tensor(b, [8], 'int32');
        expectArrayEqual(
          tf.equal(x, y),
          a.map((v, i) => +(v === b[i])),
          'equal',
        );
        expectArrayEqual(
          tf.greater(x, y),
          a.map((v, i) => +(v > b[i])),
          'greater',
        );
        expectArrayEqual(
          tf.lessEqual(x, y),
          a.map((v, i) => +(v <= b[i])),
          'lessEqual',
        );
        expectArrayEqual(
          tf.sub(x, y),
          a.map((v, i) => v - b[i]),
          'sub',
        );
        // int32 div is floor division (core's contract), e.g. (P + 1) / 2 = 2^23 exactly, -7 / 2 = -4.
        expectArrayEqual(
          tf.div(x, tf.fill([8], 2, 'int32')),
          a.map((v) => Math.floor(v / 2)),
          'floordiv',
        );
        expectArrayEqual(tf.max(x), [Math.max(...a)], 'max');
        expectArrayEqual(tf.min(x), [Math.min(...a)], 'min');
        expectArrayEqual(
          tf.maximum(x, y),
          a.map((v, i) => Math.max(v, b[i])),
          'maximum',
        );
        // [1, 4] x [4, 1]: P+1 + P+1 + 1 - 1 = 2^25 + 2, which float32 cannot hold (it would give 2^25).
        const m = tf.matmul(
          tf.tensor([[1, 1, 1, -1]], [1, 4], 'int32'),
          tf.tensor([[P + 1], [P + 1], [1], [1]], [4, 1], 'int32'),
        );
        expectArrayEqual(m, [P + 1 + (P + 1) + 1 - 1], 'matmul');
        // int32 -> float32 rounds to nearest even like Math.fround; float32 -> int32 truncates.
        expectArrayEqual(tf.cast(x, 'float32'), a.map(Math.fround), 'cast to float32');
        expectArrayEqual(
          tf.cast(tf.tensor([P + 2, -(P + 2), 2.9, -2.9]), 'int32'),
          [P + 2, -(P + 2), 2, -2],
          'cast to int32',
        );
      }),
    );
  });

  r.test('float32: upload and readback are bit exact (dataSync and async data)', async () => {
    const vals = new Float32Array([
      Math.PI,
      -1e-38,
      1e-45,
      3.4028234663852886e38,
      -0,
      Infinity,
      -Infinity,
      NaN,
      1 / 3,
      1e-7,
    ]);
    const x = tf.tensor(vals, [10]);
    const y = tf.reshape(tf.neg(tf.neg(x)), [10]); // forces an upload and two draws
    const sync = y.dataSync();
    const async = await y.data();
    for (const got of [sync, async]) {
      const a = new Uint32Array(new Float32Array(got).buffer);
      const e = new Uint32Array(vals.buffer);
      for (let i = 0; i < e.length; i++)
        assert(a[i] === e[i], `element ${i}: bits ${a[i].toString(16)} != ${e[i].toString(16)}`);
    }
    tf.dispose([x, y]);
  });

  r.test(
    'subnormal float32: arithmetic may flush them to zero (GLSL ES 3.00), copies keep them, normals stay exact',
    () => {
      expectNoLeak(() =>
        tf.tidy(() => {
          const sub = [8.407790785948902e-45, -4.0637655465419695e-44, 2 ** -127, -(2 ** -149)].map(Math.fround);
          const normal = [2 ** -126, -(2 ** -126), 1.5, -3.25e30, 1e-30].map(Math.fround);
          const x = tf.tensor([...sub, ...normal]);
          const bits = (v: number): number => new Uint32Array(new Float32Array([v]).buffer)[0];
          // Arithmetic: a subnormal times 1 is itself on IEEE hardware or ±0 where the GPU flushes.
          const prod = tf.mul(x, 1).dataSync();
          sub.forEach((v, i) =>
            assert(prod[i] === v || prod[i] === 0, `${v} * 1 read back as ${prod[i]}, expected it or 0`),
          );
          normal.forEach((v, i) => assert(prod[sub.length + i] === v, `${v} * 1 read back as ${prod[sub.length + i]}`));
          const sum = tf.add(x, tf.zerosLike(x)).dataSync();
          sub.forEach((v, i) =>
            assert(sum[i] === v || sum[i] === 0, `${v} + 0 read back as ${sum[i]}, expected it or 0`),
          );
          normal.forEach((v, i) => assert(sum[sub.length + i] === v, `${v} + 0 read back as ${sum[sub.length + i]}`));
          // Movement and sign edits copy bits: subnormals survive them exactly.
          const moved = tf.neg(tf.reverse(tf.concat([x, x], 0), 0)).dataSync();
          const vals = [...sub, ...normal];
          const ref = [...vals, ...vals].reverse().map((v) => -v);
          ref.forEach((v, i) =>
            assert(bits(moved[i]) === bits(v), `neg(reverse(concat))[${i}] = ${moved[i]}, expected ${v}`),
          );
        }),
      );
    },
  );

  r.test('upload is lazy: a written tensor takes no texture until a kernel reads it', () => {
    const before = gpu();
    const x = tf.tensor([1, 2, 3, 4]);
    assert(gpu().textures === before.textures, 'writing a tensor allocated a texture');
    expectArrayEqual(x, [1, 2, 3, 4]);
    assert(gpu().textures === before.textures, 'reading a host tensor allocated a texture');
    const y = tf.add(x, x);
    assert(
      gpu().textures === before.textures + 2,
      `expected textures for x and x + x only, got ${gpu().textures - before.textures}`,
    );
    tf.dispose([x, y]);
    assert(gpu().textures === before.textures, 'dispose left textures in use');
  });

  r.test('tidy and dispose free textures; memory() reports GPU bytes of float32 R32F texels', () => {
    const before = gpu();
    const y = tf.tidy(() => {
      const a = tf.ones([64, 64]);
      const b = tf.mul(tf.exp(a), 2);
      return tf.sum(b, 0);
    });
    const mid = gpu();
    assert(
      mid.textures === before.textures + 1,
      `tidy kept ${mid.textures - before.textures} textures, expected only the result`,
    );
    assert(
      mid.bytes === before.bytes + 64 * 4,
      `result [64] should use 256 bytes of GPU memory, got ${mid.bytes - before.bytes}`,
    );
    y.dispose();
    const after = gpu();
    assert(after.textures === before.textures && after.bytes === before.bytes, 'dispose did not free the texture');
  });

  r.test('textures are pooled by size: a freed texture is reused, a new size allocates', () => {
    tf.tidy(() => {
      tf.exp(tf.ones([3, 5]));
    });
    const alloc = tf.memory().numTexturesAllocated!;
    for (let i = 0; i < 10; i++)
      tf.tidy(() => {
        tf.exp(tf.ones([5, 3]));
      });
    assert(
      tf.memory().numTexturesAllocated === alloc,
      `allocated ${tf.memory().numTexturesAllocated! - alloc} new textures`,
    );
    // The counter does count: a size never seen before (input and output) takes two new textures.
    tf.tidy(() => {
      tf.exp(tf.ones([3, 1187]));
    });
    assert(
      tf.memory().numTexturesAllocated === alloc + 2,
      `a new size allocated ${tf.memory().numTexturesAllocated! - alloc} textures, expected 2`,
    );
  });

  r.test('offload moves storage to the host and back; values unchanged', () => {
    const b = webgl();
    const x = tf.tidy(() => tf.mul(tf.range(0, 1000, 1, 'float32'), 0.5));
    const before = gpu();
    b.offload(x.dataId);
    const off = gpu();
    assert(off.textures === before.textures - 1, 'offload did not free the texture');
    assert(off.host >= before.host + 4000, 'offload did not keep the values on the host');
    const y = tf.add(x, 1); // re-uploads x
    expectArrayEqual(
      y,
      Array.from({ length: 1000 }, (_, i) => i * 0.5 + 1),
    );
    expectArrayEqual(
      x,
      Array.from({ length: 1000 }, (_, i) => i * 0.5),
    );
    tf.dispose([x, y]);
  });

  r.test('programs are cached: an op compiles once; new shapes of the same rank compile nothing', () => {
    const b = webgl();
    // Pow on a rank-5 broadcast is used nowhere else in this page, so its first run compiles.
    const pow5 = (shape: number[]): void =>
      tf.tidy(() => {
        tf.pow(tf.ones(shape), tf.fill([1, 1, 1, 1, 1], 3));
      });
    const n0 = b.gpgpu.numPrograms;
    pow5([2, 1, 3, 1, 2]);
    const n1 = b.gpgpu.numPrograms;
    assert(n1 > n0, 'the first run of a new shader compiled nothing (is numPrograms counting?)');
    pow5([2, 1, 3, 1, 2]);
    pow5([1, 4, 2, 3, 1]);
    assert(b.gpgpu.numPrograms === n1, `running the same op again compiled ${b.gpgpu.numPrograms - n1} more programs`);
    tf.tidy(() => tf.sum(tf.matmul(tf.ones([2, 3]), tf.ones([3, 4])), 1));
    const n2 = b.gpgpu.numPrograms;
    tf.tidy(() => tf.sum(tf.matmul(tf.ones([5, 7]), tf.ones([7, 2])), 1));
    assert(
      b.gpgpu.numPrograms === n2,
      `matmul and sum on new shapes compiled ${b.gpgpu.numPrograms - n2} new programs`,
    );
  });

  r.test(
    'data() is fenced: it returns the values at the time of the call, even if the texture is reused before it resolves',
    async () => {
      const n = 64 * 1024;
      const ref = (k: number): number => Math.fround(k * 0.25 - 3);
      const make = (off: number): tf.Tensor => tf.tidy(() => tf.add(tf.mul(tf.range(0, n, 1, 'float32'), 0.25), off));
      tf.dispose([make(0), make(0)]); // fills the pool with textures of this size
      const alloc = tf.memory().numTexturesAllocated!;
      const x = make(-3);
      const pending = x.data();
      // Free x's texture and draw other values into it (same size, so the pool hands it back).
      x.dispose();
      const others = [make(100), make(200)];
      // The pool is last-in first-out, so x's texture is the first one reused.
      assert(
        tf.memory().numTexturesAllocated === alloc,
        "new textures were allocated: x's may not have been reused, the case would prove nothing",
      );
      // Several reads in flight at once each resolve with their own tensor's values.
      const [got, o1, o2] = await Promise.all([pending, others[0].data(), others[1].data()]);
      expectArrayEqual(
        got,
        Array.from({ length: n }, (_, k) => ref(k)),
        'x.data()',
      );
      expectArrayEqual(
        o1,
        Array.from({ length: n }, (_, k) => Math.fround(k * 0.25 + 100)),
        'others[0].data()',
      );
      expectArrayEqual(
        o2,
        Array.from({ length: n }, (_, k) => Math.fround(k * 0.25 + 200)),
        'others[1].data()',
      );
      tf.dispose(others);
    },
  );

  r.test('matmul, packed (K >= 8) and plain: transposes, broadcast batches, K not a multiple of 4, vs float64', () => {
    const b = webgl();
    const cases: [number[], number[], boolean, boolean][] = [
      [[1, 5, 9], [1, 9, 3], false, false], // packed, K = 9: the last texel holds one value and three zeros
      [[3, 9, 5], [1, 9, 4], true, false], // packed, A transposed, B broadcast over the batch
      [[1, 6, 33], [2, 7, 33], false, true], // packed, B transposed, A broadcast
      [[2, 4, 7], [2, 7, 3], false, false], // plain, K = 7
      [[2, 64, 130], [2, 130, 70], false, false], // packed, bigger
      [[3, 10, 8], [3, 8, 1], false, false], // packed, m = 10: the last block of rows is half empty
      // Strides along l wider than a texture row (4096 texels): the pack pass steps rows and columns.
      [[1, 2, 9], [1, 9, 5000], false, false],
      [[1, 9, 4100], [1, 9, 3], true, false],
    ];
    expectNoLeak(() =>
      tf.tidy(() => {
        for (const [sa, sb, ta, tb] of cases) {
          const va = Array.from({ length: sa.reduce((p, d) => p * d) }, (_, i) =>
            Math.fround(Math.sin(i * 0.7 + 1) * 2),
          );
          const vb = Array.from({ length: sb.reduce((p, d) => p * d) }, (_, i) => Math.fround(Math.cos(i * 0.3) * 1.5));
          const draws = b.numDraws;
          const got = tf.matmul(tf.tensor(va, sa), tf.tensor(vb, sb), ta, tb).dataSync();
          const k = ta ? sa[1] : sa[2];
          assert(
            b.numDraws - draws === (k >= 8 ? 4 : 1),
            `K = ${k}: ${b.numDraws - draws} draws, expected ${k >= 8 ? '4 (packed)' : '1 (plain)'}`,
          );
          const m = ta ? sa[2] : sa[1],
            n = tb ? sb[1] : sb[2],
            nb = Math.max(sa[0], sb[0]);
          const A = (q: number, i: number, l: number): number =>
            va[(sa[0] === 1 ? 0 : q) * m * k + (ta ? l * m + i : i * k + l)];
          const B = (q: number, l: number, j: number): number =>
            vb[(sb[0] === 1 ? 0 : q) * k * n + (tb ? j * k + l : l * n + j)];
          for (let q = 0; q < nb; q++) {
            for (let i = 0; i < m; i++) {
              for (let j = 0; j < n; j++) {
                let ref = 0,
                  mag = 0;
                for (let l = 0; l < k; l++) {
                  ref += A(q, i, l) * B(q, l, j);
                  mag += Math.abs(A(q, i, l) * B(q, l, j));
                }
                // float32 dot product of k terms in any summation order: |error| <= (k + 1) * 2^-24 * sum |a b|.
                const e = got[(q * m + i) * n + j];
                assert(
                  Math.abs(e - ref) <= (k + 1) * 2 ** -24 * mag,
                  `matmul ${sa}${ta ? 'ᵀ' : ''} x ${sb}${tb ? 'ᵀ' : ''} at [${q}, ${i}, ${j}]: ${e} vs float64 ${ref}`,
                );
              }
            }
          }
        }
      }),
    );
  });

  r.test('matmul keeps a copy of an operand that is used again; dispose and offload free it', () => {
    const b = webgl();
    const w = tf.tidy(() => tf.reshape(tf.mul(tf.range(0, 64 * 48, 1, 'float32'), 0.01), [64, 48]));
    const ref = (h: tf.Tensor): number[] => {
      const hv = h.dataSync(),
        wv = w.dataSync(),
        out: number[] = [];
      for (let i = 0; i < 3; i++)
        for (let j = 0; j < 48; j++) {
          let acc = 0;
          for (let l = 0; l < 64; l++) acc += hv[i * 64 + l] * wv[l * 48 + j];
          out.push(acc);
        }
      return out;
    };
    // matmul reads B as Bᵀ: w [64, 48] is copied into 48 rows of 16 texels of four floats.
    const packedBytes = 48 * 16 * 16;
    const step = (seed: number): { draws: number; bytes: number } => {
      const h = tf.tensor(
        Array.from({ length: 3 * 64 }, (_, i) => Math.sin(i + seed)),
        [3, 64],
      );
      const d = b.numDraws;
      const y = tf.matmul(h, w);
      const r = { draws: b.numDraws - d, bytes: gpu().bytes };
      // Tolerance: the float32 dot-product bound (k + 1) 2^-24 sum |a b| with |a| <= 1, |b| <= 40.
      expectClose(y, ref(h), { atol: 65 * 2 ** -24 * 64 * 40, rtol: 0 });
      tf.dispose([h, y]);
      return { ...r, bytes: gpu().bytes - r.bytes };
    };
    const base = gpu().bytes;
    const s1 = step(1),
      s2 = step(2),
      s3 = step(3),
      s4 = step(4);
    assert(s1.draws === 2 && s2.draws === 2, `first two uses copy w: ${s1.draws}, ${s2.draws} draws, expected 2`);
    assert(
      s3.draws === 1 && s4.draws === 1,
      `later uses reuse the copy of w: ${s3.draws}, ${s4.draws} draws, expected 1`,
    );
    assert(
      gpu().bytes === base + packedBytes,
      `the kept packed copy should take ${packedBytes} bytes, got ${gpu().bytes - base}`,
    );
    b.offload(w.dataId);
    const wBytes = 64 * 48 * 4;
    assert(
      gpu().bytes === base - wBytes,
      `offload should free w and its packed copy: ${gpu().bytes - base} bytes vs base`,
    );
    const s5 = step(5);
    assert(s5.draws === 2, `an offloaded operand is copied for the draw only: ${s5.draws} draws`);
    assert(gpu().bytes === base - wBytes, 'an offloaded operand kept a copy on the GPU');
    w.dispose();
    assert(gpu().bytes === base - wBytes, 'dispose left GPU bytes behind');
  });

  r.test('sum of 100000 floats runs in several passes and is close to a float64 sum', () => {
    expectNoLeak(() =>
      tf.tidy(() => {
        const vals = Array.from({ length: 100000 }, (_, i) => Math.fround(Math.sin(i) * 3));
        const ref = vals.reduce((a, v) => a + v, 0);
        const abs = vals.reduce((a, v) => a + Math.abs(v), 0);
        const got = tf.sum(tf.tensor(vals)).dataSync()[0];
        // Chunked summation: error ≲ (256 + 391) · 2^-24 · Σ|x| in the worst case; 4e-5·Σ|x| bounds it.
        assert(Math.abs(got - ref) <= 4e-5 * abs, `sum ${got} vs float64 ${ref} (Σ|x| ${abs})`);
      }),
    );
  });

  r.test('no CPU fallback: every kernel draws on the GPU (Reshape only relabels storage)', () => {
    const b = webgl();
    const ran = new Set<string>();
    const draws: Record<string, number> = {};
    withKernelListener(
      (rec) => {
        ran.add(rec.kernel);
      },
      () => {
        tf.tidy(() => {
          const f = tf.tensor([
            [1, -2, 3],
            [4, 5, -6],
          ]);
          const i = tf.tensor([1, 0], [2], 'int32');
          const step = (name: string, fn: () => unknown): void => {
            const d = b.numDraws;
            fn();
            draws[name] = b.numDraws - d;
          };
          step('unary', () => [
            tf.neg(f),
            tf.abs(f),
            tf.exp(f),
            tf.log(tf.abs(f)),
            tf.sqrt(tf.abs(f)),
            tf.tanh(f),
            tf.sigmoid(f),
            tf.relu(f),
            tf.logicalNot(tf.greater(f, 0)),
            tf.cast(f, 'int32'),
          ]);
          step('binary', () => [
            tf.add(f, f),
            tf.sub(f, f),
            tf.mul(f, f),
            tf.div(f, f),
            tf.pow(f, f),
            tf.maximum(f, f),
            tf.minimum(f, f),
            tf.greater(f, f),
            tf.greaterEqual(f, f),
            tf.less(f, f),
            tf.lessEqual(f, f),
            tf.equal(f, f),
            tf.logicalAnd(tf.greater(f, 0), tf.less(f, 4)),
            tf.where(tf.greater(f, 0), f, f),
          ]);
          step('reduce', () => [tf.sum(f, 1), tf.max(f, 0), tf.min(f)]);
          step('matmul', () => tf.matmul(f, f, false, true));
          step('movement', () => [
            tf.reshape(f, [3, 2]),
            tf.transpose(f),
            tf.broadcastTo(tf.reshape(f, [1, 2, 3]), [2, 2, 3]),
            tf.slice(f, [0, 1], [2, 2]),
            tf.pad(f, [
              [1, 0],
              [0, 1],
            ]),
            tf.reverse(f, 1),
            tf.concat([f, f], 0),
            tf.gather(f, i, 1),
            tf.unsortedSegmentSum(f, i, 2),
            tf.reverseSequence(f, tf.tensor([2, 3], [2], 'int32'), 1, 0),
          ]);
          step('math', () => [
            tf.floor(f),
            tf.ceil(f),
            tf.round(f),
            tf.sign(f),
            tf.log1p(tf.abs(f)),
            tf.argMax(f, 1),
            tf.argMin(f),
          ]);
          step('reduce tf1', () => [tf.prod(f, 1), tf.any(tf.greater(f, 0), 0), tf.all(tf.greater(f, 0))]);
          step('cumsum', () => tf.cumsum(f, 1, true, true));
        });
      },
    );
    const missing = tf.KERNEL_NAMES.filter((k) => !ran.has(k));
    assert(missing.length === 0, `the case did not exercise ${missing.join(', ')}`);
    // 10 unary draws (log/sqrt add an abs each: +2), 14 binary (+3 for comparisons feeding logic),
    // and so on; what matters is that no group ran without drawing.
    for (const [name, n] of Object.entries(draws)) assert(n > 0, `${name} ops ran without a single GPU draw`);
  });

  r.test('fused LSTMBlock matches the composed TF1 BasicLSTMCell step (float64 reference)', () => {
    expectNoLeak(() =>
      tf.tidy(() => {
        const batch = 3,
          units = 4;
        const g = Array.from({ length: batch * 4 * units }, (_, k) => Math.fround(Math.sin(k * 1.3) * 3));
        const c = Array.from({ length: batch * units }, (_, k) => Math.fround(Math.cos(k) * 2));
        const [c2, h2] = tf.ENGINE.runFused(
          'LSTMBlock',
          [tf.tensor(g, [batch, 4 * units]), tf.tensor(c, [batch, units])],
          { forgetBias: 1 },
          [
            { shape: [batch, units], dtype: 'float32' },
            { shape: [batch, units], dtype: 'float32' },
          ],
        );
        const sig = (v: number): number => 1 / (1 + Math.exp(-v));
        const refC: number[] = [],
          refH: number[] = [];
        for (let b = 0; b < batch; b++) {
          for (let u = 0; u < units; u++) {
            const at = (gate: number): number => g[b * 4 * units + gate * units + u];
            const cn = c[b * units + u] * sig(at(2) + 1) + sig(at(0)) * Math.tanh(at(1));
            refC.push(cn);
            refH.push(Math.tanh(cn) * sig(at(3)));
          }
        }
        // Transcendental tolerance as in the ops suite: GPU exp/tanh are good to a few 1e-7 relative.
        const close = (t: tf.Tensor, ref: number[], what: string): void => {
          const a = t.dataSync();
          ref.forEach((e, k) =>
            assert(Math.abs(a[k] - e) <= 2e-6 + 2e-5 * Math.abs(e), `${what}[${k}] = ${a[k]}, expected ${e}`),
          );
        };
        close(c2, refC, "c'");
        close(h2, refH, "h'");
      }),
    );
  });
}
