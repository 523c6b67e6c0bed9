/**
 * tapeflow checkpoints and TensorFlow.js read each other's weights: tfjs's own
 * io.decodeWeights / io.encodeWeights are the reference for the layout.
 */
import test from 'ava';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tapeflow/backend-cpu';
import { randomUniform, tensor, variable, memory, type Variable } from '@tapeflow/core';
import { loadWeights, saveWeights, type WeightsManifestConfig } from '@tapeflow/core/node';

test.before(async () => {
  tf.env().set('IS_NODE', false); // silences tfjs's "install tfjs-node" banner; decoding is the same
  await tf.setBackend('cpu');
});

test.serial('tfjs decodes a tapeflow checkpoint split into several shards', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'tapeflow-tfjs-'));
  const vars: Variable[] = [
    variable(randomUniform([9, 16], { seed: 1, minval: -1, maxval: 1 }), {
      name: 'rnn/multi_rnn_cell/cell_0/lstm_cell/kernel',
    }),
    variable(tensor([3, -1, 2147483647], [3], 'int32'), { name: 'global_step' }),
    variable(tensor([true, false, true], [3]), { name: 'flags' }),
    variable(randomUniform([16], { seed: 2 }), { name: 'rnn/multi_rnn_cell/cell_0/lstm_cell/bias' }),
  ];
  const manifest = await saveWeights(vars, dir, { shardBytes: 100 });
  t.true(manifest[0].paths.length > 1);
  const onDisk = JSON.parse(await readFile(join(dir, 'weights.json'), 'utf8')) as WeightsManifestConfig;
  const shards = await Promise.all(
    onDisk[0].paths.map(async (p) => new Uint8Array(await readFile(join(dir, p))).buffer),
  );
  const decoded = tf.io.decodeWeights(shards, onDisk[0].weights);
  t.deepEqual(
    Object.keys(decoded),
    vars.map((v) => v.name),
  );
  for (const v of vars) {
    const d = decoded[v.name];
    t.deepEqual(d.shape, v.shape, v.name);
    t.is<string, string>(d.dtype, v.dtype, v.name);
    t.deepEqual(Array.from(d.dataSync()), Array.from(v.dataSync()), v.name);
  }
  tf.dispose(Object.values(decoded));
  await rm(dir, { recursive: true });
});

test.serial('tapeflow loads weights that tfjs encoded', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'tapeflow-tfjs-'));
  const named = {
    'dense/kernel': tf.randomUniform([5, 7], -2, 2, 'float32', 3),
    'dense/bias': tf.tensor1d([0.25, -0.5, 1e-8, 0, 3, 4, 5]),
    counts: tf.tensor2d(
      [
        [1, 2],
        [-3, 4],
      ],
      [2, 2],
      'int32',
    ),
    keep: tf.tensor1d([true, false, false], 'bool'),
  };
  const { data, specs } = await tf.io.encodeWeights(named);
  await writeFile(join(dir, 'group1-shard1of1.bin'), new Uint8Array(data));
  await writeFile(join(dir, 'weights.json'), JSON.stringify([{ paths: ['group1-shard1of1.bin'], weights: specs }]));
  const before = memory().numTensors;
  const loaded = await loadWeights(dir);
  t.deepEqual([...loaded.keys()], Object.keys(named));
  for (const [name, ref] of Object.entries(named)) {
    const got = loaded.get(name)!;
    t.deepEqual(got.shape, ref.shape, name);
    t.is<string, string>(got.dtype, ref.dtype, name);
    t.deepEqual(Array.from(got.dataSync()), Array.from(ref.dataSync()), name);
    got.dispose();
  }
  t.is(memory().numTensors, before);
  tf.dispose(Object.values(named));
  await rm(dir, { recursive: true });
});
