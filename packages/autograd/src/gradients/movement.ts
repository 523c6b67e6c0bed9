/** Movement ops: each gradient moves dy back to where the input's elements came from. */
import { pad, reshape, reverse, slice, transpose } from '@tapeflow/core';
import type { GradTable } from './types.js';
import { unbroadcast } from './util.js';

type Movement = 'Reshape' | 'Transpose' | 'BroadcastTo' | 'Slice' | 'Pad' | 'Reverse' | 'Concat';

export const movementGrads: Pick<GradTable, Movement> = {
  Reshape: { grad: (dy, { inputs: [x] }) => [() => reshape(dy, x.shape)] },
  Transpose: {
    grad: (dy, { attrs: { perm } }) => [
      () =>
        transpose(
          dy,
          perm.map((_, i) => perm.indexOf(i)),
        ),
    ],
  },
  BroadcastTo: { grad: (dy, { inputs: [x] }) => [() => unbroadcast(dy, x.shape)] },
  // The slice came from a window of x: put dy back in it, zeros elsewhere. (The walk places
  // the windows of a tensor read slice by slice all at once: `window`.)
  Slice: {
    window: ({ begin, size }) => ({ begin, size }),
    grad: (dy, { inputs: [x], attrs: { begin, size } }) => [
      () =>
        pad(
          dy,
          begin.map((b, i): [number, number] => [b, x.shape[i] - b - size[i]]),
        ),
    ],
  },
  Pad: {
    grad: (dy, { inputs: [x], attrs: { paddings } }) => [
      () =>
        slice(
          dy,
          paddings.map((p) => p[0]),
          x.shape,
        ),
    ],
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
};
