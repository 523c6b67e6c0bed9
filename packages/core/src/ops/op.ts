import { ENGINE } from '../engine.js';

/**
 * Wraps an op's body in a tidy scope, so temporaries (converted scalars, the intermediate
 * tensors of composite ops) are freed when the op returns. The tape still sees every kernel.
 * F's `any[]` constraint types an unannotated defaulted parameter (`axis = 0`) as any, so op
 * bodies annotate those (`axis: number = 0`).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function op<F extends (...args: any[]) => any>(name: string, f: F): F {
  const wrapped = (...args: Parameters<F>): ReturnType<F> => ENGINE.tidy(() => f(...args) as ReturnType<F>);
  Object.defineProperty(wrapped, 'name', { value: name });
  return wrapped as F;
}
