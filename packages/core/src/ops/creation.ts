import { inferDType, isDType, isFloat, makeArray, toTypedArray, type DType, type TypedArray } from '../dtypes.js';
import { ENGINE } from '../engine.js';
import { ValueError } from '../errors.js';
import { assertValidShape, fmt, sizeOf } from '../shape.js';
import { Tensor, type NestedArray } from '../tensor.js';

export type TensorLike = Tensor | number | NestedArray | TypedArray;

function checkDType(dtype: unknown, op: string): asserts dtype is DType {
  if (!isDType(dtype))
    throw new TypeError(`${op}: unknown dtype ${JSON.stringify(dtype)}; expected float32, int32, bool or float64`);
}

/** Shape of a nested JS array; ValueError when it is ragged. */
function inferShape(values: unknown, op: string): number[] {
  const shape: number[] = [];
  let v = values;
  while (Array.isArray(v) || ArrayBuffer.isView(v)) {
    shape.push((v as ArrayLike<unknown>).length);
    v = (v as ArrayLike<unknown>)[0];
  }
  const check = (x: unknown, d: number): void => {
    if (d === shape.length) {
      if (Array.isArray(x)) throw new ValueError(`${op}: ragged nested array: expected shape ${fmt(shape)}`);
      return;
    }
    if (!(Array.isArray(x) || ArrayBuffer.isView(x)) || (x as ArrayLike<unknown>).length !== shape[d]) {
      throw new ValueError(`${op}: ragged nested array: expected shape ${fmt(shape)}`);
    }
    for (let i = 0; i < shape[d]; i++) check((x as ArrayLike<unknown>)[i], d + 1);
  };
  if (shape.length > 1) check(values, 0);
  return shape;
}

function flatten(values: unknown, out: (number | boolean)[]): void {
  if (Array.isArray(values)) for (const v of values) flatten(v, out);
  else if (ArrayBuffer.isView(values)) {
    const a = values as unknown as ArrayLike<number>;
    for (let i = 0; i < a.length; i++) out.push(a[i]);
  } else out.push(values as number | boolean);
}

function firstLeaf(values: unknown): unknown {
  let v = values;
  while (Array.isArray(v)) v = v[0];
  return v;
}

/** A tensor from (nested) numbers, booleans or a typed array. The values are copied. */
export function tensor(values: TensorLike, shape?: readonly number[], dtype?: DType): Tensor {
  if (values instanceof Tensor) throw new TypeError('tensor: values is already a Tensor; use it directly or clone it');
  if (dtype !== undefined) checkDType(dtype, 'tensor');
  const dt = dtype ?? (ArrayBuffer.isView(values) ? inferDType(values) : inferDType(firstLeaf(values)));
  let flat: ArrayLike<number | boolean>;
  if (ArrayBuffer.isView(values)) flat = values;
  else {
    const acc: (number | boolean)[] = [];
    flatten(values, acc);
    flat = acc;
  }
  for (let i = 0; i < flat.length; i++) {
    const v = flat[i];
    if (typeof v !== 'number' && typeof v !== 'boolean') {
      throw new TypeError(`tensor: values must be numbers or booleans, found ${v === null ? 'null' : typeof v}`);
    }
  }
  const inferred = ArrayBuffer.isView(values) ? [flat.length] : inferShape(values, 'tensor');
  let s: number[];
  if (shape !== undefined) {
    assertValidShape(shape, 'tensor');
    s = [...shape];
    if (sizeOf(s) !== flat.length) {
      if (flat.length === 1 && typeof firstLeaf(values) !== 'object') return fill(s, flat[0], dt);
      throw new ValueError(`tensor: ${flat.length} values do not fill shape ${fmt(s)} (size ${sizeOf(s)})`);
    }
  } else s = inferred;
  return ENGINE.write(toTypedArray(flat, dt), s, dt);
}

export function scalar(value: number | boolean, dtype?: DType): Tensor {
  if (typeof value !== 'number' && typeof value !== 'boolean')
    throw new TypeError(`scalar: value must be a number or boolean, got ${typeof value}`);
  return tensor(value, [], dtype);
}

export function fill(shape: readonly number[], value: number | boolean, dtype?: DType): Tensor {
  assertValidShape(shape, 'fill');
  const dt = dtype ?? (typeof value === 'boolean' ? 'bool' : 'float32');
  checkDType(dt, 'fill');
  const arr = makeArray(dt, sizeOf(shape));
  arr.fill(dt === 'bool' ? (value ? 1 : 0) : Number(value));
  return ENGINE.write(arr, shape, dt);
}

export const zeros = (shape: readonly number[], dtype: DType = 'float32'): Tensor => fill(shape, 0, dtype);
export const ones = (shape: readonly number[], dtype: DType = 'float32'): Tensor => fill(shape, 1, dtype);
export function zerosLike(x: Tensor): Tensor {
  ENGINE.assertUsable(x, 'zerosLike', 'x');
  return zeros(x.shape, x.dtype);
}
export function onesLike(x: Tensor): Tensor {
  ENGINE.assertUsable(x, 'onesLike', 'x');
  return ones(x.shape, x.dtype);
}

/**
 * [start, start+step, ...) below stop, like NumPy's arange and TF's range(start, limit, delta):
 * int32 when every argument is an integer (tf.range(5) is int32), float32 otherwise.
 */
export function range(start: number, stop?: number, step = 1, dtype?: DType): Tensor {
  if (stop === undefined) {
    stop = start;
    start = 0;
  }
  for (const [arg, v] of [
    ['start', start],
    ['limit', stop],
    ['delta', step],
  ] as const) {
    if (typeof v !== 'number' || Number.isNaN(v))
      throw new TypeError(`range: ${arg} must be a number, got ${String(v)}`);
  }
  if (step === 0) throw new ValueError('range: step (delta) must not be 0');
  if (dtype === undefined) dtype = [start, stop, step].every(Number.isInteger) ? 'int32' : 'float32';
  else checkDType(dtype, 'range');
  const n = Math.max(0, Math.ceil((stop - start) / step));
  const arr = makeArray(dtype, n);
  for (let i = 0; i < n; i++) arr[i] = start + i * step;
  return ENGINE.write(arr, [n], dtype);
}

/**
 * Turns an op argument into a Tensor: Tensors pass through (checked not disposed), JS values
 * become tensors of `dtypeHint` (the other operand's dtype), so `mul(x, 2)` just works.
 */
export function toTensor(x: TensorLike, op: string, arg: string, dtypeHint?: DType): Tensor {
  if (x instanceof Tensor) {
    ENGINE.assertUsable(x, op, arg);
    return x;
  }
  if (typeof x === 'number' || typeof x === 'boolean' || Array.isArray(x) || ArrayBuffer.isView(x)) {
    const dt =
      typeof x === 'boolean'
        ? 'bool'
        : dtypeHint && !(dtypeHint === 'bool' && typeof x === 'number')
          ? dtypeHint
          : undefined;
    return tensor(x, undefined, dt);
  }
  throw new TypeError(
    `${op}: argument '${arg}' must be a Tensor, number or array, got ${x === null ? 'null' : typeof x}`,
  );
}

export function assertFloat(x: Tensor, op: string, arg = 'x'): void {
  if (!isFloat(x.dtype))
    throw new TypeError(`${op}: argument '${arg}' must be float32 or float64, got ${x.dtype} ${fmt(x.shape)}`);
}

export function assertNumeric(x: Tensor, op: string, arg = 'x'): void {
  if (x.dtype === 'bool') throw new TypeError(`${op}: argument '${arg}' must be numeric, got bool ${fmt(x.shape)}`);
}
