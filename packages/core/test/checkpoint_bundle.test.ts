/**
 * loadCheckpoint / saveCheckpoint over TensorFlow bundles, by TF1 name: into Variables, in Node
 * (paths, `checkpoint` files with relative and absolute prefixes) and from bytes or fetch. The
 * references are TensorFlow's own values (expected.json) and the tensors a round trip starts from.
 */
import test from 'ava';
import { createServer } from 'node:http';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import {
  ValueError,
  loadCheckpoint as loadFromBytes,
  memory,
  saveCheckpoint as saveToBytes,
  tensor,
  variable,
  writeBundle,
  type BundleTensor,
  type DType,
  type Variable,
} from '@tapeflow/core';
import { latestCheckpoint, loadCheckpoint, openCheckpoint, saveCheckpoint } from '@tapeflow/core/node';
import { FIXTURES, fixture } from '@tapeflow/conformance/tf1-checkpoints';
import { useStorageBackend } from './storage_backend.js';

test.before(() => useStorageBackend());

const tmp = (): Promise<string> => mkdtemp(join(tmpdir(), 'tapeflow-bundle-'));

/** A variable that owns its value. */
function vr(values: number[], shape: number[], name: string, dtype: DType = 'float64'): Variable {
  const init = tensor(values, shape, dtype);
  const v = variable(init, { name });
  init.dispose();
  return v;
}

/** Variables shaped like the fixture's GRUCell (7 = 3 inputs + 4 units), zero-filled, possibly renamed. */
function gruVariables(dtype: DType, scope = 'rnn'): Variable[] {
  return fixture(dtype === 'float64' ? 'gru_lengths' : 'gru_lengths_float32').expected.map((e) =>
    vr(new Array<number>(e.values.length).fill(0), e.shape, e.name.replace(/^rnn\//, `${scope}/`), dtype),
  );
}
const snapshot = (vs: Variable[]): number[][] => vs.map((v) => Array.from(v.dataSync()));

test.serial('a TF1 checkpoint directory loads into variables by name, bit-exactly', async (t) => {
  for (const [name, dtype] of [
    ['gru_lengths', 'float64'],
    ['gru_lengths_float32', 'float32'],
  ] as const) {
    const vars = gruVariables(dtype);
    const report = await loadCheckpoint(join(FIXTURES, name), { variables: vars });
    t.deepEqual(report.loaded.sort(), vars.map((v) => v.name).sort());
    t.deepEqual([report.missing, report.unexpected, report.mismatched, report.trainingState], [[], [], [], []]);
    for (const e of fixture(name).expected) {
      const v = vars.find((x) => x.name === e.name)!;
      t.deepEqual(Array.from(v.dataSync()), e.values, e.name);
    }
    vars.forEach((v) => v.dispose());
  }
});

test.serial(
  'a load that does not fit names every problem and changes nothing; strict: false loads what fits',
  async (t) => {
    const vars = gruVariables('float64');
    const kernel = vars.find((v) => v.name === 'rnn/gru_cell/gates/kernel')!;
    const wrongShape = vr(new Array<number>(8).fill(0), [2, 4], 'rnn/gru_cell/candidate/bias');
    const model = [
      ...vars.filter((v) => v.name !== 'rnn/gru_cell/candidate/bias'),
      wrongShape,
      vr([0], [1], 'rnn/extra'),
    ];
    const before = snapshot(model);
    const tensors = memory().numTensors;
    const err = await t.throwsAsync(() => loadCheckpoint(join(FIXTURES, 'gru_lengths'), { variables: model }), {
      instanceOf: ValueError,
    });
    t.regex(err.message, /nothing was changed/);
    t.regex(err.message, /'rnn\/extra' is missing from the checkpoint/);
    t.regex(
      err.message,
      /'rnn\/gru_cell\/candidate\/bias' is float64 \[2,4\] in the model but float64 \[4\] in the checkpoint/,
    );
    t.deepEqual(snapshot(model), before);
    t.is(memory().numTensors, tensors);

    const unexpected = await t.throwsAsync(() =>
      loadCheckpoint(join(FIXTURES, 'gru_lengths'), { variables: [kernel] }),
    );
    t.regex(unexpected.message, /'rnn\/gru_cell\/gates\/bias' in the checkpoint matches no variable/);

    const report = await loadCheckpoint(join(FIXTURES, 'gru_lengths'), { variables: model, strict: false });
    t.deepEqual(report.missing, ["'rnn/extra'"]);
    t.deepEqual(
      report.mismatched.map((m) => [m.variable, m.model, m.checkpoint]),
      [['rnn/gru_cell/candidate/bias', 'float64 [2,4]', 'float64 [4]']],
    );
    t.deepEqual(report.loaded.sort(), [
      'rnn/gru_cell/candidate/kernel',
      'rnn/gru_cell/gates/bias',
      'rnn/gru_cell/gates/kernel',
    ]);
    t.deepEqual(Array.from(kernel.dataSync()), fixture('gru_lengths').expected[0].values);
    t.deepEqual(snapshot([wrongShape]), [new Array(8).fill(0)]);
    [...model, ...vars].forEach((v) => {
      if (!v.isDisposed) v.dispose();
    });
  },
);

test.serial('map renames a scope (record with a trailing /) or each name (function)', async (t) => {
  for (const map of [{ 'encoder/': 'rnn/' }, (n: string) => n.replace('encoder/', 'rnn/')]) {
    const vars = gruVariables('float32', 'encoder');
    const report = await loadCheckpoint(join(FIXTURES, 'gru_lengths_float32'), { variables: vars, map });
    t.is(report.loaded.length, 4);
    t.deepEqual(
      Array.from(vars.find((v) => v.name === 'encoder/gru_cell/gates/bias')!.dataSync()),
      fixture('gru_lengths_float32').expected.find((e) => e.name === 'rnn/gru_cell/gates/bias')!.values,
    );
    vars.forEach((v) => v.dispose());
  }
  const vars = gruVariables('float32', 'encoder');
  const err = await t.throwsAsync(() => loadCheckpoint(join(FIXTURES, 'gru_lengths_float32'), { variables: vars }));
  t.regex(err.message, /'encoder\/gru_cell\/gates\/kernel' is missing/);
  vars.forEach((v) => v.dispose());
});

test.serial(
  'optimizer slots, beta powers and global_step are reported as training state, not failures; int64 narrows to int32 when it fits',
  async (t) => {
    const dir = await tmp();
    const f64 = (xs: number[]): BundleTensor => ({
      dtype: 'float64',
      shape: [xs.length],
      values: Float64Array.from(xs),
    });
    const { index, data } = writeBundle([
      ['w', f64([1, 2])],
      ['w/Adam', f64([0, 0])],
      ['w/Adam_1', f64([0, 0])],
      ['beta1_power', { dtype: 'float32', shape: [], values: Float32Array.of(0.81) }],
      ['beta2_power', { dtype: 'float32', shape: [], values: Float32Array.of(0.998) }],
      ['global_step', { dtype: 'int64', shape: [], values: BigInt64Array.of(7n) }],
      ['count', { dtype: 'int64', shape: [2], values: BigInt64Array.of(-5n, 2147483647n) }],
      ['big', { dtype: 'int64', shape: [], values: BigInt64Array.of(2n ** 40n) }],
    ]);
    await writeFile(join(dir, 'm.index'), index);
    await writeFile(join(dir, 'm.data-00000-of-00001'), data[0]);
    const w = vr([0, 0], [2], 'w');
    const count = vr([0, 0], [2], 'count', 'int32');
    const report = await loadCheckpoint(join(dir, 'm'), { variables: [w, count], strict: false });
    t.deepEqual(report.trainingState, ['beta1_power', 'beta2_power', 'global_step', 'w/Adam', 'w/Adam_1']);
    t.deepEqual(report.unexpected, ['big']);
    t.is(report.globalStep, 7);
    t.deepEqual(Array.from(count.dataSync()), [-5, 2147483647]);
    const big = vr([0], [], 'big', 'int32');
    const err = await t.throwsAsync(() => loadCheckpoint(join(dir, 'm'), { variables: [big], strict: false }));
    t.regex(err.message, /int64 tensor 'big' holds 1099511627776, which does not fit the int32 variable/);
    t.deepEqual(Array.from(big.dataSync()), [0]);
    [w, count, big].forEach((v) => v.dispose());
    await rm(dir, { recursive: true });
  },
);

test.serial('a corrupt shard is a ValueError naming the file and entry, and no variable changes', async (t) => {
  const dir = await tmp();
  for (const f of ['model.ckpt.index', 'model.ckpt.data-00000-of-00001', 'checkpoint'])
    await copyFile(join(FIXTURES, 'gru_lengths', f), join(dir, f));
  const data = await readFile(join(dir, 'model.ckpt.data-00000-of-00001'));
  data[10] ^= 0x10; // in rnn/gru_cell/candidate/bias (bytes 0..32)
  await writeFile(join(dir, 'model.ckpt.data-00000-of-00001'), data);
  const vars = gruVariables('float64');
  const before = snapshot(vars);
  const err = await t.throwsAsync(() => loadCheckpoint(dir, { variables: vars }), { instanceOf: ValueError });
  t.regex(err.message, /model\.ckpt\.data-00000-of-00001: entry 'rnn\/gru_cell\/candidate\/bias' .*CRC-32C/);
  t.true(err.message.includes(dir), 'names the full path');
  t.deepEqual(snapshot(vars), before);
  await rm(join(dir, 'model.ckpt.data-00000-of-00001'));
  await t.throwsAsync(() => loadCheckpoint(dir, { variables: vars }), {
    instanceOf: ValueError,
    message: /cannot read the data shard .*model\.ckpt\.data-00000-of-00001/,
  });
  vars.forEach((v) => v.dispose());
  await rm(dir, { recursive: true });
});

test.serial(
  'saveCheckpoint -> loadCheckpoint round-trips every dtype, scalars, empty tensors and several shards',
  async (t) => {
    const dir = await tmp();
    const src = [
      vr([0.1, -2.5, 1e300, -0], [2, 2], 'a/float64'),
      vr([0.1, 3], [2], 'a/float32', 'float32'),
      vr([2147483647, -2147483648, 0], [3], 'b/int32', 'int32'),
      vr([1, 0, 1], [3], 'b/bool', 'bool'),
      vr([42], [], 'c/scalar'),
      vr([], [0, 3], 'c/empty', 'float32'),
    ];
    const files = await saveCheckpoint(join(dir, 'model.ckpt-5'), src, { numShards: 3, globalStep: 5 });
    t.deepEqual(
      files.map((f) => f.slice(dir.length + 1)),
      [
        'model.ckpt-5.data-00000-of-00003',
        'model.ckpt-5.data-00001-of-00003',
        'model.ckpt-5.data-00002-of-00003',
        'model.ckpt-5.index',
        'checkpoint',
      ],
    );
    const dst = src.map((v) => vr(new Array<number>(v.size).fill(0), v.shape, v.name, v.dtype));
    const live = memory().numTensors;
    const report = await loadCheckpoint(dir, { variables: dst });
    t.is(memory().numTensors, live, 'the load leaves no tensor behind');
    t.deepEqual(report.trainingState, ['global_step']);
    t.is(report.globalStep, 5);
    t.deepEqual(snapshot(dst), snapshot(src));
    t.is((await openCheckpoint(dir)).entry('global_step')!.dtype, 'int64'); // TF1's dtype for it
    [...src, ...dst].forEach((v) => v.dispose());
    await rm(dir, { recursive: true });
  },
);

test.serial(
  'the checkpoint file: relative prefixes resolve against its directory, absolute ones as written; saves append',
  async (t) => {
    const dir = await tmp();
    const v = vr([1, 2], [2], 'v');
    await saveCheckpoint(join(dir, 'model.ckpt-1'), [v]);
    v.assign(tensor([3, 4], [2], 'float64'));
    await saveCheckpoint(join(dir, 'model.ckpt-2'), [v]);
    t.is(
      await readFile(join(dir, 'checkpoint'), 'utf8'),
      'model_checkpoint_path: "model.ckpt-2"\nall_model_checkpoint_paths: "model.ckpt-1"\nall_model_checkpoint_paths: "model.ckpt-2"\n',
    );
    t.is(await latestCheckpoint(dir), join(dir, 'model.ckpt-2'));
    const w = vr([0, 0], [2], 'v');
    await loadCheckpoint(dir, { variables: [w] });
    t.deepEqual(Array.from(w.dataSync()), [3, 4]);
    // An absolute prefix, as TF1's Saver writes by default, may point anywhere.
    const other = await tmp();
    await writeFile(
      join(other, 'checkpoint'),
      `model_checkpoint_path: "${join(dir, 'model.ckpt-1')}"\nall_model_checkpoint_paths: "${join(dir, 'model.ckpt-1')}"\n`,
    );
    await loadCheckpoint(other, { variables: [w] });
    t.deepEqual(Array.from(w.dataSync()), [1, 2]);
    await loadCheckpoint(join(dir, 'model.ckpt-2.index'), { variables: [w] }); // the .index path works too
    t.deepEqual(Array.from(w.dataSync()), [3, 4]);
    [v, w].forEach((x) => x.dispose());
    await rm(dir, { recursive: true });
    await rm(other, { recursive: true });
  },
);

test.serial(
  'browser API: save to in-memory files and load them back; load over fetch by prefix or directory URL',
  async (t) => {
    const v = vr([1.5, -2], [2], 'rnn/w', 'float32');
    const files = await saveToBytes('ckpt/model.ckpt', [v], { numShards: 2 });
    t.deepEqual(Object.keys(files).sort(), [
      'ckpt/checkpoint',
      'ckpt/model.ckpt.data-00000-of-00002',
      'ckpt/model.ckpt.data-00001-of-00002',
      'ckpt/model.ckpt.index',
    ]);
    const w = vr([0, 0], [2], 'rnn/w', 'float32');
    await loadFromBytes(files, { variables: [w] });
    t.deepEqual(Array.from(w.dataSync()), [1.5, -2]);
    w.dispose();
    v.dispose();

    const server = createServer((req, res) => {
      readFile(join(FIXTURES, decodeURIComponent(req.url!.slice(1)))).then(
        (b) => res.end(b),
        () => {
          res.statusCode = 404;
          res.end();
        },
      );
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      for (const url of [`${base}/gru_lengths/`, `${base}/gru_lengths/model.ckpt`]) {
        const vars = gruVariables('float64');
        const report = await loadFromBytes(url, { variables: vars });
        t.is(report.loaded.length, 4, url);
        t.deepEqual(
          Array.from(vars.find((x) => x.name === 'rnn/gru_cell/gates/kernel')!.dataSync()),
          fixture('gru_lengths').expected[0].values,
        );
        vars.forEach((x) => x.dispose());
      }
      await t.throwsAsync(() => loadFromBytes(`${base}/nothing/model.ckpt`, { variables: [] }), {
        instanceOf: ValueError,
        message: /HTTP 404/,
      });
    } finally {
      server.close();
    }
  },
);
