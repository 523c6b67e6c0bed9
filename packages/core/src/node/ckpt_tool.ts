/**
 * What the `tapeflow-ckpt` command does, as functions returning text: list, diff and convert
 * checkpoints in either format tapeflow writes, a TensorFlow bundle (prefix, `.index` path or a
 * directory with a `checkpoint` file) or a tfjs weights-manifest directory (`weights.json`).
 * Works on raw arrays: no backend is needed.
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ValueError } from '../errors.js';
import { crc32c, unmaskCrc } from '../io/bundle/crc32c.js';
import type { BundleTensor } from '../io/bundle/read.js';
import { bytesOfArray, isBundleDType, type BundleArray } from '../io/bundle/values.js';
import { writeBundle } from '../io/bundle/write.js';
import { decodeWeightArrays, encodeWeightArrays, type WeightArray } from '../io/weights.js';
import { openCheckpoint, resolvePrefix, writeBundleFiles } from './bundle.js';
import { MANIFEST_FILE, readManifestDir, writeManifestDir } from './checkpoint.js';

export type Format = 'tf' | 'tfjs';

export interface Listed {
  name: string;
  dtype: string;
  shape: number[];
  bytes: number;
  /** CRC-32C of the values' bytes (for a bundle, the stored one, checked). */
  crc32c: number;
  /** The values, for the dtypes tapeflow decodes. */
  values?: BundleArray;
}

export interface Contents {
  format: Format;
  source: string;
  tensors: Listed[];
}

const exists = (p: string): Promise<boolean> =>
  stat(p).then(
    () => true,
    () => false,
  );

export async function formatOf(path: string): Promise<Format> {
  return (await exists(join(path, MANIFEST_FILE))) ? 'tfjs' : 'tf';
}

/** Every tensor of a checkpoint in either format, checked (checksums, sizes) as the loaders check it. */
export async function readContents(path: string): Promise<Contents> {
  if ((await formatOf(path)) === 'tfjs') {
    const { manifest, buffers } = await readManifestDir(path);
    const tensors = [...decodeWeightArrays(manifest, buffers).values()].map((w): Listed => {
      const b = bytesOfArray(w.values);
      return { name: w.name, dtype: w.dtype, shape: w.shape, bytes: b.length, crc32c: crc32c(b), values: w.values };
    });
    return { format: 'tfjs', source: join(path, MANIFEST_FILE), tensors };
  }
  const prefix = await resolvePrefix(path);
  const reader = await openCheckpoint(prefix);
  const tensors = reader.names.map((name): Listed => {
    const e = reader.entry(name)!;
    const bytes = reader.rawBytes(name); // checks bounds and crc
    const values = isBundleDType(e.dtype) ? reader.read(name).values : undefined;
    return { name, dtype: e.dtype, shape: e.shape, bytes: bytes.length, crc32c: unmaskCrc(e.crc32c), values };
  });
  return { format: 'tf', source: prefix, tensors };
}

const shapeText = (s: readonly number[]): string => `[${s.join(',')}]`;
const hex = (n: number): string => n.toString(16).padStart(8, '0');

function table(rows: string[][]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows
    .map((r) =>
      r
        .map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c])))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

export function formatListing(c: Contents): string {
  const total = c.tensors.reduce((n, t) => n + t.bytes, 0);
  const head = `${c.source} (${c.format === 'tf' ? 'TensorFlow V2 bundle' : 'tfjs weights manifest'}): ${c.tensors.length} tensors, ${total} bytes`;
  const rows = [
    ['name', 'dtype', 'shape', 'bytes', 'crc32c'],
    ...c.tensors.map((t) => [t.name, t.dtype, shapeText(t.shape), String(t.bytes), hex(t.crc32c)]),
  ];
  return `${head}\n${table(rows)}`;
}

const num = (v: number | bigint): number => Number(v);

/** The differences between two checkpoints, one line each (empty when they hold the same tensors). */
export function diffContents(a: Contents, b: Contents, tol: { atol?: number; rtol?: number } = {}): string[] {
  const { atol = 0, rtol = 0 } = tol;
  const byName = new Map(b.tensors.map((t) => [t.name, t]));
  const out: string[] = [];
  for (const t of a.tensors) {
    const u = byName.get(t.name);
    byName.delete(t.name);
    if (!u) {
      out.push(`only in A: ${t.name} ${t.dtype} ${shapeText(t.shape)}`);
      continue;
    }
    if (shapeText(t.shape) !== shapeText(u.shape)) {
      out.push(`shape: ${t.name} ${shapeText(t.shape)} vs ${shapeText(u.shape)}`);
      continue;
    }
    if (t.dtype !== u.dtype) out.push(`dtype: ${t.name} ${t.dtype} vs ${u.dtype}`);
    if (!t.values || !u.values) {
      if (t.crc32c !== u.crc32c) out.push(`values: ${t.name} differ (crc32c ${hex(t.crc32c)} vs ${hex(u.crc32c)})`);
      continue;
    }
    let differing = 0,
      worst = 0;
    for (let i = 0; i < t.values.length; i++) {
      const x = num(t.values[i]),
        y = num(u.values[i]);
      if (Object.is(x, y) || (Number.isNaN(x) && Number.isNaN(y))) continue;
      const d = Math.abs(x - y);
      if (d > atol + rtol * Math.abs(y) || Number.isNaN(d)) {
        differing++;
        worst = Math.max(worst, d);
      }
    }
    if (differing)
      out.push(`values: ${t.name} ${differing} of ${t.values.length} elements differ, max |A - B| = ${worst}`);
  }
  for (const u of byName.values()) out.push(`only in B: ${u.name} ${u.dtype} ${shapeText(u.shape)}`);
  return out;
}

export interface ConvertOptions {
  to?: Format;
  castFloat64?: boolean;
  numShards?: number;
}

/** tfjs manifests hold float32, int32 and bool: float64 needs castFloat64, int64 must fit int32. */
function toManifest(t: Listed, castFloat64: boolean): WeightArray {
  const fail = (why: string): never => {
    throw new ValueError(`convert: '${t.name}' is ${t.dtype} ${shapeText(t.shape)}; ${why}`);
  };
  if (!t.values) return fail('tapeflow cannot decode that dtype');
  switch (t.dtype) {
    case 'float32':
    case 'int32':
    case 'bool':
      return { name: t.name, shape: t.shape, dtype: t.dtype, values: t.values as WeightArray['values'] };
    case 'float64':
      if (!castFloat64) return fail('the tfjs format has no float64 (pass --cast-float64 to round to float32)');
      return { name: t.name, shape: t.shape, dtype: 'float32', values: Float32Array.from(t.values as Float64Array) };
    case 'int64': {
      const v = t.values as BigInt64Array;
      const bad = v.find((x) => x > 2147483647n || x < -2147483648n);
      if (bad !== undefined) fail(`${bad} does not fit the int32 the tfjs format holds`);
      return { name: t.name, shape: t.shape, dtype: 'int32', values: Int32Array.from(v, Number) };
    }
    default:
      return fail('the tfjs format cannot hold it');
  }
}

/** Converts `src` to the other format (or `opts.to`) at `dst`; returns what was written. */
export async function convert(src: string, dst: string, opts: ConvertOptions = {}): Promise<string> {
  const c = await readContents(src);
  const to = opts.to ?? (c.format === 'tf' ? 'tfjs' : 'tf');
  if (to === 'tfjs') {
    const arrays = c.tensors.map((t) => toManifest(t, opts.castFloat64 ?? false));
    await writeManifestDir(encodeWeightArrays(arrays), dst);
    return `wrote ${c.tensors.length} tensors to ${join(dst, MANIFEST_FILE)} (tfjs weights manifest)`;
  }
  const prefix =
    dst.endsWith('/') ||
    (await stat(dst).then(
      (s) => s.isDirectory(),
      () => false,
    ))
      ? join(dst, 'model.ckpt')
      : dst;
  const tensors = c.tensors.map((t): [string, BundleTensor] => {
    if (!t.values || !isBundleDType(t.dtype))
      throw new ValueError(`convert: '${t.name}' is ${t.dtype}; tapeflow cannot decode that dtype`);
    return [t.name, { dtype: t.dtype, shape: t.shape, values: t.values }];
  });
  const files = await writeBundleFiles(prefix, writeBundle(tensors, { numShards: opts.numShards }));
  return `wrote ${c.tensors.length} tensors to ${prefix} (TensorFlow V2 bundle: ${files.length - 1} files and the checkpoint file)`;
}
