/**
 * The tapeflow-ckpt command (ls, diff, convert between TensorFlow bundles and tfjs weights
 * manifests). References: TensorFlow's values in expected.json, a bit-by-bit CRC-32C, and tfjs's
 * layout read by hand (little-endian values back to back in manifest order).
 */
import test from 'ava';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { BundleIndex, BundleReader, type WeightsManifestConfig } from '@tapeflow/core';
import { FIXTURES, crc32cByBits, fixture } from '@tapeflow/conformance/tf1-checkpoints';

const cli = join(dirname(fileURLToPath(import.meta.url)), '../src/node/ckpt_cli.ts');
async function run(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [
      '--import=tsx',
      '--conditions=source',
      cli,
      ...args,
    ]);
    return { code: 0, out: stdout, err: stderr };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, out: x.stdout, err: x.stderr };
  }
}

test('ls lists name, dtype, shape, bytes and the CRC-32C of each tensor', async (t) => {
  const { code, out } = await run('ls', join(FIXTURES, 'gru_lengths'));
  t.is(code, 0);
  const f = fixture('gru_lengths');
  t.regex(out, /TensorFlow V2 bundle\): 4 tensors, 768 bytes/);
  for (const v of f.expected) {
    const crc = crc32cByBits(new Uint8Array(Float64Array.from(v.values).buffer))
      .toString(16)
      .padStart(8, '0');
    t.regex(
      out,
      new RegExp(`${v.name}\\s+float64\\s+\\[${v.shape.join(',')}\\]\\s+${v.values.length * 8}\\s+${crc}`),
      v.name,
    );
  }
});

test('convert: bundle -> tfjs (float64 only when asked to round) -> bundle; diff reports what changed', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'tapeflow-cli-'));
  const src = join(FIXTURES, 'gru_lengths');
  const refused = await run('convert', src, join(dir, 'tfjs'));
  t.is(refused.code, 2);
  t.regex(
    refused.err,
    /'rnn\/gru_cell\/candidate\/bias' is float64 \[4\]; the tfjs format has no float64 \(pass --cast-float64/,
  );

  t.is((await run('convert', src, join(dir, 'tfjs'), '--cast-float64')).code, 0);
  const manifest = JSON.parse(await readFile(join(dir, 'tfjs', 'weights.json'), 'utf8')) as WeightsManifestConfig;
  const bin = await readFile(join(dir, 'tfjs', manifest[0].paths[0]));
  let o = 0;
  for (const w of manifest[0].weights) {
    const e = fixture('gru_lengths').expected.find((x) => x.name === w.name)!;
    t.is(w.dtype, 'float32');
    t.deepEqual(w.shape, e.shape);
    const got = Array.from({ length: e.values.length }, (_, i) => bin.readFloatLE(o + 4 * i));
    t.deepEqual(got, e.values.map(Math.fround), w.name);
    o += 4 * e.values.length;
  }
  t.is(o, bin.length);

  t.is((await run('convert', join(dir, 'tfjs'), join(dir, 'back') + '/', '--shards', '2')).code, 0);
  const idx = await readFile(join(dir, 'back', 'model.ckpt.index'));
  const data = await Promise.all([0, 1].map((i) => readFile(join(dir, 'back', `model.ckpt.data-0000${i}-of-00002`))));
  const back = new BundleReader(BundleIndex.parse(idx), data).readAll();
  // The float32 fixture holds TensorFlow's float32 weights: the rounded float64 ones, bit for bit.
  for (const e of fixture('gru_lengths_float32').expected)
    t.deepEqual(Array.from(back.get(e.name)!.values as Float32Array), e.values, e.name);

  t.deepEqual(await run('diff', join(FIXTURES, 'gru_lengths_float32'), join(dir, 'back')), {
    code: 0,
    out: 'no differences\n',
    err: '',
  });
  const d = await run('diff', src, join(dir, 'back'));
  t.is(d.code, 1);
  t.regex(
    d.out,
    /dtype: rnn\/gru_cell\/gates\/kernel float64 vs float32\nvalues: rnn\/gru_cell\/gates\/kernel 56 of 56 elements differ, max \|A - B\| = \d/,
  );
  const loose = await run('diff', src, join(dir, 'back'), '--atol', '1e-6');
  t.notRegex(loose.out, /values:/);
  const other = await run('diff', join(dir, 'tfjs'), join(FIXTURES, 'gru_lengths'));
  t.is(other.code, 1);
  await rm(dir, { recursive: true });
});

test('bad usage and bad files exit with status 2 and a message', async (t) => {
  const bad = await run('frobnicate');
  t.is(bad.code, 2);
  t.regex(bad.err, /unknown command frobnicate[\s\S]*usage:/);
  const missing = await run('ls', join(tmpdir(), 'no-such-checkpoint'));
  t.is(missing.code, 2);
  t.regex(missing.err, /cannot read the checkpoint index .*no-such-checkpoint\.index/);
});
