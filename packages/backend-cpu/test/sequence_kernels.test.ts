/**
 * The CPU's whole-sequence kernels (LSTMSequence, GRUSequence) as dynamicRnn's training path runs them: that they do run (one
 * forward and one backward call per node, none without a tape or with the switch off), and that
 * the thread pool, which splits each step's product, gives the single-thread result bit for bit.
 * (Values and gradients against the composed node and a float64 loop: the conformance suite
 * 'rnn sequence kernels'.)
 */
import test from 'ava';
import * as tf from '@tapeflow/core';
import '@tapeflow/backend-cpu';
import { grads } from '@tapeflow/autograd';
import { tasksByWorkers, useThreads } from '@tapeflow/backend-cpu/threads';
import { BasicLSTMCell, GRUCell, dynamicRnn, resetDefaultGraph, withFastPaths } from '@tapeflow/rnn';

test.before(async () => {
  if (!(await tf.setBackend('cpu'))) throw new Error('cpu backend failed to initialize');
});

/** Counts the calls of the backend's sequence kernels while fn runs. */
function countCalls(fn: () => void): Record<string, number> {
  const fused = tf.ENGINE.backend.fused as Record<string, (...a: unknown[]) => unknown>;
  const counts: Record<string, number> = { LSTMSequence: 0, LSTMSequenceGrad: 0, GRUSequence: 0, GRUSequenceGrad: 0 };
  const saved = { ...fused };
  for (const k of Object.keys(counts)) {
    fused[k] = (...a: unknown[]) => {
      counts[k]++;
      return saved[k](...a);
    };
  }
  try {
    fn();
  } finally {
    Object.assign(fused, saved);
  }
  return counts;
}

/** Gradients of a loss over dynamicRnn's outputs with respect to x and the weights. */
function gradients(kind: 'lstm' | 'gru', B: number, T: number, D: number, H: number, lens?: number[]): Float32Array[] {
  resetDefaultGraph();
  return tf.tidy(() => {
    const x = tf.randomUniform([B, T, D], { minval: -1, maxval: 1, seed: 5 });
    const kernelInitializer = (shape: readonly number[]): tf.Tensor =>
      tf.randomUniform(shape, { minval: -0.3, maxval: 0.3, seed: 9 });
    const cell = kind === 'lstm' ? new BasicLSTMCell(H, { kernelInitializer }) : new GRUCell(H, { kernelInitializer });
    const loss = (xx: tf.Tensor): tf.Tensor =>
      tf.sum(tf.square(dynamicRnn(cell, xx, { dtype: 'float32', sequenceLength: lens })[0] as tf.Tensor));
    loss(x);
    const g = grads((xx: tf.Tensor) => loss(xx))(x, ...cell.weights);
    const out = g.map((t) => t.dataSync() as Float32Array);
    cell.dispose();
    return out;
  });
}

for (const [kind, fwd, bwd] of [
  ['lstm', 'LSTMSequence', 'LSTMSequenceGrad'],
  ['gru', 'GRUSequence', 'GRUSequenceGrad'],
] as const) {
  test.serial(`dynamicRnn (${kind}) under a tape runs ${fwd} and ${bwd} once each; not with the switch off`, (t) => {
    t.true(tf.ENGINE.hasFused(fwd) && tf.ENGINE.hasFused(bwd));
    const on = countCalls(() => gradients(kind, 3, 5, 4, 7, [5, 0, 2]));
    t.is(on[fwd], 1);
    t.is(on[bwd], 1);
    const off = countCalls(() => withFastPaths({ sequenceKernels: false }, () => gradients(kind, 3, 5, 4, 7)));
    t.is(off[fwd] + off[bwd], 0);
    const before = tf.memory().numTensors;
    gradients(kind, 2, 3, 2, 3);
    t.is(tf.memory().numTensors, before);
  });

  test.serial(`${kind}: the thread pool gives the single-thread gradients bit for bit`, async (t) => {
    const lens = [6, 3, ...Array<number>(30).fill(6)];
    await useThreads(1);
    const one = gradients(kind, 32, 6, 16, 256, lens);
    await useThreads(2);
    const tasks = tasksByWorkers();
    const two = gradients(kind, 32, 6, 16, 256, lens);
    t.true(tasksByWorkers() > tasks, 'the workers ran some of the products');
    two.forEach((g, i) => t.deepEqual(g, one[i], `gradient ${i}`));
    await useThreads(1);
  });
}

// LSTMSequence keeps c' only at chunk ends and LSTMSequenceGrad recomputes the others from the
// gate activations. With chunk 1 every c' is kept and nothing recomputed: the kept c' and every
// gradient that does not sum over a chunk (dp, dc0, dh0; dW_h's chunk sums are grouped
// differently) must be the same bits, with rows that finish early (their carried state) too.
test.serial("lstm kernel: c' recomputed within a chunk gives the kept c' and the gradients bit for bit", (t) => {
  const [T, B, u, k] = [7, 3, 5, 3];
  const r = (shape: number[], seed: number) => tf.randomUniform(shape, { minval: -1, maxval: 1, seed });
  const before = tf.memory().numTensors;
  tf.tidy(() => {
    const [p, wh, c0, h0] = [r([T, B, 4 * u], 1), r([u, 4 * u], 2), r([B, u], 3), r([B, u], 4)];
    const [dy, dc, dh] = [r([T, B, u], 5), r([B, u], 6), r([B, u], 7)];
    for (const lengths of [null, Int32Array.of(7, 2, 5)]) {
      const run = (chunk: number) => {
        const f = tf.lstmSequenceKernel([p], wh, c0, h0, 0.5, { lengths, chunk });
        return { f, g: tf.lstmSequenceGradKernel([p], wh, c0, h0, f, dy, dc, dh, { lengths, chunk }) };
      };
      const every = run(1),
        ends = run(k);
      t.deepEqual(ends.f.cs.shape, [Math.ceil(T / k), B, u]);
      const all = every.f.cs.dataSync();
      const kept = ends.f.cs.dataSync();
      for (let i = 0; i < Math.ceil(T / k); i++) {
        const step = Math.min(T, (i + 1) * k) - 1;
        t.deepEqual(kept.subarray(i * B * u, (i + 1) * B * u), all.subarray(step * B * u, (step + 1) * B * u));
      }
      for (const i of [0, 2, 3]) t.deepEqual(ends.g[i].dataSync(), every.g[i].dataSync(), `gradient ${i}`);
    }
  });
  t.is(tf.memory().numTensors, before);
});
