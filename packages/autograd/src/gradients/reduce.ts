/** Reductions: the gradient spreads dy back over the reduced axes. */
import { broadcastTo, cast, div, equal, mul, reshape, sum } from '@tapeflow/core';
import type { GradTable, GradRule } from './types.js';
import { keepDimsShape } from './util.js';

/**
 * max/min: the gradient goes to the elements equal to the extremum, split evenly between ties
 * (TensorFlow's rule), so the total flowing back is exactly dy.
 */
const extremum: GradRule<'Max' | 'Min'> = {
  saveInputs: true,
  saveOutputs: true,
  grad: (dy, { inputs: [x], output: y, attrs: { axes } }) => [() => {
    const kept = keepDimsShape(x.shape, axes);
    const hit = cast(equal(x, reshape(y, kept)), dy.dtype);
    return mul(div(hit, sum(hit, axes, true)), reshape(dy, kept));
  }],
};

export const reduceGrads: Pick<GradTable, 'Sum' | 'Max' | 'Min'> = {
  Sum: { grad: (dy, { inputs: [x], attrs: { axes } }) => [() => broadcastTo(reshape(dy, keepDimsShape(x.shape, axes)), x.shape)] },
  Max: extremum,
  Min: extremum,
};
