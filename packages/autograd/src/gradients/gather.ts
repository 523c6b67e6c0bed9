/** Gather and UnsortedSegmentSum: each one's gradient is the other. */
import { gather, greaterEqual, less, logicalAnd, reshape, transpose, unsortedSegmentSum, where } from '@tapeflow/core';
import type { GradTable } from './types.js';

/** perm that moves `axis` to the front, and its inverse. */
function toFront(rank: number, axis: number): [number[], number[]] {
  const perm = [axis, ...[...Array(rank).keys()].filter((i) => i !== axis)];
  const inverse = perm.map((_, i) => perm.indexOf(i));
  return [perm, inverse];
}

export const gatherGrads: Pick<GradTable, 'Gather' | 'UnsortedSegmentSum'> = {
  // Gather reads row indices[k] into row k; backward adds row k of dy into row indices[k]
  // (repeated indices add up). unsortedSegmentSum works on axis 0, so move `axis` there.
  Gather: {
    saveInputs: true,
    grad: (dy, { inputs: [x, indices], attrs: { axis } }) => [
      () => {
        const [perm, inverse] = toFront(x.rank, axis);
        const summed = unsortedSegmentSum(axis === 0 ? dy : transpose(dy, perm), indices, x.shape[axis]);
        return axis === 0 ? summed : transpose(summed, inverse);
      },
      null,
    ],
  },
  // The reverse of a segment sum is a gather; rows whose id is out of range were dropped, so they get 0.
  UnsortedSegmentSum: {
    saveInputs: true,
    grad: (dy, { inputs: [x, ids], attrs: { numSegments } }) => [
      () => {
        const valid = logicalAnd(greaterEqual(ids, 0), less(ids, numSegments));
        const rows = gather(dy, where(valid, ids, 0), 0);
        return where(reshape(valid, [ids.size, ...x.shape.slice(1).map(() => 1)]), rows, 0);
      },
      null,
    ],
  },
};
