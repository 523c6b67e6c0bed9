/**
 * Seeded random tensors. Numbers are drawn on the host (xoroshiro128+ from pure-rand) and then
 * uploaded, so the same seed gives bit-identical values on every backend.
 */
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { makeArray, type DType } from '../dtypes.js';
import { ENGINE } from '../engine.js';
import { ValueError } from '../errors.js';
import { assertValidShape, sizeOf } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { fmt } from '../shape.js';
import { assertFloat, toTensor, type TensorLike } from './creation.js';
import { add } from './binary.js';
import { expandDims } from './movement.js';
import { argMax } from './arg_min_max.js';
import { op } from './op.js';

export interface RandomUniformOptions {
  minval?: number;
  maxval?: number;
  seed?: number;
  dtype?: DType;
}
export interface RandomNormalOptions {
  mean?: number;
  stddev?: number;
  seed?: number;
  dtype?: DType;
}

// Unseeded calls draw their seeds from one process-wide stream.
let seeder = xoroshiro128plus(Date.now() ^ (Math.random() * 0x7fffffff));
/** Makes unseeded random ops reproducible from here on. */
export function setRandomSeed(seed: number): void {
  seeder = xoroshiro128plus(seed);
}

function stream(seed: number | undefined, op: string): () => number {
  if (seed !== undefined && !Number.isFinite(seed))
    throw new ValueError(`${op}: seed must be a finite number, got ${seed}`);
  const rng = xoroshiro128plus(seed ?? seeder.next());
  return () => uniformFloat64(rng);
}

export function randomUniform(shape: readonly number[], opts: RandomUniformOptions = {}): Tensor {
  assertValidShape(shape, 'randomUniform');
  const { minval = 0, maxval = 1, seed, dtype = 'float32' } = opts;
  if (!(minval < maxval)) throw new ValueError(`randomUniform: minval (${minval}) must be < maxval (${maxval})`);
  const u = stream(seed, 'randomUniform');
  const out = makeArray(dtype, sizeOf(shape));
  for (let i = 0; i < out.length; i++) {
    const v = minval + (maxval - minval) * u();
    out[i] = dtype === 'int32' ? Math.floor(v) : v;
  }
  return ENGINE.write(out, shape, dtype);
}

/** Box-Muller on pairs of uniforms. */
export function randomNormal(shape: readonly number[], opts: RandomNormalOptions = {}): Tensor {
  assertValidShape(shape, 'randomNormal');
  const { mean = 0, stddev = 1, seed, dtype = 'float32' } = opts;
  if (!(stddev >= 0)) throw new ValueError(`randomNormal: stddev must be >= 0, got ${stddev}`);
  const u = stream(seed, 'randomNormal');
  const out = makeArray(dtype, sizeOf(shape));
  for (let i = 0; i < out.length; i += 2) {
    const r = Math.sqrt(-2 * Math.log(1 - u()));
    const theta = 2 * Math.PI * u();
    out[i] = mean + stddev * r * Math.cos(theta);
    if (i + 1 < out.length) out[i + 1] = mean + stddev * r * Math.sin(theta);
  }
  return ENGINE.write(out, shape, dtype);
}

/**
 * Normal draws, each redrawn while it lies more than 2 standard deviations from the mean (TF's
 * truncated_normal, the usual TF1 weight initializer). The std of the result is ~0.88 stddev.
 */
export function truncatedNormal(shape: readonly number[], opts: RandomNormalOptions = {}): Tensor {
  assertValidShape(shape, 'truncatedNormal');
  const { mean = 0, stddev = 1, seed, dtype = 'float32' } = opts;
  if (!(stddev >= 0)) throw new ValueError(`truncatedNormal: stddev must be >= 0, got ${stddev}`);
  if (dtype !== 'float32' && dtype !== 'float64')
    throw new TypeError(`truncatedNormal: dtype must be float32 or float64, got ${dtype}`);
  const u = stream(seed, 'truncatedNormal');
  const out = makeArray(dtype, sizeOf(shape));
  for (let i = 0; i < out.length; i++) {
    let z: number;
    do z = Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
    while (Math.abs(z) > 2);
    out[i] = mean + stddev * z;
  }
  return ENGINE.write(out, shape, dtype);
}

export interface MultinomialOptions {
  seed?: number;
}

/**
 * numSamples class indices per row of logits [batch, numClasses], drawn from softmax(logits)
 * (TF1's tf.multinomial, TF2's tf.random.categorical), as int32 [batch, numSamples].
 * Gumbel-max: argMax(logits + g) with g = -log(-log(u)) drawn on the host, so a seed gives the
 * same samples on every backend, -Infinity logits are never drawn, and no softmax can overflow.
 */
export const multinomial = op(
  'multinomial',
  (logits: TensorLike, numSamples: number, opts: MultinomialOptions = {}): Tensor => {
    const x = toTensor(logits, 'multinomial', 'logits');
    assertFloat(x, 'multinomial', 'logits');
    if (x.rank !== 2)
      throw new ValueError(`multinomial: logits must be 2-D [batch, numClasses], got ${x.dtype} ${fmt(x.shape)}`);
    const [batch, k] = x.shape;
    if (k < 1) throw new ValueError(`multinomial: logits ${fmt(x.shape)} have no classes`);
    if (!Number.isInteger(numSamples) || numSamples < 0)
      throw new ValueError(`multinomial: numSamples must be a non-negative integer, got ${numSamples}`);
    const u = stream(opts.seed, 'multinomial');
    const g = makeArray(x.dtype, batch * numSamples * k);
    for (let i = 0; i < g.length; i++) {
      let v = u();
      while (v === 0) v = u();
      g[i] = -Math.log(-Math.log(v));
    }
    return argMax(add(expandDims(x, 1), ENGINE.write(g, [batch, numSamples, k], x.dtype)), 2);
  },
);

/** TF2's name for multinomial: tf.random.categorical(logits, num_samples, seed=...). */
export const categorical = multinomial;
