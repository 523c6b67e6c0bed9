import type { DType, TypedArray } from './dtypes.js';
import type { Backend, DataId } from './kernels.js';
import { sizeOf, fmt, shapesEqual } from './shape.js';
import { ValueError } from './errors.js';

/** What a Tensor needs from the engine; set by engine.ts (avoids an import cycle). */
export interface TensorHost {
  readSync(t: Tensor): TypedArray;
  read(t: Tensor): Promise<TypedArray>;
  disposeTensor(t: Tensor): void;
  assign(v: Variable, value: Tensor): void;
}
let host: TensorHost;
export function setTensorHost(h: TensorHost): void {
  host = h;
}

let nextId = 0;

/** The id the next Tensor will get: ids only increase, so `t.id >= nextTensorId()` means t is newer. */
export const nextTensorId = (): number => nextId;

export type NestedArray = number | boolean | NestedArray[];

/** An immutable n-dimensional array stored by a backend. */
export class Tensor {
  readonly id = nextId++;
  readonly shape: number[];
  readonly dtype: DType;
  readonly size: number;
  /** @internal storage handle, owned by `backend`. */
  dataId: DataId;
  /** @internal */ backend: Backend;
  /** @internal number of tapes holding this tensor for a backward pass. */
  holds = 0;
  /** @internal disposal asked for while a tape held it; done when the tape lets go. */
  pendingDispose = false;
  /** @internal storage released. */
  freed = false;
  /** @internal exempt from tidy. */
  kept = false;

  constructor(dataId: DataId, shape: readonly number[], dtype: DType, backend: Backend) {
    this.dataId = dataId;
    this.shape = [...shape];
    this.dtype = dtype;
    this.size = sizeOf(shape);
    this.backend = backend;
  }

  get rank(): number {
    return this.shape.length;
  }
  get isDisposed(): boolean {
    return this.freed || this.pendingDispose;
  }

  /** A fresh row-major copy of the values. */
  dataSync(): TypedArray {
    return host.readSync(this);
  }
  data(): Promise<TypedArray> {
    return host.read(this);
  }
  arraySync(): NestedArray {
    const vals = this.dataSync();
    const at = (i: number): number | boolean => (this.dtype === 'bool' ? vals[i] !== 0 : vals[i]);
    if (this.rank === 0) return at(0);
    const build = (dim: number, offset: number): NestedArray[] => {
      const n = this.shape[dim];
      const stride = sizeOf(this.shape.slice(dim + 1));
      return Array.from({ length: n }, (_, i) =>
        dim === this.rank - 1 ? at(offset + i) : build(dim + 1, offset + i * stride),
      );
    };
    return build(0, 0);
  }
  async array(): Promise<NestedArray> {
    await this.data();
    return this.arraySync();
  }
  dispose(): void {
    host.disposeTensor(this);
  }
  toString(): string {
    return `Tensor(${this.dtype} ${fmt(this.shape)}${this.isDisposed ? ', disposed' : ''})`;
  }
}

/** A Tensor whose value can be replaced (a trainable weight). Not tracked by `tidy`. */
export class Variable extends Tensor {
  readonly name: string;
  trainable: boolean;
  constructor(
    dataId: DataId,
    shape: readonly number[],
    dtype: DType,
    backend: Backend,
    name: string,
    trainable: boolean,
  ) {
    super(dataId, shape, dtype, backend);
    this.name = name;
    this.trainable = trainable;
  }
  /** Replaces the value; the new value must have the same shape and dtype. */
  assign(value: Tensor): void {
    if (!(value instanceof Tensor)) throw new TypeError(`assign: value for variable '${this.name}' must be a Tensor`);
    if (!shapesEqual(value.shape, this.shape) || value.dtype !== this.dtype) {
      throw new ValueError(
        `assign: variable '${this.name}' has ${this.dtype} ${fmt(this.shape)}, ` +
          `value has ${value.dtype} ${fmt(value.shape)}`,
      );
    }
    host.assign(this, value);
  }
  override toString(): string {
    return `Variable('${this.name}', ${this.dtype} ${fmt(this.shape)})`;
  }
}
