/** Elementwise unary ops. Rules that save the output (exp, sqrt, tanh, sigmoid) differentiate again through it. */
import { cast, div, greater, isFloat, less, mul, neg, square, sub } from '@tapeflow/core';
import type { GradTable } from './types.js';

type Unary = 'Neg' | 'Abs' | 'Exp' | 'Log' | 'Sqrt' | 'Tanh' | 'Sigmoid' | 'Relu' | 'LogicalNot' | 'Cast';

export const unaryGrads: Pick<GradTable, Unary> = {
  Neg: { grad: (dy) => [() => neg(dy)] },
  // d|x| = sign(x); 0 at 0, as in TensorFlow.
  Abs: {
    saveInputs: true,
    grad: (dy, { inputs: [x] }) => [() => mul(dy, sub(cast(greater(x, 0), dy.dtype), cast(less(x, 0), dy.dtype)))],
  },
  Exp: { saveOutputs: true, grad: (dy, { output: y }) => [() => mul(dy, y)] },
  Log: { saveInputs: true, grad: (dy, { inputs: [x] }) => [() => div(dy, x)] },
  Sqrt: { saveOutputs: true, grad: (dy, { output: y }) => [() => div(dy, mul(y, 2))] },
  Tanh: { saveOutputs: true, grad: (dy, { output: y }) => [() => mul(dy, sub(1, square(y)))] },
  Sigmoid: { saveOutputs: true, grad: (dy, { output: y }) => [() => mul(dy, mul(y, sub(1, y)))] },
  Relu: { saveInputs: true, grad: (dy, { inputs: [x] }) => [() => mul(dy, cast(greater(x, 0), dy.dtype))] },
  LogicalNot: { grad: () => [null] },
  // Only a float-to-float cast carries a gradient (back in the input's precision).
  Cast: {
    grad: (dy, { inputs: [x] }) => [isFloat(x.dtype) && isFloat(dy.dtype) ? () => cast(dy, x.dtype) : null],
  },
};
