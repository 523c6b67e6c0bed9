/**
 * Just enough of the protocol-buffer wire format for the bundle's three small messages:
 * fields are (tag = field << 3 | wire type) followed by a varint, a fixed32/64 or a
 * length-delimited payload; unknown fields are skipped, as protobuf readers must.
 */
import { ByteReader, ByteWriter, FormatError } from './bytes.js';

export const enum Wire {
  Varint = 0,
  Fixed64 = 1,
  Bytes = 2,
  Fixed32 = 5,
}

export interface Field {
  field: number;
  wire: Wire;
  num: number;
  bytes: Uint8Array;
}

/** The fields of one message, in order. Varints and fixed32s land in `num`, payloads in `bytes`. */
export function* fields(bytes: Uint8Array, what: string): Generator<Field> {
  const r = new ByteReader(bytes);
  while (!r.done) {
    const tag = r.varint(`${what}: field tag`);
    const field = Math.floor(tag / 8);
    // Any of 0..7; the comparisons below accept the four kinds these messages use.
    const wire = (tag % 8) as Wire;
    if (field === 0) throw new FormatError(`${what}: field number 0`);
    const name = `${what}: field ${field}`;
    if (wire === Wire.Varint) yield { field, wire, num: r.varint(name), bytes: EMPTY };
    else if (wire === Wire.Fixed32) yield { field, wire, num: r.fixed32(name), bytes: EMPTY };
    else if (wire === Wire.Fixed64) yield { field, wire, num: NaN, bytes: r.take(8, name) };
    else if (wire === Wire.Bytes) yield { field, wire, num: NaN, bytes: r.take(r.varint(`${name} length`), name) };
    else throw new FormatError(`${what}: field ${field} has wire type ${tag % 8}, which these messages never use`);
  }
}
const EMPTY = new Uint8Array(0);

/** Checks that a field arrived with the wire type its schema gives it. */
export function expectWire(f: Field, wire: Wire, what: string): void {
  if (f.wire !== wire) throw new FormatError(`${what}: field ${f.field} has wire type ${f.wire}, expected ${wire}`);
}

export class MessageWriter {
  readonly w = new ByteWriter();
  varint(field: number, v: number): this {
    if (v !== 0) this.w.varint(field * 8 + Wire.Varint).varint(v); // proto3 omits zeros
    return this;
  }
  fixed32(field: number, v: number): this {
    if (v !== 0) this.w.varint(field * 8 + Wire.Fixed32).fixed32(v);
    return this;
  }
  /** A nested message or bytes, always written (a present empty message is not the same as absent). */
  bytes(field: number, b: Uint8Array): this {
    this.w
      .varint(field * 8 + Wire.Bytes)
      .varint(b.length)
      .bytes(b);
    return this;
  }
  finish(): Uint8Array {
    return this.w.finish();
  }
}
