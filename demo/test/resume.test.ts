/**
 * Checkpoints of a real training run: N steps, save, restore into a freshly built model, M more
 * steps gives exactly the losses of N + M uninterrupted steps (weights, Adam's moments and step
 * count all come back), from the tfjs layout and from a TensorFlow bundle. The uninterrupted run
 * is the reference.
 */
import test from 'ava';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import '@tapeflow/backend-cpu';
import { dispose, memory } from '@tapeflow/core';
import { loadWeightsInto, openCheckpoint } from '@tapeflow/core/node';
import { resetDefaultGraph } from '@tapeflow/rnn';
import { evalBatches, loadCorpus } from '../src/data.js';
import { sampleNames } from '../src/sample.js';
import { CharModel } from '../src/model.js';
import { Trainer } from '../src/train.js';

const corpus = loadCorpus(7);
const N = 3;
const M = 3;

/** A fresh tiny model (the previous one's variables are disposed by resetDefaultGraph). */
function fresh(units = 8): Trainer {
  resetDefaultGraph();
  const model = new CharModel({ vocabSize: corpus.vocab.length, units, layers: 2, seed: 7 });
  return new Trainer(model, corpus, { batchSize: 8, learningRate: 0.02, seed: 7 });
}

const steps = (t: Trainer, n: number): number[] => Array.from({ length: n }, () => t.trainStep());

let reference: number[] = [];
test.before(() => {
  reference = steps(fresh(), N + M);
});

test.serial('the same seed gives the same losses', (t) => {
  t.deepEqual(steps(fresh(), N + M), reference);
  t.true(reference.every(Number.isFinite));
});

test.serial('save after N steps, restore into a fresh model, M more steps == N + M uninterrupted', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'tapeflow-resume-'));
  const a = fresh();
  t.deepEqual(steps(a, N), reference.slice(0, N));
  await a.save(dir);
  const manifest = JSON.parse(await readFile(join(dir, 'weights.json'), 'utf8')) as { weights: { name: string }[] }[];
  const names = manifest[0].weights.map((w) => w.name);
  t.true(names.includes('rnn/multi_rnn_cell/cell_1/lstm_cell/kernel'));
  t.true(names.includes('rnn/multi_rnn_cell/cell_1/lstm_cell/kernel/Adam_1'));
  t.true(names.includes('global_step'));
  t.true(names.includes('beta1_power') && names.includes('beta2_power'));
  a.optimizer.dispose();

  // Without the checkpoint the fresh model would go on differently (so the comparison can fail).
  t.notDeepEqual(steps(fresh(), M), reference.slice(N));
  const c = fresh();
  await c.restore(dir);
  t.is(c.step, N);
  t.deepEqual(steps(c, M), reference.slice(N));
  await rm(dir, { recursive: true });
});

test.serial('the same from a TensorFlow checkpoint (TF1 Saver layout), by directory or by prefix', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'tapeflow-resume-tf-'));
  const a = fresh();
  steps(a, N);
  const prefix = await a.saveTF(dir);
  t.is(prefix, join(dir, `model.ckpt-${N}`));
  const r = await openCheckpoint(dir);
  t.true(r.names.includes('rnn/multi_rnn_cell/cell_1/lstm_cell/kernel/Adam_1'));
  t.deepEqual([r.entry('global_step')!.dtype, r.entry('beta1_power')!.dtype], ['int64', 'float32']);
  a.optimizer.dispose();
  for (const path of [dir, prefix]) {
    const c = fresh();
    await c.restore(path);
    t.is(c.step, N);
    t.deepEqual(steps(c, M), reference.slice(N), path);
    c.optimizer.dispose();
  }
  await rm(dir, { recursive: true });
});

test.serial("restoring the weights without Adam's state does not reproduce the run", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'tapeflow-resume-'));
  const a = fresh();
  steps(a, N);
  await a.save(dir);
  const b = fresh();
  await loadWeightsInto(b.model.variables, dir);
  b.step = N;
  t.notDeepEqual(steps(b, M), reference.slice(N));
  await rm(dir, { recursive: true });
});

test.serial('restoring into a model with other shapes is a ValueError and changes nothing', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'tapeflow-resume-'));
  const a = fresh();
  steps(a, 1);
  await a.save(dir);
  const b = fresh(6);
  const state = (): number[][] => {
    const slots = b.optimizer.getSlots(b.model.variables);
    const out = [...b.model.variables, ...Object.values(slots)].map((v) => Array.from(v.dataSync()));
    dispose(slots);
    return out;
  };
  const before = state();
  const tensors = memory().numTensors;
  const err = await t.throwsAsync(() => b.restore(dir), { name: 'ValueError' });
  t.regex(
    err.message,
    /'rnn\/multi_rnn_cell\/cell_0\/lstm_cell\/kernel' is float32 \[34,24\] in the model but float32 \[36,32\] in the checkpoint/,
  );
  t.deepEqual(state(), before);
  t.is(b.step, 0);
  t.is(memory().numTensors, tensors);
  await rm(dir, { recursive: true });
});

test.serial('training steps, evaluation and sampling leak no tensors; sampling is seeded', (t) => {
  const tr = fresh();
  tr.trainStep(); // Adam's slots are created on the first step
  const before = memory().numTensors;
  steps(tr, 2);
  const loss = tr.evaluate(evalBatches(corpus.heldOut.slice(0, 40), corpus.vocab, 16));
  t.true(loss > 0 && loss < 10);
  const a = sampleNames(tr.model, corpus.vocab, { count: 5, temperature: 1, seed: 3 });
  t.is(memory().numTensors, before);
  t.deepEqual(sampleNames(tr.model, corpus.vocab, { count: 5, temperature: 1, seed: 3 }), a);
  t.true(a.every((n) => [...n].every((c) => corpus.vocab.includes(c) && c !== '.')));
});
