/**
 * A bundle tensor's bytes are its elements, row-major, little-endian; bool is one byte each.
 * These are the dtypes tapeflow reads and writes as values (others are listed, not decoded).
 */
export type BundleDType = 'float32' | 'float64' | 'int32' | 'int64' | 'bool';
export type BundleArray = Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array;

export const ARRAYS = {
  float32: Float32Array,
  float64: Float64Array,
  int32: Int32Array,
  int64: BigInt64Array,
  bool: Uint8Array,
} as const;

export const isBundleDType = (d: string): d is BundleDType => Object.hasOwn(ARRAYS, d);

/** The element type of a typed array given as a value. */
export function dtypeOfArray(a: unknown): BundleDType | undefined {
  return a instanceof Float32Array
    ? 'float32'
    : a instanceof Float64Array
      ? 'float64'
      : a instanceof Int32Array
        ? 'int32'
        : a instanceof BigInt64Array
          ? 'int64'
          : a instanceof Uint8Array
            ? 'bool'
            : undefined;
}

const littleEndianHost = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** A fresh, aligned array of `dtype` holding a copy of `bytes`. */
export function arrayFromBytes(dtype: BundleDType, bytes: Uint8Array): BundleArray {
  if (!littleEndianHost) throw new Error('tensor bundles are little-endian; this host is big-endian');
  return new ARRAYS[dtype](new Uint8Array(bytes).buffer); // copying also aligns
}

/** The bytes of an array (a view, no copy). */
export function bytesOfArray(a: BundleArray): Uint8Array {
  if (!littleEndianHost) throw new Error('tensor bundles are little-endian; this host is big-endian');
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}
