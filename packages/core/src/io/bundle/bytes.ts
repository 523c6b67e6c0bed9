/**
 * The byte-level pieces both file formats are built of: LevelDB varints and fixed-width
 * little-endian integers, read with bounds checks that report where the data ended, and a
 * growable byte sink for writing.
 */

/** Thrown for malformed bytes; the table and bundle readers add the file and entry to the message. */
export class FormatError extends Error {}

export class ByteReader {
  pos: number;
  constructor(
    readonly bytes: Uint8Array,
    start = 0,
    readonly end = bytes.length,
  ) {
    this.pos = start;
  }

  get done(): boolean {
    return this.pos >= this.end;
  }

  need(n: number, what: string): void {
    if (n < 0 || this.pos + n > this.end) {
      throw new FormatError(
        `${what} at byte ${this.pos} needs ${n} bytes, only ${Math.max(0, this.end - this.pos)} left`,
      );
    }
  }

  /** An unsigned varint up to 2^53 - 1 (bigger values cannot be a size, offset or dimension here). */
  varint(what: string): number {
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      this.need(1, what);
      const b = this.bytes[this.pos++];
      value += (b & 0x7f) * scale;
      if (b < 0x80) {
        // No writer pads a varint with a zero last byte; refusing it keeps every byte of a footer meaningful.
        if (b === 0 && i > 0) throw new FormatError(`${what} is an overlong varint`);
        if (!Number.isSafeInteger(value)) throw new FormatError(`${what} is a varint too large (${value})`);
        return value;
      }
      scale *= 128;
    }
    throw new FormatError(`${what} is a varint longer than 10 bytes`);
  }

  fixed32(what: string): number {
    this.need(4, what);
    const b = this.bytes,
      p = this.pos;
    this.pos += 4;
    return (b[p] | (b[p + 1] << 8) | (b[p + 2] << 16) | (b[p + 3] << 24)) >>> 0;
  }

  fixed64(what: string): bigint {
    const lo = this.fixed32(what);
    const hi = this.fixed32(what);
    return (BigInt(hi) << 32n) | BigInt(lo);
  }

  take(n: number, what: string): Uint8Array {
    this.need(n, what);
    const out = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
}

export class ByteWriter {
  private buf = new Uint8Array(256);
  length = 0;

  private grow(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.length + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
  }

  byte(b: number): this {
    this.grow(1);
    this.buf[this.length++] = b;
    return this;
  }

  varint(value: number): this {
    if (!Number.isSafeInteger(value) || value < 0)
      throw new RangeError(`varint: ${value} is not a non-negative safe integer`);
    while (value >= 0x80) {
      this.byte((value % 128) | 0x80);
      value = Math.floor(value / 128);
    }
    return this.byte(value);
  }

  fixed32(value: number): this {
    this.grow(4);
    for (let i = 0; i < 4; i++) this.buf[this.length++] = (value >>> (8 * i)) & 0xff;
    return this;
  }

  fixed64(value: bigint): this {
    return this.fixed32(Number(value & 0xffffffffn)).fixed32(Number(value >> 32n));
  }

  bytes(b: Uint8Array): this {
    this.grow(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
    return this;
  }

  /** The bytes written so far (a copy). */
  finish(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });
export const utf8 = (s: string): Uint8Array => encoder.encode(s);
export function fromUtf8(b: Uint8Array, what: string): string {
  try {
    return decoder.decode(b);
  } catch {
    throw new FormatError(`${what} is not valid UTF-8`);
  }
}

/** LevelDB's bytewise comparator. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}
