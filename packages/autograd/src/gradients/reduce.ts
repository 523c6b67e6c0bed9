/** Reductions: the gradient spreads dy back over the reduced axes. */
import { broadcastTo, cast, div, equal, mul, prod, range, reshape, sum, transpose, where, zeros } from '@tapeflow/core';
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

/**
 * prod: d/dx_i = the product of the other elements of x_i's row, computed as such (not y / x_i,
 * which is 0/0 where x_i = 0). The reduced axes are moved last and flattened to n; each row
 * becomes an n x n matrix with 1 on the diagonal, whose rows' products are those "others"
 * products. That costs n^2 per row (fine for the small n products are taken over) and is
 * written with prod itself, so it differentiates again.
 */
const prodGrad: GradRule<'Prod'> = {
  saveInputs: true,
  grad: (dy, { inputs: [x], attrs: { axes } }) => [() => {
    const kept = x.shape.map((_, i) => i).filter((i) => !axes.includes(i));
    const perm = [...kept, ...axes];
    const n = axes.reduce((p, a) => p * x.shape[a], 1);
    const rows = x.size / Math.max(n, 1);
    if (n === 0) return zeros(x.shape, x.dtype);
    const flat = reshape(transpose(x, perm), [rows, 1, n]);
    const ids = range(0, n, 1, 'int32');
    const diagonal = equal(reshape(ids, [n, 1]), ids);
    const others = prod(where(diagonal, 1, flat), 2);
    const g = mul(others, reshape(dy, [rows, 1]));
    return transpose(reshape(g, perm.map((p) => x.shape[p])), perm.map((_, i) => perm.indexOf(i)));
  }],
};

const none = { grad: () => [null] as [null] };

export const reduceGrads: Pick<GradTable, 'Sum' | 'Max' | 'Min' | 'Prod' | 'Any' | 'All'> = {
  Sum: { grad: (dy, { inputs: [x], attrs: { axes } }) => [() => broadcastTo(reshape(dy, keepDimsShape(x.shape, axes)), x.shape)] },
  Max: extremum,
  Min: extremum,
  Prod: prodGrad,
  Any: none,
  All: none,
};
