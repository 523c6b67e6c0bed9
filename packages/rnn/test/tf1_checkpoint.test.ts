/**
 * "Train in TF1, continue in tapeflow": real TF1 Saver checkpoints of a GRUCell through
 * dynamic_rnn load by name into the GRUCell tapeflow's dynamicRnn builds, and compute what a
 * plain-JS GRU with TensorFlow's weights (expected.json) computes; training state round-trips
 * through a bundle so a resumed run repeats the uninterrupted one exactly.
 */
import test from 'ava';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import '@tapeflow/backend-cpu';
import * as tf from '@tapeflow/core';
import { loadCheckpoint, openCheckpoint, saveCheckpoint } from '@tapeflow/core/node';
import { adam } from '@tapeflow/autograd';
import { GRUCell, dynamicRnn, initializers, resetDefaultGraph } from '@tapeflow/rnn';
import { FIXTURES, fixture, type ExpectedVariable } from '@tapeflow/conformance/tf1-checkpoints';

const B = 3,
  T = 5,
  D = 3,
  H = 4;
const lengths = [5, 2, 0];
const xs = Array.from({ length: B * T * D }, (_, i) => Math.sin(i * 0.7) * 1.3);

/** TF1's GRUCell (tf1-rnn-semantics §4) and dynamic_rnn's masking, in float64 JS: outputs [B][T][H], final state [B][H]. */
function referenceGru(w: Map<string, ExpectedVariable>): { outputs: number[][][]; state: number[][] } {
  const [Wg, bg, Wc, bc] = ['gates/kernel', 'gates/bias', 'candidate/kernel', 'candidate/bias'].map(
    (n) => w.get(`rnn/gru_cell/${n}`)!.values,
  );
  const sig = (v: number): number => 1 / (1 + Math.exp(-v));
  const outputs = Array.from({ length: B }, () => Array.from({ length: T }, () => new Array<number>(H).fill(0)));
  const state = Array.from({ length: B }, () => new Array<number>(H).fill(0));
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < lengths[b]; t++) {
      const x = xs.slice((b * T + t) * D, (b * T + t + 1) * D);
      const h = state[b];
      const xh = [...x, ...h];
      const gates = Array.from({ length: 2 * H }, (_, j) =>
        sig(bg[j] + xh.reduce((s, v, k) => s + v * Wg[k * 2 * H + j], 0)),
      );
      const [r, u] = [gates.slice(0, H), gates.slice(H)];
      const xrh = [...x, ...h.map((v, j) => r[j] * v)];
      const c = Array.from({ length: H }, (_, j) =>
        Math.tanh(bc[j] + xrh.reduce((s, v, k) => s + v * Wc[k * H + j], 0)),
      );
      state[b] = h.map((v, j) => u[j] * v + (1 - u[j]) * c[j]);
      outputs[b][t] = state[b];
    }
  }
  return { outputs, state };
}

for (const [name, dtype] of [
  ['gru_lengths', 'float64'],
  ['gru_lengths_float32', 'float32'],
] as const) {
  test.serial(
    `${name}: the TF1 checkpoint loads into dynamicRnn's GRUCell and gives a reference GRU's outputs`,
    async (t) => {
      resetDefaultGraph();
      const cell = new GRUCell(H);
      const x = tf.tensor(xs, [B, T, D], dtype);
      const seq = tf.tensor(lengths, [B], 'int32');
      tf.dispose(dynamicRnn(cell, x, { sequenceLength: seq, dtype })); // builds the variables, as TF's graph does
      t.deepEqual(
        cell.weights.map((v) => v.name).sort(),
        fixture(name)
          .expected.map((e) => e.name)
          .sort(),
      );
      const report = await loadCheckpoint(join(FIXTURES, name), { variables: cell.weights });
      t.is(report.loaded.length, 4);
      const [outputs, state] = dynamicRnn(cell, x, { sequenceLength: seq, dtype }) as [tf.Tensor, tf.Tensor];
      const want = referenceGru(new Map(fixture(name).expected.map((e) => [e.name, e])));
      const tol = dtype === 'float64' ? 1e-12 : 2e-6;
      const close = (got: number[], exp: number[]): number => Math.max(0, ...got.map((g, i) => Math.abs(g - exp[i])));
      t.true(close(Array.from(outputs.dataSync()), want.outputs.flat(2)) <= tol, 'outputs');
      t.true(close(Array.from(state.dataSync()), want.state.flat()) <= tol, 'final state');
      t.true(
        want.state[2].every((v) => v === 0) && want.state[0].some((v) => Math.abs(v) > 0.05),
        'the reference is not trivial',
      );
      tf.dispose([outputs, state, x, seq]);
    },
  );
}

/** A small GRU regression trained by Adam; returns the loss per step. */
function gruTrainer(): { cell: GRUCell; opt: ReturnType<typeof adam>; step: () => number; data: tf.Tensor[] } {
  resetDefaultGraph();
  const cell = new GRUCell(H, { kernelInitializer: initializers.glorotUniform({ seed: 5 }) });
  const x = tf.tensor(xs, [B, T, D], 'float64');
  const seq = tf.tensor(lengths, [B], 'int32');
  const y = tf.tensor(
    Array.from({ length: B * T * H }, (_, i) => Math.cos(i)),
    [B, T, H],
    'float64',
  );
  const opt = adam(0.05);
  const step = (): number => {
    const loss = opt.minimize(() => {
      const [out] = dynamicRnn(cell, x, { sequenceLength: seq, dtype: 'float64' });
      return tf.mean(tf.square(tf.sub(out as tf.Tensor, y)));
    });
    const v = loss.dataSync()[0];
    loss.dispose();
    return v;
  };
  return { cell, opt, step, data: [x, seq, y] };
}

test.serial(
  "saveCheckpoint with the optimizer writes TF1's slot layout, and a resumed run repeats the uninterrupted one exactly",
  async (t) => {
    const ref = gruTrainer();
    const reference = Array.from({ length: 6 }, () => ref.step());
    ref.opt.dispose();
    tf.dispose(ref.data);

    const dir = await mkdtemp(join(tmpdir(), 'tapeflow-gru-resume-'));
    const a = gruTrainer();
    t.deepEqual(
      Array.from({ length: 3 }, () => a.step()),
      reference.slice(0, 3),
    );
    await saveCheckpoint(join(dir, 'model.ckpt-3'), a.cell.weights, { optimizer: a.opt, globalStep: 3 });
    a.opt.dispose();
    tf.dispose(a.data);

    const r = await openCheckpoint(dir);
    t.deepEqual(r.names, [
      'beta1_power',
      'beta2_power',
      'global_step',
      ...['candidate/bias', 'candidate/kernel', 'gates/bias', 'gates/kernel'].flatMap((n) => [
        `rnn/gru_cell/${n}`,
        `rnn/gru_cell/${n}/Adam`,
        `rnn/gru_cell/${n}/Adam_1`,
      ]),
    ]);
    t.deepEqual([r.entry('beta1_power')!.dtype, r.entry('beta1_power')!.shape], ['float32', []]); // TF1 keeps them float32
    t.is((r.read('beta1_power').values as Float32Array)[0], Math.fround(0.9 ** 4));

    const b = gruTrainer();
    b.step(); // builds the variables (and moves them on: the load must put everything back)
    const report = await loadCheckpoint(dir, { variables: b.cell.weights, optimizer: b.opt });
    t.is(report.globalStep, 3);
    t.is(b.opt.iterations, 3);
    t.deepEqual(
      Array.from({ length: 3 }, () => b.step()),
      reference.slice(3),
    );
    b.opt.dispose();
    tf.dispose(b.data);
    await rm(dir, { recursive: true });
  },
);

test.serial('asking for optimizer state a TF1 checkpoint lacks is a ValueError that changes nothing', async (t) => {
  const c = gruTrainer();
  c.step();
  const before = c.cell.weights.map((v) => Array.from(v.dataSync()));
  const err = await t.throwsAsync(() =>
    loadCheckpoint(join(FIXTURES, 'gru_lengths'), { variables: c.cell.weights, optimizer: c.opt, strict: false }),
  );
  t.regex(err.message, /lacks or mismatches optimizer state 'rnn\/gru_cell\/gates\/kernel\/Adam'/);
  t.deepEqual(
    c.cell.weights.map((v) => Array.from(v.dataSync())),
    before,
  );
  t.is(c.opt.iterations, 1);
  c.opt.dispose();
  tf.dispose(c.data);
});
