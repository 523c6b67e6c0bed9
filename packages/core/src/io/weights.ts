/**
 * Weights in TensorFlow.js's weights-manifest layout, so a tfjs user can read tapeflow checkpoints
 * with `tf.io.loadWeights` / `tf.io.decodeWeights` and the other way round:
 *
 *   manifest = [{ paths: ['group1-shard1of2.bin', 'group1-shard2of2.bin'],
 *                 weights: [{ name: 'rnn/lstm_cell/kernel', shape: [20, 40], dtype: 'float32' }, ...] }]
 *
 * Each group's shards, concatenated, hold its weights back to back, row-major, little-endian,
 * in manifest order (bool as one byte per element). Browser-safe: no file system here; the
 * Node side lives in src/node/checkpoint.ts.
 */
import type { DType, TypedArray } from '../dtypes.js';
import { ENGINE } from '../engine.js';
import { ValueError } from '../errors.js';
import { fmt, shapesEqual, sizeOf } from '../shape.js';
import { Tensor, Variable } from '../tensor.js';

/** The dtypes a tfjs weights manifest can name (tfjs has no float64). */
export type ManifestDType = 'float32' | 'int32' | 'bool';

export interface WeightsManifestEntry {
  name: string;
  shape: number[];
  dtype: ManifestDType;
}
export interface WeightsManifestGroupConfig {
  paths: string[];
  weights: WeightsManifestEntry[];
}
export type WeightsManifestConfig = WeightsManifestGroupConfig[];

/** Named tensors: Variables (keyed by their TF names), or explicit name -> tensor pairs. */
export type NamedTensors = readonly Variable[] | Readonly<Record<string, Tensor>> | ReadonlyMap<string, Tensor>;

export interface EncodedWeights {
  manifest: WeightsManifestConfig;
  /** All weights back to back. */
  data: ArrayBuffer;
  /** `data` cut into the files listed in manifest[0].paths, in order. */
  shards: ArrayBuffer[];
}

/** tfjs's default shard size (tfjs-converter writes 4 MiB shards). */
export const DEFAULT_SHARD_BYTES = 4 * 1024 * 1024;

const ctors = { float32: Float32Array, int32: Int32Array, bool: Uint8Array } as const;

function entries(tensors: NamedTensors, op: string): [string, Tensor][] {
  let list: [string, Tensor][];
  if (Array.isArray(tensors)) {
    list = tensors.map((v, i) => {
      if (!(v instanceof Variable)) throw new TypeError(`${op}: element ${i} of the variable list must be a Variable`);
      return [v.name, v];
    });
  } else if (tensors instanceof Map) list = [...(tensors as ReadonlyMap<string, Tensor>).entries()];
  else if (tensors !== null && typeof tensors === 'object') list = Object.entries(tensors as Record<string, Tensor>);
  else throw new TypeError(`${op}: expected a Variable[], a Record<name, Tensor> or a Map<name, Tensor>`);
  const seen = new Set<string>();
  for (const [name, t] of list) {
    if (typeof name !== 'string' || !name) throw new ValueError(`${op}: every weight needs a non-empty name`);
    if (seen.has(name)) throw new ValueError(`${op}: two weights are named '${name}'`);
    seen.add(name);
    ENGINE.assertUsable(t, op, name);
    if (!(t.dtype in ctors)) {
      throw new ValueError(
        `${op}: weight '${name}' is ${t.dtype} ${fmt(t.shape)}; the tfjs weights format ` +
          'holds float32, int32 and bool only (cast it first)',
      );
    }
  }
  return list;
}

/** One weight's values, for encoding and decoding without tensors (the tapeflow-ckpt command has no backend). */
export interface WeightArray {
  name: string;
  shape: number[];
  dtype: ManifestDType;
  values: TypedArray;
}

/** Encodes named tensors into a tfjs weights manifest (one group) and its binary data. */
export function encodeWeights(tensors: NamedTensors, opts: { shardBytes?: number } = {}): EncodedWeights {
  const list = entries(tensors, 'encodeWeights');
  return encodeWeightArrays(
    list.map(([name, t]) => ({ name, shape: [...t.shape], dtype: t.dtype as ManifestDType, values: t.dataSync() })),
    opts,
  );
}

/** encodeWeights over plain arrays (names, dtypes and sizes are the caller's to check). */
export function encodeWeightArrays(list: readonly WeightArray[], opts: { shardBytes?: number } = {}): EncodedWeights {
  const shardBytes = opts.shardBytes ?? DEFAULT_SHARD_BYTES;
  if (!Number.isInteger(shardBytes) || shardBytes < 1) {
    throw new ValueError(`encodeWeights: shardBytes must be a positive integer, got ${shardBytes}`);
  }
  const values = list.map((w) => w.values);
  const total = values.reduce((n, v) => n + v.byteLength, 0);
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const v of values) {
    bytes.set(new Uint8Array(v.buffer, v.byteOffset, v.byteLength), offset);
    offset += v.byteLength;
  }
  const numShards = Math.max(1, Math.ceil(total / shardBytes));
  const paths = Array.from({ length: numShards }, (_, i) => `group1-shard${i + 1}of${numShards}.bin`);
  const shards = paths.map((_, i) => bytes.buffer.slice(i * shardBytes, Math.min(total, (i + 1) * shardBytes)));
  const weights = list.map(({ name, shape, dtype }): WeightsManifestEntry => ({ name, shape: [...shape], dtype }));
  return { manifest: [{ paths, weights }], data: bytes.buffer, shards };
}

/** The manifest's shard paths across all groups, in the order decodeWeights expects their buffers. */
export function manifestPaths(manifest: WeightsManifestConfig): string[] {
  checkManifest(manifest);
  return manifest.flatMap((g) => g.paths);
}

function checkManifest(manifest: unknown): asserts manifest is WeightsManifestConfig {
  const bad = (why: string): never => {
    throw new ValueError(`decodeWeights: malformed weights manifest: ${why}`);
  };
  if (!Array.isArray(manifest)) bad('expected an array of groups');
  (manifest as unknown[]).forEach((g, gi) => {
    const group = g as Partial<WeightsManifestGroupConfig> | null;
    if (!group || !Array.isArray(group.paths) || !Array.isArray(group.weights))
      bad(`group ${gi} needs 'paths' and 'weights' arrays`);
    if (!group!.paths!.every((p) => typeof p === 'string')) bad(`group ${gi} has a non-string path`);
    group!.weights!.forEach((w, wi) => {
      if (!w || typeof w.name !== 'string') bad(`group ${gi} weight ${wi} has no name`);
      if (!Array.isArray(w.shape) || !w.shape.every((d) => Number.isInteger(d) && d >= 0))
        bad(`weight '${w.name}' has shape ${JSON.stringify(w.shape)}`);
      if ('quantization' in w) bad(`weight '${w.name}' is quantized; tapeflow reads unquantized weights only`);
      if (!(w.dtype in ctors))
        bad(`weight '${w.name}' has dtype ${JSON.stringify(w.dtype)}; supported: float32, int32, bool`);
    });
  });
}

/**
 * Decodes a manifest and its shard buffers (in manifestPaths order) into name -> Tensor.
 * The caller owns the returned tensors.
 */
export function decodeWeights(manifest: WeightsManifestConfig, buffers: readonly ArrayBuffer[]): Map<string, Tensor> {
  const arrays = decodeWeightArrays(manifest, buffers);
  return new Map([...arrays].map(([name, w]) => [name, ENGINE.write(w.values, w.shape, w.dtype as DType)]));
}

/** decodeWeights into plain arrays, checked the same way. */
export function decodeWeightArrays(
  manifest: WeightsManifestConfig,
  buffers: readonly ArrayBuffer[],
): Map<string, WeightArray> {
  checkManifest(manifest);
  const numPaths = manifest.reduce((n, g) => n + g.paths.length, 0);
  if (buffers.length !== numPaths) {
    throw new ValueError(`decodeWeights: the manifest lists ${numPaths} shard files, got ${buffers.length} buffers`);
  }
  // Check every size first so a bad file creates no tensor.
  let next = 0;
  const groups = manifest.map((g) => {
    const parts = buffers.slice(next, next + g.paths.length);
    next += g.paths.length;
    const have = parts.reduce((n, b) => n + b.byteLength, 0);
    const need = g.weights.reduce((n, w) => n + sizeOf(w.shape) * ctors[w.dtype].BYTES_PER_ELEMENT, 0);
    if (have !== need) {
      throw new ValueError(
        `decodeWeights: shards ${g.paths.join(', ')} hold ${have} bytes; ` +
          `the manifest's weights (${g.weights.map((w) => `'${w.name}' ${w.dtype} ${fmt(w.shape)}`).join(', ')}) need ${need}`,
      );
    }
    const bytes = new Uint8Array(have);
    let o = 0;
    for (const p of parts) {
      bytes.set(new Uint8Array(p), o);
      o += p.byteLength;
    }
    return { weights: g.weights, bytes };
  });
  const names = new Set<string>();
  for (const g of groups)
    for (const w of g.weights) {
      if (names.has(w.name)) throw new ValueError(`decodeWeights: two weights are named '${w.name}'`);
      names.add(w.name);
    }
  const out = new Map<string, WeightArray>();
  for (const { weights, bytes } of groups) {
    let offset = 0;
    for (const w of weights) {
      const C = ctors[w.dtype];
      const n = sizeOf(w.shape);
      // Copy into a fresh aligned array: offsets inside the group need not be 4-byte aligned.
      const values = new C(bytes.buffer.slice(offset, offset + n * C.BYTES_PER_ELEMENT)) as TypedArray;
      offset += n * C.BYTES_PER_ELEMENT;
      out.set(w.name, { name: w.name, shape: [...w.shape], dtype: w.dtype, values });
    }
  }
  return out;
}

/**
 * Assigns `weights[v.name]` to every variable. Every name, shape and dtype is checked before
 * anything is assigned, so on a ValueError no variable has changed. Returns the names of
 * weights that no variable asked for.
 */
export function assignWeights(
  variables: readonly Variable[],
  weights: ReadonlyMap<string, Tensor>,
): { unused: string[] } {
  const problems: string[] = [];
  for (const v of variables) {
    if (!(v instanceof Variable)) throw new TypeError('assignWeights: variables must be Variables');
    const w = weights.get(v.name);
    if (!w) problems.push(`'${v.name}' is missing from the checkpoint`);
    else if (!shapesEqual(w.shape, v.shape) || w.dtype !== v.dtype) {
      problems.push(
        `'${v.name}' is ${v.dtype} ${fmt(v.shape)} in the model but ${w.dtype} ${fmt(w.shape)} in the checkpoint`,
      );
    }
  }
  if (problems.length) {
    throw new ValueError(
      `assignWeights: checkpoint does not fit the model (nothing was changed): ${problems.join('; ')}`,
    );
  }
  for (const v of variables) v.assign(weights.get(v.name)!);
  const asked = new Set(variables.map((v) => v.name));
  return { unused: [...weights.keys()].filter((n) => !asked.has(n)) };
}
