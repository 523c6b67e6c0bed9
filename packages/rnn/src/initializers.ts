/**
 * Weight initializers with TF1's defaults: kernels glorot-uniform, biases zeros (GRU gates one).
 * An initializer maps (shape, dtype) to a fresh Tensor.
 */
import { fill, randomUniform, ValueError, type DType, type Tensor } from '@tapeflow/core';

export type Initializer = (shape: readonly number[], dtype: DType) => Tensor;

export function constant(value: number): Initializer {
  if (typeof value !== 'number')
    throw new TypeError(`initializers.constant: value must be a number, got ${typeof value}`);
  return (shape, dtype) => fill(shape, value, dtype);
}

export const zeros = (): Initializer => constant(0);
export const ones = (): Initializer => constant(1);

/** U(minval, maxval); a seed makes the draw reproducible (each call draws the same numbers). */
export function randomUniformInit(opts: { minval?: number; maxval?: number; seed?: number } = {}): Initializer {
  const { minval = -0.05, maxval = 0.05, seed } = opts;
  return (shape, dtype) => randomUniform(shape, { minval, maxval, seed, dtype });
}

/**
 * Glorot (Xavier) uniform: U(-l, l) with l = sqrt(6 / (fanIn + fanOut)), fans as TF computes them
 * (a vector has fanIn = fanOut = its length; for rank >= 2 the last two dims times the rest).
 */
export function glorotUniform(opts: { seed?: number } = {}): Initializer {
  return (shape, dtype) => {
    const [fanIn, fanOut] = fans(shape);
    const limit = Math.sqrt(6 / Math.max(1, fanIn + fanOut));
    return randomUniform(shape, { minval: -limit, maxval: limit, seed: opts.seed, dtype });
  };
}

function fans(shape: readonly number[]): [number, number] {
  if (shape.length === 0) return [1, 1];
  if (shape.length === 1) return [shape[0], shape[0]];
  const receptive = shape.slice(0, -2).reduce((a, b) => a * b, 1);
  return [shape[shape.length - 2] * receptive, shape[shape.length - 1] * receptive];
}

export function assertInitializer(init: unknown, owner: string, arg: string): asserts init is Initializer | undefined {
  if (init !== undefined && typeof init !== 'function') {
    throw new TypeError(
      `${owner}: ${arg} must be an initializer function (shape, dtype) => Tensor, got ${typeof init}`,
    );
  }
}

/** Runs an initializer and checks it honoured the requested shape and dtype. */
export function initialValue(init: Initializer, shape: readonly number[], dtype: DType, name: string): Tensor {
  const t = init(shape, dtype);
  if (t.dtype !== dtype || t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
    const got = `${t.dtype} [${t.shape.join(',')}]`;
    t.dispose();
    throw new ValueError(`initializer for variable '${name}' returned ${got}, expected ${dtype} [${shape.join(',')}]`);
  }
  return t;
}

export { randomUniformInit as randomUniform };
