/**
 * TF1's LSTMStateTuple(c, h): the (cell state, hidden state) pair of an LSTM. nest treats it as a
 * structure with two fields in the order c, h, as TF orders the fields of a namedtuple.
 */
import type { DType, Tensor } from '@tapeflow/core';

export class LSTMStateTuple<T = Tensor> {
  constructor(
    readonly c: T,
    readonly h: T,
  ) {}

  /** `state[0]` is c and `state[1]` is h, as indexing the Python namedtuple gives. */
  get 0(): T {
    return this.c;
  }
  get 1(): T {
    return this.h;
  }
  /** A namedtuple of two fields. */
  get length(): 2 {
    return 2;
  }

  /** Iterates c then h, so `const [c, h] = state` works as tuple unpacking does in Python. */
  *[Symbol.iterator](): IterableIterator<T> {
    yield this.c;
    yield this.h;
  }

  /** The dtype of c and h (TF raises when they disagree). */
  get dtype(): DType {
    const c = this.c as unknown as Tensor,
      h = this.h as unknown as Tensor;
    if (c?.dtype !== h?.dtype)
      throw new TypeError(`LSTMStateTuple: inconsistent internal state: ${c?.dtype} vs ${h?.dtype}`);
    return c.dtype;
  }

  toString(): string {
    return `LSTMStateTuple(c=${String(this.c)}, h=${String(this.h)})`;
  }
}
