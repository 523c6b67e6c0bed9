/**
 * Checkpoints on disk (Node only; imported as `@tapeflow/core/node`): a directory holding
 * weights.json (a tfjs weights manifest) and its binary shards, keyed by TF1 variable names.
 * A tfjs user reads it with `tf.io.decodeWeights(manifest[0].weights, concatenatedShards)`.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ValueError } from '../errors.js';
import type { Tensor, Variable } from '../tensor.js';
import {
  assignWeights,
  decodeWeights,
  encodeWeights,
  manifestPaths,
  type EncodedWeights,
  type NamedTensors,
  type WeightsManifestConfig,
} from '../io/weights.js';

export const MANIFEST_FILE = 'weights.json';

/** Writes the weights to `dir` (created if needed). The manifest is written last, atomically. */
export async function saveWeights(
  tensors: NamedTensors,
  dir: string,
  opts: { shardBytes?: number } = {},
): Promise<WeightsManifestConfig> {
  return writeManifestDir(encodeWeights(tensors, opts), dir);
}

/** Writes encoded weights to `dir`: the shards, then the manifest, atomically. */
export async function writeManifestDir(
  { manifest, shards }: Pick<EncodedWeights, 'manifest' | 'shards'>,
  dir: string,
): Promise<WeightsManifestConfig> {
  await mkdir(dir, { recursive: true });
  const paths = manifest[0].paths;
  await Promise.all(shards.map((s, i) => writeFile(join(dir, paths[i]), new Uint8Array(s))));
  const tmp = join(dir, `${MANIFEST_FILE}.tmp`);
  await writeFile(tmp, JSON.stringify(manifest, null, 1));
  await rename(tmp, join(dir, MANIFEST_FILE));
  return manifest;
}

/** Reads a checkpoint directory into name -> Tensor (the caller owns the tensors). */
export async function loadWeights(dir: string): Promise<Map<string, Tensor>> {
  const { manifest, buffers } = await readManifestDir(dir);
  return decodeWeights(manifest, buffers);
}

/** The manifest of a checkpoint directory and its shards' bytes, in manifestPaths order. */
export async function readManifestDir(
  dir: string,
): Promise<{ manifest: WeightsManifestConfig; buffers: ArrayBuffer[] }> {
  let text: string;
  try {
    text = await readFile(join(dir, MANIFEST_FILE), 'utf8');
  } catch (e) {
    throw new ValueError(`loadWeights: cannot read ${join(dir, MANIFEST_FILE)}: ${(e as Error).message}`);
  }
  let manifest: WeightsManifestConfig;
  try {
    manifest = JSON.parse(text) as WeightsManifestConfig;
  } catch (e) {
    throw new ValueError(`loadWeights: ${join(dir, MANIFEST_FILE)} is not JSON: ${(e as Error).message}`);
  }
  const buffers = await Promise.all(
    manifestPaths(manifest).map(async (p) => {
      const b = await readFile(join(dir, p)).catch((e: Error) => {
        throw new ValueError(`loadWeights: shard ${p} listed in ${MANIFEST_FILE} cannot be read: ${e.message}`);
      });
      return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength);
    }),
  );
  return { manifest, buffers };
}

/**
 * Restores `variables` by name from a checkpoint directory. Every name, shape and dtype is
 * validated first: on a ValueError no variable has changed. Returns checkpoint names no variable used.
 */
export async function loadWeightsInto(variables: readonly Variable[], dir: string): Promise<{ unused: string[] }> {
  const weights = await loadWeights(dir);
  try {
    return assignWeights(variables, weights);
  } finally {
    // Variables that took a value share its storage, so disposing the loaded tensors is safe.
    for (const t of weights.values()) t.dispose();
  }
}
