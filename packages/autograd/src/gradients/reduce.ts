/** Reductions: the gradient spreads dy back over the reduced axes. */
import {
  broadcastTo,
  cast,
  div,
  equal,
  expandDims,
  logicalAnd,
  mul,
  prod,
  range,
  reshape,
  sum,
  transpose,
  where,
  zeros,
  type Tensor,
} from '@tapeflow/core';
import type { GradTable, GradRule } from './types.js';
import { keepDimsShape } from './util.js';

/**
 * max/min: the gradient goes to the elements equal to the extremum, split evenly between ties
 * (TensorFlow's rule), so the total flowing back is exactly dy.
 */
const extremum: GradRule<'Max' | 'Min'> = {
  saveInputs: true,
  saveOutputs: true,
  grad: (dy, { inputs: [x], output: y, attrs: { axes } }) => [
    () => {
      const kept = keepDimsShape(x.shape, axes);
      const hit = cast(equal(x, reshape(y, kept)), dy.dtype);
      return mul(div(hit, sum(hit, axes, true)), reshape(dy, kept));
    },
  ],
};

/**
 * prod: d/dx_i = the product of the other elements of x_i's row, computed as such (not y / x_i,
 * which is 0/0 where x_i = 0). The reduced axes are moved last and flattened to n.
 */
const prodGrad: GradRule<'Prod'> = {
  saveInputs: true,
  grad: (dy, { inputs: [x], attrs: { axes } }) => [
    () => {
      const kept = x.shape.map((_, i) => i).filter((i) => !axes.includes(i));
      const perm = [...kept, ...axes];
      const n = axes.reduce((p, a) => p * x.shape[a], 1);
      if (n === 0) return zeros(x.shape, x.dtype);
      const rows = x.size / n;
      const flat = reshape(transpose(x, perm), [rows, n]);
      const others = rows * n * n <= PROD_GRAD_SQUARE_LIMIT ? othersBySquare(flat, n) : othersByZeroCount(flat);
      const g = mul(others, reshape(dy, [rows, 1]));
      return transpose(
        reshape(
          g,
          perm.map((p) => x.shape[p]),
        ),
        perm.map((_, i) => perm.indexOf(i)),
      );
    },
  ],
};

/** Up to this many elements (16 MB of float32) the exact n x n form is used. */
const PROD_GRAD_SQUARE_LIMIT = 1 << 22;

/**
 * Each row as an n x n matrix with 1 on the diagonal: its rows' products are the "others"
 * products. Written with prod itself, so it differentiates again, to any order, zeros included.
 */
function othersBySquare(flat: Tensor, n: number): Tensor {
  const ids = range(0, n, 1, 'int32');
  return prod(where(equal(reshape(ids, [n, 1]), ids), 1, expandDims(flat, 1)), 2);
}

/**
 * For long rows, O(n): with no zero in the row, y / x_i; with one, the product of the non-zeros
 * at the zero and 0 elsewhere; with more, 0. Exact first order; a second derivative through a
 * row holding exactly one zero misses the terms through that zero (the 0s there are constants).
 */
function othersByZeroCount(flat: Tensor): Tensor {
  const isZero = equal(flat, 0);
  const zerosInRow = sum(cast(isZero, 'int32'), 1, true);
  const safe = where(isZero, 1, flat);
  const nonZeroProd = prod(safe, 1, true);
  const oneZero = where(logicalAnd(isZero, equal(zerosInRow, 1)), nonZeroProd, 0);
  return where(equal(zerosInRow, 0), div(nonZeroProd, safe), oneZero);
}

const none = { grad: () => [null] as [null] };

export const reduceGrads: Pick<GradTable, 'Sum' | 'Max' | 'Min' | 'Prod' | 'Any' | 'All'> = {
  Sum: {
    grad: (dy, { inputs: [x], attrs: { axes } }) => [
      () => broadcastTo(reshape(dy, keepDimsShape(x.shape, axes)), x.shape),
    ],
  },
  Max: extremum,
  Min: extremum,
  Prod: prodGrad,
  Any: none,
  All: none,
};
