/** Elementwise binary ops and where. Every input gradient is summed back over its broadcast axes. */
import {
  cast,
  div,
  greater,
  greaterEqual,
  less,
  lessEqual,
  log,
  mul,
  neg,
  pow,
  sub,
  tidy,
  where,
} from '@tapeflow/core';
import type { BinaryKernelName } from '@tapeflow/core';
import type { GradTable } from './types.js';
import { unbroadcast } from './util.js';

type Binary = BinaryKernelName | 'Where';

const none = { grad: () => [null, null] as [null, null] };

export const binaryGrads: Pick<GradTable, Binary> = {
  Add: { grad: (dy, { inputs: [a, b] }) => [() => unbroadcast(dy, a.shape), () => unbroadcast(dy, b.shape)] },
  Sub: { grad: (dy, { inputs: [a, b] }) => [() => unbroadcast(dy, a.shape), () => unbroadcast(neg(dy), b.shape)] },
  Mul: {
    saveInputs: true,
    grad: (dy, { inputs: [a, b] }) =>
      a === b
        ? // square(x) is mul(x, x): one gradient, dy·(2x) as TF's _SquareGrad, instead of dy·x twice and
          // their sum (three tensors of x's size at once). Bit for bit the same: doubling is exact short of overflow.
          [() => tidy(() => mul(dy, mul(a, 2))), null]
        : [() => unbroadcast(mul(dy, b), a.shape), () => unbroadcast(mul(dy, a), b.shape)],
  },
  Div: {
    saveInputs: true,
    grad: (dy, { inputs: [a, b] }) => [
      () => unbroadcast(div(dy, b), a.shape),
      // (-a / b) / b, as TF: a / b² underflows to a / 0 for tiny b where the quotients do not.
      () => unbroadcast(mul(dy, div(div(neg(a), b), b)), b.shape),
    ],
  },
  // d(a^b)/da = b a^(b-1); d(a^b)/db = a^b log a with log a taken as 0 where a <= 0 (TF's
  // _PowGrad): a^b * 0 still gives NaN where a^b is NaN or infinite (a < 0 with a fractional b,
  // 0 to a negative power), as in TF. log reads safe values so a second derivative is not
  // poisoned by log(0) = -inf.
  Pow: {
    saveInputs: true,
    saveOutputs: true,
    grad: (dy, { inputs: [a, b], output: y }) => [
      () => unbroadcast(mul(dy, mul(b, pow(a, sub(b, 1)))), a.shape),
      () => {
        const positive = greater(a, 0);
        return unbroadcast(mul(dy, mul(y, where(positive, log(where(positive, a, 1)), 0))), b.shape);
      },
    ],
  },
  // Ties send the whole gradient to a (TensorFlow's choice), so it is never counted twice.
  Maximum: {
    saveInputs: true,
    grad: (dy, { inputs: [a, b] }) => [
      () => unbroadcast(mul(dy, cast(greaterEqual(a, b), dy.dtype)), a.shape),
      () => unbroadcast(mul(dy, cast(less(a, b), dy.dtype)), b.shape),
    ],
  },
  Minimum: {
    saveInputs: true,
    grad: (dy, { inputs: [a, b] }) => [
      () => unbroadcast(mul(dy, cast(lessEqual(a, b), dy.dtype)), a.shape),
      () => unbroadcast(mul(dy, cast(greater(a, b), dy.dtype)), b.shape),
    ],
  },
  // Comparisons and logic are piecewise constant: no gradient.
  Greater: none,
  GreaterEqual: none,
  Less: none,
  LessEqual: none,
  Equal: none,
  LogicalAnd: none,
  Where: {
    saveInputs: true,
    grad: (dy, { inputs: [cond, a, b] }) => [
      null,
      () => unbroadcast(where(cond, dy, 0), a.shape),
      () => unbroadcast(where(cond, 0, dy), b.shape),
    ],
  },
};
