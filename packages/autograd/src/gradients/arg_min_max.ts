/** ArgMax / ArgMin return indices: piecewise constant, no gradient. */
import type { GradTable } from './types.js';

export const argMinMaxGrads: Pick<GradTable, 'ArgMax' | 'ArgMin'> = {
  ArgMax: { grad: () => [null] },
  ArgMin: { grad: () => [null] },
};
