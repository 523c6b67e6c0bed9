/**
 * Reading a V2 tensor bundle (tensorflow/core/util/tensor_bundle): the `.index` table maps each
 * tensor's name to a BundleEntryProto saying which `.data-NNNNN-of-NNNNN` shard holds its bytes,
 * where, how many, and their masked CRC-32C. Everything is checked before a value is returned:
 * a corrupt or truncated file is a ValueError naming the file and the entry.
 */
import { ValueError } from '../../errors.js';
import { FormatError, fromUtf8 } from './bytes.js';
import { crc32c, unmaskCrc } from './crc32c.js';
import { BUNDLE_VERSION, decodeEntry, decodeHeader, type BundleEntry, type BundleHeader } from './messages.js';
import { readTable } from './table.js';
import { ARRAYS, arrayFromBytes, isBundleDType, type BundleArray, type BundleDType } from './values.js';

/** One tensor's value: `values` holds its elements row-major (int64 as BigInt64Array, bool as 0/1 bytes). */
export interface BundleTensor {
  dtype: BundleDType;
  shape: number[];
  values: BundleArray;
}

export type Bytes = ArrayBuffer | Uint8Array;
/** A plain Uint8Array view (a Node Buffer's slice() would not copy). */
export const asBytes = (b: Bytes): Uint8Array =>
  b instanceof Uint8Array ? new Uint8Array(b.buffer, b.byteOffset, b.byteLength) : new Uint8Array(b);

/** The name of shard `i` of `n` for `prefix` ('model.ckpt.data-00000-of-00001'). */
export const shardFileName = (prefix: string, i: number, n: number): string =>
  `${prefix}.data-${String(i).padStart(5, '0')}-of-${String(n).padStart(5, '0')}`;

const fmtShape = (s: readonly number[]): string => `[${s.join(',')}]`;
const sizeOf = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);

/** A parsed `.index`: the header and every entry, by name in key order. */
export class BundleIndex {
  private constructor(
    readonly fileName: string,
    readonly header: BundleHeader,
    readonly entries: ReadonlyMap<string, BundleEntry>,
  ) {}

  /** Parses and checks an index file; `fileName` is only used in error messages. */
  static parse(bytes: Bytes, fileName = 'model.ckpt.index'): BundleIndex {
    const bad = (why: string): never => {
      throw new ValueError(`readBundle: ${fileName}: ${why}`);
    };
    let table;
    try {
      table = readTable(asBytes(bytes));
    } catch (e) {
      if (e instanceof FormatError) bad(`${e.message}; the file is corrupt or not a TensorFlow checkpoint index`);
      throw e;
    }
    if (table.length === 0 || table[0].key.length !== 0) bad('has no bundle header (the entry under the empty key)');
    let header: BundleHeader;
    try {
      header = decodeHeader(table[0].value);
    } catch (e) {
      throw e instanceof FormatError ? new ValueError(`readBundle: ${fileName}: bundle header: ${e.message}`) : e;
    }
    if (header.numShards < 1) bad(`the header says ${header.numShards} data shards`);
    if (header.endianness !== 'little') bad('is big-endian; only little-endian bundles are read');
    if (header.minConsumer > BUNDLE_VERSION)
      bad(`needs bundle format version ${header.minConsumer}; this reader knows version ${BUNDLE_VERSION}`);
    const entries = new Map<string, BundleEntry>();
    for (const { key, value } of table.slice(1)) {
      if (key[0] === 0) continue; // a slice of a partitioned variable (binary key); its full entry lists it
      let name = '';
      try {
        name = fromUtf8(key, 'key');
        const e = decodeEntry(value);
        if (e.shardId >= header.numShards) throw new FormatError(`is in shard ${e.shardId} of ${header.numShards}`);
        if (
          isBundleDType(e.dtype) &&
          e.slices === 0 &&
          e.size !== sizeOf(e.shape) * ARRAYS[e.dtype].BYTES_PER_ELEMENT
        ) {
          throw new FormatError(`is ${e.dtype} ${fmtShape(e.shape)} but holds ${e.size} bytes`);
        }
        entries.set(name, e);
      } catch (e) {
        if (e instanceof FormatError) bad(`entry '${name || Array.from(key).join(' ')}' ${e.message}`);
        throw e;
      }
    }
    return new BundleIndex(fileName, header, entries);
  }

  /** The data file names for `prefix`, in shard order. */
  shardFileNames(prefix: string): string[] {
    return Array.from({ length: this.header.numShards }, (_, i) => shardFileName(prefix, i, this.header.numShards));
  }
}

/** A bundle whose index and shard bytes are in memory. */
export class BundleReader {
  readonly shardNames: readonly string[];

  /**
   * `shards` in shard order; `shardNames` (for messages) default to the names
   * BundleIndex.shardFileNames gives for the index file's prefix.
   */
  constructor(
    readonly index: BundleIndex,
    private readonly shards: readonly Bytes[],
    shardNames?: readonly string[],
  ) {
    const n = index.header.numShards;
    const prefix = index.fileName.replace(/\.index$/, '');
    this.shardNames = shardNames ?? index.shardFileNames(prefix);
    if (shards.length !== n) {
      throw new ValueError(
        `readBundle: ${index.fileName} names ${n} data shard${n === 1 ? '' : 's'} ` +
          `(${index.shardFileNames(prefix).join(', ')}), got ${shards.length}`,
      );
    }
  }

  /** Tensor names in the bundle's (bytewise sorted) order. */
  get names(): string[] {
    return [...this.index.entries.keys()];
  }

  entry(name: string): BundleEntry | undefined {
    return this.index.entries.get(name);
  }

  /** The bytes of one entry after checking its bounds and checksum. */
  rawBytes(name: string): Uint8Array {
    const e = this.index.entries.get(name);
    if (!e) throw new ValueError(`readBundle: ${this.index.fileName} has no tensor '${name}'`);
    const file = this.shardNames[e.shardId];
    const where = `entry '${name}' (${e.dtype} ${fmtShape(e.shape)}, ${e.size} bytes at offset ${e.offset})`;
    if (e.slices > 0)
      throw new ValueError(
        `readBundle: ${this.index.fileName}: ${where} is a partitioned variable (${e.slices} slices); those are not supported`,
      );
    const shard = asBytes(this.shards[e.shardId]);
    if (e.offset + e.size > shard.length) {
      throw new ValueError(
        `readBundle: ${file}: ${where} runs past the end of the file (${shard.length} bytes): the shard is truncated`,
      );
    }
    const bytes = shard.subarray(e.offset, e.offset + e.size);
    if (crc32c(bytes) !== unmaskCrc(e.crc32c)) {
      throw new ValueError(`readBundle: ${file}: ${where} fails its CRC-32C check: the data file is corrupt`);
    }
    return bytes;
  }

  /** One tensor, checked; its values are a fresh copy. */
  read(name: string): BundleTensor {
    const e = this.index.entries.get(name);
    if (e && !isBundleDType(e.dtype)) {
      throw new ValueError(
        `readBundle: ${this.index.fileName}: tensor '${name}' is ${e.dtype}; ` +
          'values are read for float32, float64, int32, int64 and bool only',
      );
    }
    const bytes = this.rawBytes(name);
    const entry = e as BundleEntry & { dtype: BundleDType };
    const values = arrayFromBytes(entry.dtype, bytes);
    if (entry.dtype === 'bool' && (values as Uint8Array).some((b) => b > 1)) {
      throw new ValueError(
        `readBundle: ${this.shardNames[entry.shardId]}: bool tensor '${name}' holds a byte other than 0 or 1`,
      );
    }
    return { dtype: entry.dtype, shape: [...entry.shape], values };
  }

  /** Every tensor (or those named), all checked before any is returned. */
  readAll(names: readonly string[] = this.names): Map<string, BundleTensor> {
    return new Map(names.map((n) => [n, this.read(n)]));
  }
}

/** Reads a whole bundle from its bytes: the index and its shards in order. */
export function readBundle(
  files: { index: Bytes; data: readonly Bytes[] },
  prefix = 'model.ckpt',
): Map<string, BundleTensor> {
  const index = BundleIndex.parse(files.index, `${prefix}.index`);
  return new BundleReader(index, files.data).readAll();
}
