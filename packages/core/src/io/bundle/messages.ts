/**
 * The bundle's messages (tensorflow/core/protobuf/tensor_bundle.proto, tensor_shape.proto):
 *
 *   BundleHeaderProto { int32 num_shards = 1; Endianness endianness = 2 (LITTLE = 0, BIG = 1);
 *                       VersionDef version = 3 { int32 producer = 1; int32 min_consumer = 2; } }
 *   BundleEntryProto  { DataType dtype = 1; TensorShapeProto shape = 2; int32 shard_id = 3;
 *                       int64 offset = 4; int64 size = 5; fixed32 crc32c = 6;
 *                       repeated TensorSliceProto slices = 7; }
 *   TensorShapeProto  { repeated Dim dim = 2 { int64 size = 1; string name = 2; }; bool unknown_rank = 3; }
 *
 * The header sits under the empty key, which sorts first.
 */
import { FormatError } from './bytes.js';
import { Wire, expectWire, fields, MessageWriter } from './protobuf.js';

/** TensorFlow's DataType enum (types.proto) for the dtypes a bundle may hold. */
export const TF_DTYPES = {
  1: 'float32',
  2: 'float64',
  3: 'int32',
  4: 'uint8',
  5: 'int16',
  6: 'int8',
  7: 'string',
  8: 'complex64',
  9: 'int64',
  10: 'bool',
  14: 'bfloat16',
  17: 'uint16',
  18: 'complex128',
  19: 'float16',
  20: 'resource',
  21: 'variant',
  22: 'uint32',
  23: 'uint64',
} as const;
export type TFDTypeName = (typeof TF_DTYPES)[keyof typeof TF_DTYPES];
const ENUM_OF = Object.fromEntries(Object.entries(TF_DTYPES).map(([k, v]) => [v, Number(k)])) as Record<
  TFDTypeName,
  number
>;
export const dtypeEnum = (d: TFDTypeName): number => ENUM_OF[d];

/** What the bundle format version this reader understands (tensor_bundle.h: kTensorBundleVersion). */
export const BUNDLE_VERSION = 1;

export interface BundleHeader {
  numShards: number;
  endianness: 'little' | 'big';
  producer: number;
  minConsumer: number;
}

export interface BundleEntry {
  /** TF's name for the dtype ('float32', 'int64', ...); `dtype: <n>` when the enum value is unknown. */
  dtype: TFDTypeName | `dtype ${number}`;
  shape: number[];
  shardId: number;
  offset: number;
  size: number;
  /** The masked CRC-32C of the tensor's bytes, as stored. */
  crc32c: number;
  /** Number of TensorSliceProtos: > 0 for a partitioned variable, whose data lives under other keys. */
  slices: number;
}

export function decodeHeader(bytes: Uint8Array): BundleHeader {
  const h: BundleHeader = { numShards: 0, endianness: 'little', producer: 0, minConsumer: 0 };
  for (const f of fields(bytes, 'header')) {
    if (f.field === 1) {
      expectWire(f, Wire.Varint, 'header');
      h.numShards = f.num;
    } else if (f.field === 2) {
      expectWire(f, Wire.Varint, 'header');
      h.endianness = f.num === 0 ? 'little' : 'big';
    } else if (f.field === 3) {
      expectWire(f, Wire.Bytes, 'header');
      for (const v of fields(f.bytes, 'header version')) {
        if (v.field === 1) h.producer = v.num;
        else if (v.field === 2) h.minConsumer = v.num;
      }
    }
  }
  return h;
}

export function encodeHeader(numShards: number): Uint8Array {
  const version = new MessageWriter().varint(1, BUNDLE_VERSION).finish();
  return new MessageWriter().varint(1, numShards).varint(2, 0).bytes(3, version).finish();
}

function decodeShape(bytes: Uint8Array): number[] {
  const dims: number[] = [];
  for (const f of fields(bytes, 'shape')) {
    if (f.field === 2) {
      expectWire(f, Wire.Bytes, 'shape');
      let size = 0;
      for (const d of fields(f.bytes, 'shape dim'))
        if (d.field === 1) {
          expectWire(d, Wire.Varint, 'shape dim');
          size = d.num;
        }
      dims.push(size);
    } else if (f.field === 3 && f.num !== 0) throw new FormatError('shape has unknown rank');
  }
  return dims;
}

export function decodeEntry(bytes: Uint8Array): BundleEntry {
  const e: BundleEntry = { dtype: 'dtype 0', shape: [], shardId: 0, offset: 0, size: 0, crc32c: 0, slices: 0 };
  let dtype = 0;
  for (const f of fields(bytes, 'entry')) {
    switch (f.field) {
      case 1:
        expectWire(f, Wire.Varint, 'entry');
        dtype = f.num;
        break;
      case 2:
        expectWire(f, Wire.Bytes, 'entry');
        e.shape = decodeShape(f.bytes);
        break;
      case 3:
        expectWire(f, Wire.Varint, 'entry');
        e.shardId = f.num;
        break;
      case 4:
        expectWire(f, Wire.Varint, 'entry');
        e.offset = f.num;
        break;
      case 5:
        expectWire(f, Wire.Varint, 'entry');
        e.size = f.num;
        break;
      case 6:
        expectWire(f, Wire.Fixed32, 'entry');
        e.crc32c = f.num;
        break;
      case 7:
        expectWire(f, Wire.Bytes, 'entry');
        e.slices++;
        break;
      default:
        break;
    }
  }
  e.dtype = (TF_DTYPES as Record<number, TFDTypeName>)[dtype] ?? `dtype ${dtype}`;
  return e;
}

export function encodeEntry(e: Omit<BundleEntry, 'slices' | 'dtype'> & { dtype: TFDTypeName }): Uint8Array {
  const shape = new MessageWriter();
  for (const d of e.shape) shape.bytes(2, new MessageWriter().varint(1, d).finish());
  return new MessageWriter()
    .varint(1, dtypeEnum(e.dtype))
    .bytes(2, shape.finish())
    .varint(3, e.shardId)
    .varint(4, e.offset)
    .varint(5, e.size)
    .fixed32(6, e.crc32c)
    .finish();
}
