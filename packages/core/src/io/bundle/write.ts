/**
 * Writing a V2 tensor bundle the way TensorFlow's BundleWriter does: tensors in key order, each
 * shard's tensors back to back (TF's default data alignment of 1), every entry with its size and
 * masked CRC-32C, the header under the empty key, and the index as an uncompressed LevelDB table.
 */
import { ValueError } from '../../errors.js';
import { compareBytes, utf8 } from './bytes.js';
import { crc32c, maskCrc } from './crc32c.js';
import { encodeEntry, encodeHeader } from './messages.js';
import type { BundleTensor } from './read.js';
import { writeTable, type TableOptions } from './table.js';
import { ARRAYS, bytesOfArray, dtypeOfArray, isBundleDType } from './values.js';

export interface WriteBundleOptions extends TableOptions {
  /** Number of `.data` files (default 1); tensors are split into runs of about equal bytes. */
  numShards?: number;
}

export interface BundleBytes {
  index: Uint8Array;
  data: Uint8Array[];
}

function check(name: string, t: BundleTensor): void {
  const where = `writeBundle: tensor '${name}'`;
  if (typeof name !== 'string' || name === '')
    throw new ValueError('writeBundle: every tensor needs a non-empty name (the empty key holds the header)');
  if (name.charCodeAt(0) === 0)
    throw new ValueError(`${where}: a name may not start with a NUL character (TF reserves those keys for slices)`);
  if (!t || !isBundleDType(t.dtype))
    throw new ValueError(`${where}: dtype must be float32, float64, int32, int64 or bool, got ${String(t?.dtype)}`);
  if (!Array.isArray(t.shape) || !t.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw new ValueError(`${where}: shape must be an array of non-negative integers, got ${JSON.stringify(t.shape)}`);
  }
  if (dtypeOfArray(t.values) !== t.dtype) {
    throw new TypeError(
      `${where}: ${t.dtype} values must be a ${ARRAYS[t.dtype].name}, got ${t.values?.constructor?.name ?? typeof t.values}`,
    );
  }
  const n = t.shape.reduce((a, b) => a * b, 1);
  if (t.values.length !== n)
    throw new ValueError(`${where}: shape [${t.shape.join(',')}] has ${n} elements, values has ${t.values.length}`);
}

/** Encodes named tensors as a bundle: the `.index` bytes and each `.data` shard's bytes. */
export function writeBundle(tensors: Iterable<[string, BundleTensor]>, opts: WriteBundleOptions = {}): BundleBytes {
  const numShards = opts.numShards ?? 1;
  if (!Number.isInteger(numShards) || numShards < 1)
    throw new ValueError(`writeBundle: numShards must be a positive integer, got ${numShards}`);
  const list = [...tensors].map(([name, t]) => {
    check(name, t);
    return { name, key: utf8(name), t, bytes: bytesOfArray(t.values) };
  });
  list.sort((a, b) => compareBytes(a.key, b.key));
  for (let i = 1; i < list.length; i++) {
    if (compareBytes(list[i - 1].key, list[i].key) === 0)
      throw new ValueError(`writeBundle: two tensors are named '${list[i].name}'`);
  }
  const total = list.reduce((s, e) => s + e.bytes.length, 0);
  const shards: Uint8Array[][] = Array.from({ length: numShards }, () => []);
  const sizes = new Array<number>(numShards).fill(0);
  let before = 0;
  const entries = list.map(({ key, t, bytes }) => {
    // Contiguous runs in key order: a tensor goes to the shard its first byte falls in.
    const shardId = total === 0 ? 0 : Math.min(numShards - 1, Math.floor((before * numShards) / total));
    before += bytes.length;
    const entry = encodeEntry({
      dtype: t.dtype,
      shape: t.shape,
      shardId,
      offset: sizes[shardId],
      size: bytes.length,
      crc32c: maskCrc(crc32c(bytes)),
    });
    shards[shardId].push(bytes);
    sizes[shardId] += bytes.length;
    return { key, value: entry };
  });
  const index = writeTable([{ key: new Uint8Array(0), value: encodeHeader(numShards) }, ...entries], opts);
  const data = shards.map((parts, i) => {
    const out = new Uint8Array(sizes[i]);
    let o = 0;
    for (const p of parts) {
      out.set(p, o);
      o += p.length;
    }
    return out;
  });
  return { index, data };
}
