/**
 * Activations by name, as TF1's cells accept them (`activation='relu'`, resolved through Keras's
 * activations.get): the cell options take either a function or one of these names. The names
 * map to core's own functions, so `'tanh'` is exactly `tanh` (which the fast paths check for).
 */
import {
  abs,
  add,
  clipByValue,
  div,
  elu,
  exp,
  mul,
  relu,
  sigmoid,
  softmax,
  softplus,
  tanh,
  ValueError,
  type Tensor,
} from '@tapeflow/core';
import { describe } from './nest.js';

export type Activation = (x: Tensor) => Tensor;

const linear: Activation = (x) => x;
/** Keras's hard_sigmoid: clip(0.2 x + 0.5, 0, 1). */
const hardSigmoid: Activation = (x) => clipByValue(add(mul(x, 0.2), 0.5), 0, 1);
/** x / (1 + |x|). */
const softsign: Activation = (x) => div(x, add(abs(x), 1));
/** x sigmoid(x) (Keras's swish / silu). */
const swish: Activation = (x) => mul(x, sigmoid(x));
/** Keras's selu: scale elu(x) with alpha and scale fixed (Klambauer et al. 2017). */
// The published 1.67326324235437728481... and 1.05070098735548049341..., written as the float64
// values they round to (more digits would be dropped at runtime anyway).
const SELU_ALPHA = 1.6732632423543772,
  SELU_SCALE = 1.0507009873554805;
/** scale (alpha elu(x) + (1 - alpha) relu(x)): x above 0, alpha (e^x - 1) below, times scale. */
const selu: Activation = (x) => mul(add(mul(elu(x), SELU_ALPHA), mul(relu(x), 1 - SELU_ALPHA)), SELU_SCALE);

/** Every name a cell's `activation` option accepts. */
export const ACTIVATIONS = {
  tanh,
  sigmoid,
  relu,
  linear,
  softmax: (x: Tensor) => softmax(x, -1),
  exponential: exp,
  hard_sigmoid: hardSigmoid,
  softsign,
  swish,
  elu: (x: Tensor) => elu(x),
  selu,
  softplus,
} as const satisfies Record<string, Activation>;

export type ActivationName = keyof typeof ACTIVATIONS;

/** A cell's activation option: the function itself, or its Keras name ('tanh', 'relu', ...). */
export type ActivationLike = Activation | ActivationName;

/** Resolves an activation option (undefined: `fallback`); an unknown name or a non-function is an error naming the op. */
export function activationOf(op: string, a: unknown, fallback: Activation = tanh): Activation {
  if (a === undefined) return fallback;
  if (typeof a === 'function') return a as Activation;
  if (typeof a === 'string') {
    if (Object.hasOwn(ACTIVATIONS, a)) return ACTIVATIONS[a as ActivationName];
    throw new ValueError(
      `${op}: unknown activation ${JSON.stringify(a)}; known names: ${Object.keys(ACTIVATIONS).join(', ')}`,
    );
  }
  throw new TypeError(`${op}: activation must be a function or an activation name, got ${describe(a)}`);
}
