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

export interface RandomUniformOptions { minval?: number; maxval?: number; seed?: number; dtype?: DType }
export interface RandomNormalOptions { mean?: number; stddev?: number; seed?: number; dtype?: DType }

// Unseeded calls draw their seeds from one process-wide stream.
let seeder = xoroshiro128plus(Date.now() ^ (Math.random() * 0x7fffffff));
/** Makes unseeded random ops reproducible from here on. */
export function setRandomSeed(seed: number): void { seeder = xoroshiro128plus(seed); }

function stream(seed: number | undefined, op: string): () => number {
  if (seed !== undefined && !Number.isFinite(seed)) throw new ValueError(`${op}: seed must be a finite number, got ${seed}`);
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
