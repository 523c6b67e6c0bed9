/** Element types. `float64` is optional: a backend says whether it has it. */
export type DType = 'float32' | 'int32' | 'bool' | 'float64';
export type TypedArray = Float32Array | Float64Array | Int32Array | Uint8Array;

const ctor = {
  float32: Float32Array,
  float64: Float64Array,
  int32: Int32Array,
  bool: Uint8Array,
} as const;

export function isDType(x: unknown): x is DType {
  return typeof x === 'string' && x in ctor;
}

export function isFloat(dtype: DType): boolean {
  return dtype === 'float32' || dtype === 'float64';
}

export function bytesPerElement(dtype: DType): number {
  return ctor[dtype].BYTES_PER_ELEMENT;
}

export function makeArray(dtype: DType, size: number): TypedArray {
  return new ctor[dtype](size);
}

/** Copies `values` into a fresh array of `dtype` (so user arrays are never aliased). */
export function toTypedArray(values: ArrayLike<number | boolean>, dtype: DType): TypedArray {
  const out = makeArray(dtype, values.length);
  if (dtype === 'bool') for (let i = 0; i < values.length; i++) out[i] = values[i] ? 1 : 0;
  else if (dtype === 'int32') for (let i = 0; i < values.length; i++) out[i] = Math.trunc(Number(values[i]));
  else for (let i = 0; i < values.length; i++) out[i] = Number(values[i]);
  return out;
}

/** The dtype a JS value infers when none is given: booleans -> bool, everything else float32. */
export function inferDType(sample: unknown): DType {
  return typeof sample === 'boolean'
    ? 'bool'
    : sample instanceof Int32Array
      ? 'int32'
      : sample instanceof Uint8Array
        ? 'bool'
        : sample instanceof Float64Array
          ? 'float64'
          : 'float32';
}
