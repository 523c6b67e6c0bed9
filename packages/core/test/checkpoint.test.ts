/**
 * Checkpoints in tfjs's weights-manifest layout. The reference for the layout is the format as
 * tfjs documents it (tfjs-core/src/io/types.ts: WeightsManifestConfig = [{paths, weights:
 * [{name, shape, dtype}]}], values row-major little-endian, concatenated across a group's shards):
 * the tests write and read those bytes by hand with DataView, independently of weights.ts.
 * demo/test/tfjs-compat.test.ts also reads our files with tfjs itself.
 */
import test from 'ava';
import { mkdtemp, readFile, readdir, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  tensor,
  variable,
  memory,
  decodeWeights,
  encodeWeights,
  type DType,
  type Variable,
  type Tensor,
  type WeightsManifestConfig,
} from '@tapeflow/core';
import { loadWeights, loadWeightsInto, saveWeights } from '@tapeflow/core/node';
import { useStorageBackend } from './storage_backend.js';

// Checkpoints only store and read tensors, so a storage-only backend is enough (no kernels).
test.before(() => useStorageBackend());

const tmp = (): Promise<string> => mkdtemp(join(tmpdir(), 'tapeflow-ckpt-'));

/** Values of a tfjs weights group, read by hand: little-endian, row-major, back to back. */
function readByHand(
  bytes: Uint8Array,
  entries: { name: string; shape: number[]; dtype: string }[],
): Map<string, number[]> {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Map<string, number[]>();
  let o = 0;
  for (const e of entries) {
    const n = e.shape.reduce((a, b) => a * b, 1);
    const vals: number[] = [];
    for (let i = 0; i < n; i++) {
      if (e.dtype === 'float32') {
        vals.push(dv.getFloat32(o, true));
        o += 4;
      } else if (e.dtype === 'int32') {
        vals.push(dv.getInt32(o, true));
        o += 4;
      } else {
        vals.push(dv.getUint8(o));
        o += 1;
      }
    }
    out.set(e.name, vals);
  }
  if (o !== bytes.byteLength) throw new Error(`layout uses ${o} of ${bytes.byteLength} bytes`);
  return out;
}

/** A variable that owns its value (variable() shares the initial tensor's storage). */
function vr(vals: number[] | boolean[], shape: number[], name: string, dtype?: DType): Variable {
  const init = tensor(vals, shape, dtype);
  const v = variable(init, { name });
  init.dispose();
  return v;
}

const f32 = (xs: number[]): number[] => Array.from(Float32Array.from(xs));

function makeModel(prefix = ''): { vars: Variable[]; ref: Map<string, number[]> } {
  const k = [0.5, -1.25, 3.1, 2e-7, -0, 1e30, 7, 8, 9, 10, 11, 12];
  const vars = [
    vr(k, [3, 4], `${prefix}rnn/lstm_cell/kernel`),
    vr([1, -2, 3, 2147483647, -2147483648], [5], `${prefix}step`, 'int32'),
    vr([true, false, false, true], [2, 2], `${prefix}mask`),
    vr([0.1], [], `${prefix}scalar`),
    vr([], [0, 3], `${prefix}empty`),
  ];
  const ref = new Map<string, number[]>([
    [`${prefix}rnn/lstm_cell/kernel`, f32(k)],
    [`${prefix}step`, [1, -2, 3, 2147483647, -2147483648]],
    [`${prefix}mask`, [1, 0, 0, 1]],
    [`${prefix}scalar`, f32([0.1])],
    [`${prefix}empty`, []],
  ]);
  return { vars, ref };
}

const values = (t: Tensor): number[] => Array.from(t.dataSync());

test.serial('saveWeights writes a tfjs weights manifest and one shard laid out as tfjs reads it', async (t) => {
  const dir = await tmp();
  const { vars, ref } = makeModel();
  await saveWeights(vars, dir);
  t.deepEqual((await readdir(dir)).sort(), ['group1-shard1of1.bin', 'weights.json']);
  const manifest = JSON.parse(await readFile(join(dir, 'weights.json'), 'utf8')) as WeightsManifestConfig;
  t.deepEqual(manifest, [
    {
      paths: ['group1-shard1of1.bin'],
      weights: [
        { name: 'rnn/lstm_cell/kernel', shape: [3, 4], dtype: 'float32' },
        { name: 'step', shape: [5], dtype: 'int32' },
        { name: 'mask', shape: [2, 2], dtype: 'bool' },
        { name: 'scalar', shape: [], dtype: 'float32' },
        { name: 'empty', shape: [0, 3], dtype: 'float32' },
      ],
    },
  ]);
  const got = readByHand(await readFile(join(dir, 'group1-shard1of1.bin')), manifest[0].weights);
  t.deepEqual(got, ref);
  await rm(dir, { recursive: true });
});

test.serial('round trip through disk restores every value, also across many small shards', async (t) => {
  const before = memory().numTensors;
  const dir = await tmp();
  const { vars, ref } = makeModel();
  const manifest = await saveWeights(vars, dir, { shardBytes: 7 });
  const paths = manifest[0].paths;
  t.is(paths.length, Math.ceil((12 * 4 + 5 * 4 + 4 + 4) / 7));
  t.deepEqual(
    paths,
    paths.map((_, i) => `group1-shard${i + 1}of${paths.length}.bin`),
  );
  // The shards concatenated are the one-shard layout.
  const parts = await Promise.all(paths.map((p) => readFile(join(dir, p))));
  t.deepEqual(readByHand(Buffer.concat(parts), manifest[0].weights), ref);
  const loaded = await loadWeights(dir);
  t.deepEqual([...loaded.keys()], [...ref.keys()]);
  for (const [name, vals] of ref) {
    t.deepEqual(values(loaded.get(name)!), vals, name);
    t.deepEqual(loaded.get(name)!.shape, vars.find((v) => v.name === name)!.shape);
  }
  t.is(loaded.get('mask')!.dtype, 'bool');
  for (const x of loaded.values()) x.dispose();
  for (const v of vars) v.dispose();
  t.is(memory().numTensors, before);
  await rm(dir, { recursive: true });
});

test.serial('decodeWeights reads a manifest and shards written by hand in the tfjs layout', (t) => {
  const before = memory().numTensors;
  // Two groups, the first split into two shards in the middle of a float.
  const bytes = new ArrayBuffer(3 * 4 + 2 * 4);
  const dv = new DataView(bytes);
  [1.5, -2, 4].forEach((v, i) => dv.setFloat32(i * 4, v, true));
  [7, -9].forEach((v, i) => dv.setInt32(12 + i * 4, v, true));
  const manifest = [
    { paths: ['a1.bin', 'a2.bin'], weights: [{ name: 'dense/kernel', shape: [3, 1], dtype: 'float32' as const }] },
    { paths: ['b.bin'], weights: [{ name: 'global_step', shape: [2], dtype: 'int32' as const }] },
  ];
  const out = decodeWeights(manifest, [bytes.slice(0, 5), bytes.slice(5, 12), bytes.slice(12)]);
  t.deepEqual(values(out.get('dense/kernel')!), [1.5, -2, 4]);
  t.deepEqual(out.get('dense/kernel')!.shape, [3, 1]);
  t.deepEqual(values(out.get('global_step')!), [7, -9]);
  t.is(out.get('global_step')!.dtype, 'int32');
  for (const x of out.values()) x.dispose();
  t.is(memory().numTensors, before);
});

test.serial('loadWeightsInto restores variables by name, in any order, and reports unused names', async (t) => {
  const dir = await tmp();
  const a = makeModel('m/');
  await saveWeights({ ...Object.fromEntries(a.vars.map((v) => [v.name, v])), 'extra/slot': tensor([1, 2]) }, dir);
  for (const v of a.vars) v.assign(tensor(new Array(v.size).fill(v.dtype === 'bool' ? false : 3), v.shape, v.dtype));
  const before = memory().numTensors;
  const { unused } = await loadWeightsInto([...a.vars].reverse(), dir);
  t.deepEqual(unused, ['extra/slot']);
  for (const v of a.vars) t.deepEqual(values(v), a.ref.get(v.name)!, v.name);
  t.is(memory().numTensors, before);
  await rm(dir, { recursive: true });
});

async function expectNoChange(
  t: import('ava').ExecutionContext,
  vars: Variable[],
  dir: string,
  pattern: RegExp,
): Promise<void> {
  const snapshot = vars.map(values);
  const before = memory().numTensors;
  const err = await t.throwsAsync(() => loadWeightsInto(vars, dir), { name: 'ValueError' });
  t.regex(err.message, pattern);
  t.deepEqual(vars.map(values), snapshot, 'no variable changed');
  t.is(memory().numTensors, before, 'nothing leaked');
}

test.serial(
  'loading into a model with other shapes names the variable and both shapes, and changes nothing',
  async (t) => {
    const dir = await tmp();
    await saveWeights(
      [variable(tensor([1, 2, 3, 4], [2, 2]), { name: 'a' }), variable(tensor([5, 6, 7], [3]), { name: 'b' })],
      dir,
    );
    // 'a' fits and comes first: it must still not be assigned when 'b' does not fit.
    const vars = [
      variable(tensor([0, 0, 0, 0], [2, 2]), { name: 'a' }),
      variable(tensor([0, 0, 0, 0], [4]), { name: 'b' }),
    ];
    await expectNoChange(t, vars, dir, /'b' is float32 \[4\] in the model but float32 \[3\] in the checkpoint/);
    const wrongDType = [
      variable(tensor([0, 0, 0, 0], [2, 2]), { name: 'a' }),
      variable(tensor([0, 0, 0], [3], 'int32'), { name: 'b' }),
    ];
    await expectNoChange(t, wrongDType, dir, /'b' is int32 \[3\] in the model but float32 \[3\]/);
    await rm(dir, { recursive: true });
  },
);

test.serial('loading into a model with a name the checkpoint lacks is a clear error and changes nothing', async (t) => {
  const dir = await tmp();
  await saveWeights([variable(tensor([1, 2], [2]), { name: 'rnn/basic_lstm_cell/bias' })], dir);
  const vars = [
    variable(tensor([0, 0], [2]), { name: 'rnn/basic_lstm_cell/bias' }),
    variable(tensor([0], [1]), { name: 'rnn/lstm_cell/bias' }),
  ];
  await expectNoChange(t, vars, dir, /'rnn\/lstm_cell\/bias' is missing from the checkpoint/);
  await rm(dir, { recursive: true });
});

test.serial(
  'a truncated or missing shard, a bad manifest or a missing directory is a ValueError that creates no tensor',
  async (t) => {
    const dir = await tmp();
    await saveWeights([variable(tensor([1, 2, 3], [3]), { name: 'w' })], dir);
    const before = memory().numTensors;
    await writeFile(join(dir, 'group1-shard1of1.bin'), new Uint8Array(8));
    let err = await t.throwsAsync(() => loadWeights(dir), { name: 'ValueError' });
    t.regex(err.message, /hold 8 bytes.*'w' float32 \[3\].*need 12/);
    await rm(join(dir, 'group1-shard1of1.bin'));
    err = await t.throwsAsync(() => loadWeights(dir), { name: 'ValueError' });
    t.regex(err.message, /group1-shard1of1\.bin/);
    await writeFile(
      join(dir, 'weights.json'),
      JSON.stringify([{ paths: [], weights: [{ name: 'w', shape: [3], dtype: 'complex64' }] }]),
    );
    err = await t.throwsAsync(() => loadWeights(dir), { name: 'ValueError' });
    t.regex(err.message, /'w' has dtype "complex64"/);
    await t.throwsAsync(() => loadWeights(join(dir, 'nope')), { name: 'ValueError', message: /weights\.json/ });
    t.is(memory().numTensors, before);
    await rm(dir, { recursive: true });
  },
);

test.serial('encodeWeights rejects duplicate names, float64 and non-variables', (t) => {
  const x = tensor([1, 2]);
  t.throws(() => encodeWeights({ a: x, b: tensor([1], [1], 'float64') }), {
    name: 'ValueError',
    message: /'b' is float64 \[1\]/,
  });
  const v1 = variable(x, { name: 'same' });
  const v2 = variable(x, { name: 'same' });
  t.throws(() => encodeWeights([v1, v2]), { name: 'ValueError', message: /two weights are named 'same'/ });
  t.throws(() => encodeWeights([x as Variable]), { instanceOf: TypeError });
});

test.serial('the loaded values do not alias the saved variables', async (t) => {
  const dir = join(await tmp(), 'nested', 'ckpt');
  await mkdir(dir, { recursive: true });
  const v = variable(tensor([1, 2, 3]), { name: 'v' });
  await saveWeights([v], dir);
  v.assign(tensor([9, 9, 9]));
  const loaded = await loadWeights(dir);
  t.deepEqual(values(loaded.get('v')!), [1, 2, 3]);
  t.deepEqual(values(v), [9, 9, 9]);
});
