/** Rounding, sign and log1p. */
import { add, div } from '@tapeflow/core';
import type { GradTable } from './types.js';

// Piecewise constant: TensorFlow returns no gradient (None) for Floor, Ceil and Round, zeros for Sign.
const none = { grad: () => [null] as [null] };

export const mathGrads: Pick<GradTable, 'Floor' | 'Ceil' | 'Round' | 'Sign' | 'Log1p'> = {
  Floor: none,
  Ceil: none,
  Round: none,
  Sign: none,
  Log1p: { saveInputs: true, grad: (dy, { inputs: [x] }) => [() => div(dy, add(x, 1))] },
};
