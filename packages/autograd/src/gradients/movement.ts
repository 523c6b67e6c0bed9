/** Movement ops: each gradient moves dy back to where the input's elements came from. */
import {
  gather, greaterEqual, less, logicalAnd, pad, reshape, reverse, reverseSequence, slice,
  transpose, unsortedSegmentSum, where,
} from '@tapeflow/core';
import type { GradTable } from './types.js';
import { unbroadcast } from './util.js';

type Movement = 'Reshape' | 'Transpose' | 'BroadcastTo' | 'Slice' | 'Pad' | 'Reverse' | 'Concat'
  | 'Gather' | 'UnsortedSegmentSum' | 'ReverseSequence';

/** perm that moves `axis` to the front, and its inverse. */
function toFront(rank: number, axis: number): [number[], number[]] {
  const perm = [axis, ...[...Array(rank).keys()].filter((i) => i !== axis)];
  const inverse = perm.map((_, i) => perm.indexOf(i));
  return [perm, inverse];
}

export const movementGrads: Pick<GradTable, Movement> = {
  Reshape: { grad: (dy, { inputs: [x] }) => [() => reshape(dy, x.shape)] },
  Transpose: {
    grad: (dy, { attrs: { perm } }) => [() => transpose(dy, perm.map((_, i) => perm.indexOf(i)))],
  },
  BroadcastTo: { grad: (dy, { inputs: [x] }) => [() => unbroadcast(dy, x.shape)] },
  // The slice came from a window of x: put dy back in it, zeros elsewhere. (The walk places
  // the windows of a tensor read slice by slice all at once: `window`.)
  Slice: {
    window: ({ begin, size }) => ({ begin, size }),
    grad: (dy, { inputs: [x], attrs: { begin, size } }) =>
      [() => pad(dy, begin.map((b, i): [number, number] => [b, x.shape[i] - b - size[i]]))],
  },
  Pad: {
    grad: (dy, { inputs: [x], attrs: { paddings } }) => [() => slice(dy, paddings.map((p) => p[0]), x.shape)],
  },
  Reverse: { grad: (dy, { attrs: { axes } }) => [() => reverse(dy, axes)] },
  Concat: {
    grad: (dy, { inputs, attrs: { axis } }) => {
      let start = 0;
      return inputs.map((x) => {
        const begin = x.shape.map((_, i) => (i === axis ? start : 0));
        start += x.shape[axis];
        return () => slice(dy, begin, x.shape);
      });
    },
  },
  // Gather reads row indices[k] into row k; backward adds row k of dy into row indices[k]
  // (repeated indices add up). unsortedSegmentSum works on axis 0, so move `axis` there.
  Gather: {
    saveInputs: true,
    grad: (dy, { inputs: [x, indices], attrs: { axis } }) => [() => {
      const [perm, inverse] = toFront(x.rank, axis);
      const summed = unsortedSegmentSum(axis === 0 ? dy : transpose(dy, perm), indices, x.shape[axis]);
      return axis === 0 ? summed : transpose(summed, inverse);
    }, null],
  },
  // The reverse of a segment sum is a gather; rows whose id is out of range were dropped, so they get 0.
  UnsortedSegmentSum: {
    saveInputs: true,
    grad: (dy, { inputs: [x, ids], attrs: { numSegments } }) => [() => {
      const valid = logicalAnd(greaterEqual(ids, 0), less(ids, numSegments));
      const rows = gather(dy, where(valid, ids, 0), 0);
      return where(reshape(valid, [ids.size, ...x.shape.slice(1).map(() => 1)]), rows, 0);
    }, null],
  },
  // Reversing the same prefixes again undoes it.
  ReverseSequence: {
    saveInputs: true,
    grad: (dy, { inputs: [, seqLengths], attrs: { seqAxis, batchAxis } }) =>
      [() => reverseSequence(dy, seqLengths, seqAxis, batchAxis), null],
  },
};
