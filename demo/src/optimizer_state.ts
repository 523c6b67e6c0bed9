/**
 * Adam's state as named tensors, for checkpoints: TF1 names its slots '<var>/Adam' (first
 * moment) and '<var>/Adam_1' (second moment). The autograd package keeps slots and the step
 * count private and has no public accessor yet, so this adapter reaches them by bracket access
 * (TypeScript's escape hatch for private members). Replace with a public API when there is one.
 */
import type { AdamOptimizer } from '@tapeflow/autograd';
import type { Variable } from '@tapeflow/core';

const SLOTS = ['Adam', 'Adam_1'] as const;

interface AdamInternals {
  step: number;
  slot(v: Variable, name: string): Variable;
}
function internals(opt: AdamOptimizer): AdamInternals {
  const o = opt as unknown as AdamInternals;
  if (typeof o.slot !== 'function' || typeof o.step !== 'number') {
    throw new Error("optimizer_state: AdamOptimizer no longer has 'slot(v, name)' and 'step'; update this adapter");
  }
  return o;
}

/**
 * The slot variables of `vars` (created as zeros if the optimizer has not touched them yet, which
 * is exactly what Adam's first update would do), in a fixed order.
 */
export function adamSlots(opt: AdamOptimizer, vars: readonly Variable[]): Variable[] {
  const o = internals(opt);
  return vars.flatMap((v) => SLOTS.map((s) => o.slot.call(opt, v, s)));
}

/** How many updates Adam has applied (its bias corrections depend on it). */
export const adamStep = (opt: AdamOptimizer): number => internals(opt).step;
export function setAdamStep(opt: AdamOptimizer, step: number): void { internals(opt).step = step; }
