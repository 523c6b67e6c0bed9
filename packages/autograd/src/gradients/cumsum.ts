/** Cumsum: each x_i feeds the sums after it (before it, reversed), so dy is summed the other way. */
import { cumsum } from '@tapeflow/core';
import type { GradTable } from './types.js';

export const cumsumGrads: Pick<GradTable, 'Cumsum'> = {
  Cumsum: { grad: (dy, { attrs: { axis, exclusive, reverse } }) => [() => cumsum(dy, axis, exclusive, !reverse)] },
};
