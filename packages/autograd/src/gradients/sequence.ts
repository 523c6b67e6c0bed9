/** Sequence ops: the gradient of reversing each row's prefix is reversing the same prefixes of dy. */
import { reverseSequence } from '@tapeflow/core';
import type { GradTable } from './types.js';

export const sequenceGrads: Pick<GradTable, 'ReverseSequence'> = {
  ReverseSequence: {
    saveInputs: true,
    grad: (dy, { inputs: [, seqLengths], attrs: { seqAxis, batchAxis } }) => [
      () => reverseSequence(dy, seqLengths, seqAxis, batchAxis),
      null,
    ],
  },
};
