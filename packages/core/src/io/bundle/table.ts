/**
 * LevelDB's sorted-string table, the format of a bundle's `.index` file (leveldb
 * doc/table_format.md; TensorFlow keeps a copy in tensorflow/core/lib/io/table*):
 *
 *   [data block]... [metaindex block] [index block] [footer: 48 bytes]
 *   block   = entries, restart offsets (fixed32 each), their count (fixed32),
 *             then a trailer: compression type (1 byte) + masked CRC-32C of block and type byte
 *   entry   = varint shared-key-length, varint unshared-length, varint value-length,
 *             the unshared key bytes, the value  (shared = 0 at every restart point)
 *   index   = one entry per data block: a key >= the block's last key and < the next block's
 *             first, and the block's handle (varint offset, varint size)
 *   footer  = metaindex handle, index handle, zero padding to 40 bytes, magic fixed64
 *
 * Keys are compared bytewise. TensorFlow writes its bundles uncompressed and without filters.
 */
import { ByteReader, ByteWriter, FormatError, compareBytes } from './bytes.js';
import { crc32c, maskCrc, unmaskCrc } from './crc32c.js';

const MAGIC = 0xdb4775248b80fb57n;
const FOOTER_BYTES = 48;
const TRAILER_BYTES = 5;
const NO_COMPRESSION = 0;

export interface TableEntry {
  key: Uint8Array;
  value: Uint8Array;
}
interface Handle {
  offset: number;
  size: number;
}

function readHandle(r: ByteReader, what: string): Handle {
  return { offset: r.varint(`${what} offset`), size: r.varint(`${what} size`) };
}

/** A block's contents after checking its trailer. */
function readBlock(file: Uint8Array, h: Handle, what: string): Uint8Array {
  if (h.offset + h.size + TRAILER_BYTES > file.length) {
    throw new FormatError(
      `${what} (bytes ${h.offset}..${h.offset + h.size + TRAILER_BYTES}) runs past the end of the file (${file.length} bytes)`,
    );
  }
  const withType = file.subarray(h.offset, h.offset + h.size + 1);
  const stored = new ByteReader(file, h.offset + h.size + 1).fixed32(`${what} checksum`);
  if (crc32c(withType) !== unmaskCrc(stored)) throw new FormatError(`${what} fails its CRC-32C check`);
  const type = withType[h.size];
  if (type !== NO_COMPRESSION) {
    throw new FormatError(
      `${what} is compressed (type ${type}); only uncompressed tables are read (TensorFlow writes bundles uncompressed)`,
    );
  }
  return withType.subarray(0, h.size);
}

/** A block's entries in order, checking the restart array and that keys strictly increase. */
function blockEntries(block: Uint8Array, what: string): TableEntry[] {
  if (block.length < 4) throw new FormatError(`${what} is ${block.length} bytes, too short for its restart count`);
  const numRestarts = new ByteReader(block, block.length - 4).fixed32(`${what} restart count`);
  const restartsAt = block.length - 4 - 4 * numRestarts;
  if (numRestarts < 1 || restartsAt < 0) throw new FormatError(`${what} claims ${numRestarts} restart points`);
  const restarts = new Set<number>();
  const rr = new ByteReader(block, restartsAt);
  let prev = -1;
  for (let i = 0; i < numRestarts; i++) {
    const at = rr.fixed32(`${what} restart ${i}`);
    if (at <= prev || (i === 0 && at !== 0) || (at >= restartsAt && restartsAt > 0)) {
      throw new FormatError(`${what} restart point ${i} (${at}) is out of order or out of range`);
    }
    restarts.add(at);
    prev = at;
  }
  const out: TableEntry[] = [];
  const r = new ByteReader(block, 0, restartsAt);
  let last: Uint8Array = new Uint8Array(0);
  let restartsSeen = 0;
  while (!r.done) {
    const at = r.pos;
    if (restarts.has(at)) restartsSeen++;
    const shared = r.varint(`${what} entry at ${at}`);
    const unshared = r.varint(`${what} entry at ${at}`);
    const valueLength = r.varint(`${what} entry at ${at}`);
    if (shared > last.length || (restarts.has(at) && shared !== 0)) {
      throw new FormatError(`${what}: entry at byte ${at} shares ${shared} key bytes with a key of ${last.length}`);
    }
    const key = new Uint8Array(shared + unshared);
    key.set(last.subarray(0, shared));
    key.set(r.take(unshared, `${what} key at ${at}`), shared);
    const value = r.take(valueLength, `${what} value at ${at}`);
    if (out.length && compareBytes(last, key) >= 0)
      throw new FormatError(`${what}: keys are not in strictly increasing order at byte ${at}`);
    out.push({ key, value });
    last = key;
  }
  if (restartsSeen !== (out.length ? numRestarts : 0))
    throw new FormatError(`${what}: a restart point is not at the start of an entry`);
  return out;
}

/** Every entry of a table, in key order, after checking the footer, every block's checksum and the index. */
export function readTable(file: Uint8Array): TableEntry[] {
  if (file.length < FOOTER_BYTES)
    throw new FormatError(`the file is ${file.length} bytes, shorter than a table footer (${FOOTER_BYTES})`);
  const footer = new ByteReader(file, file.length - FOOTER_BYTES);
  const metaindex = readHandle(footer, 'footer metaindex handle');
  const index = readHandle(footer, 'footer index handle');
  const magicAt = file.length - 8;
  if (footer.pos > magicAt) throw new FormatError("the footer's block handles overrun its magic number");
  if (new ByteReader(file, magicAt).fixed64('footer magic') !== MAGIC) {
    throw new FormatError('the footer has no LevelDB table magic number (not a bundle index, or truncated)');
  }
  for (let p = footer.pos; p < magicAt; p++)
    if (file[p] !== 0) throw new FormatError(`the footer's padding byte ${p} is not zero`);
  readBlock(file, metaindex, 'the metaindex block'); // no filters are used, but its checksum still guards the footer
  const indexEntries = blockEntries(readBlock(file, index, 'the index block'), 'the index block');
  const out: TableEntry[] = [];
  indexEntries.forEach((ie, b) => {
    const r = new ByteReader(ie.value);
    const h = readHandle(r, `index entry ${b} handle`);
    if (!r.done) throw new FormatError(`index entry ${b} has ${r.end - r.pos} bytes after its block handle`);
    if (h.offset + h.size + TRAILER_BYTES > Math.min(metaindex.offset, index.offset)) {
      throw new FormatError(`data block ${b} overlaps the metaindex or index block`);
    }
    const entries = blockEntries(readBlock(file, h, `data block ${b}`), `data block ${b}`);
    if (entries.length === 0) throw new FormatError(`data block ${b} is empty`);
    const first = entries[0].key,
      lastKey = entries[entries.length - 1].key;
    if (out.length && compareBytes(out[out.length - 1].key, first) >= 0)
      throw new FormatError(`data block ${b} does not start after the previous block's keys`);
    if (compareBytes(lastKey, ie.key) > 0) throw new FormatError(`data block ${b} holds keys past its index key`);
    out.push(...entries);
  });
  return out;
}

// ---- writing ----

class BlockBuilder {
  private w = new ByteWriter();
  private restarts: number[] = [0];
  private sinceRestart = 0;
  private last: Uint8Array = new Uint8Array(0);
  count = 0;
  constructor(private readonly restartInterval: number) {}

  add(key: Uint8Array, value: Uint8Array): void {
    let shared = 0;
    if (this.sinceRestart < this.restartInterval) {
      const n = Math.min(this.last.length, key.length);
      while (shared < n && this.last[shared] === key[shared]) shared++;
    } else {
      this.restarts.push(this.w.length);
      this.sinceRestart = 0;
    }
    this.w
      .varint(shared)
      .varint(key.length - shared)
      .varint(value.length)
      .bytes(key.subarray(shared))
      .bytes(value);
    this.last = key;
    this.sinceRestart++;
    this.count++;
  }

  get sizeEstimate(): number {
    return this.w.length + 4 * this.restarts.length + 4;
  }

  finish(): Uint8Array {
    for (const r of this.restarts) this.w.fixed32(r);
    return this.w.fixed32(this.restarts.length).finish();
  }
}

/** LevelDB's FindShortestSeparator: a short key in [start, limit). */
function separator(start: Uint8Array, limit: Uint8Array): Uint8Array {
  const n = Math.min(start.length, limit.length);
  let i = 0;
  while (i < n && start[i] === limit[i]) i++;
  if (i < n && start[i] < 0xff && start[i] + 1 < limit[i]) {
    const out = start.slice(0, i + 1);
    out[i]++;
    return out;
  }
  return start;
}

/** LevelDB's FindShortSuccessor: a short key >= k. */
function successor(k: Uint8Array): Uint8Array {
  for (let i = 0; i < k.length; i++) {
    if (k[i] !== 0xff) {
      const out = k.slice(0, i + 1);
      out[i]++;
      return out;
    }
  }
  return k;
}

export interface TableOptions {
  /** Target size of a data block before it is cut (TensorFlow's table_options.h: 256 KiB). */
  blockBytes?: number;
  /** Entries between full keys (TensorFlow's and LevelDB's default: 16). */
  restartInterval?: number;
}

/** A table holding `entries`, which must be sorted by key (bytewise) without duplicates. */
export function writeTable(entries: readonly TableEntry[], opts: TableOptions = {}): Uint8Array {
  const blockBytes = opts.blockBytes ?? 256 * 1024;
  const interval = opts.restartInterval ?? 16;
  const file = new ByteWriter();
  const index = new BlockBuilder(1);
  const writeBlock = (contents: Uint8Array): Handle => {
    const h = { offset: file.length, size: contents.length };
    const withType = new Uint8Array(contents.length + 1);
    withType.set(contents);
    withType[contents.length] = NO_COMPRESSION;
    file.bytes(withType).fixed32(maskCrc(crc32c(withType)));
    return h;
  };
  const handleBytes = (h: Handle): Uint8Array => new ByteWriter().varint(h.offset).varint(h.size).finish();

  let block = new BlockBuilder(interval);
  let last: Uint8Array | null = null;
  // A block's index entry is added once the next key is known, so its separator can be short.
  let pending: Handle | null = null;
  for (const { key, value } of entries) {
    if (last && compareBytes(last, key) >= 0) throw new RangeError('writeTable: keys must be sorted and distinct');
    if (pending && last) {
      index.add(separator(last, key), handleBytes(pending));
      pending = null;
    }
    block.add(key, value);
    last = key;
    if (block.sizeEstimate >= blockBytes) {
      pending = writeBlock(block.finish());
      block = new BlockBuilder(interval);
    }
  }
  if (block.count > 0) pending = writeBlock(block.finish());
  if (pending && last) index.add(successor(last), handleBytes(pending));
  const metaindex = writeBlock(new BlockBuilder(interval).finish());
  const indexHandle = writeBlock(index.finish());
  const footer = new ByteWriter()
    .varint(metaindex.offset)
    .varint(metaindex.size)
    .varint(indexHandle.offset)
    .varint(indexHandle.size);
  const padded = new Uint8Array(FOOTER_BYTES);
  padded.set(footer.finish());
  file.bytes(padded.subarray(0, FOOTER_BYTES - 8)).fixed64(MAGIC);
  return file.finish();
}
