/**
 * TensorFlow checkpoints on disk (`@tapeflow/core/node`): the same loadCheckpoint/saveCheckpoint
 * as the browser build, over paths. A path is a prefix ('ckpt/model.ckpt-1000', the files being
 * '<prefix>.index' and '<prefix>.data-*'), or a directory whose `checkpoint` file names the latest.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { ValueError } from '../errors.js';
import {
  CHECKPOINT_STATE_FILE,
  formatCheckpointState,
  parseCheckpointState,
  type CheckpointState,
} from '../io/bundle/checkpoint_state.js';
import { BundleIndex, BundleReader, shardFileName } from '../io/bundle/read.js';
import { writeBundle, type BundleBytes } from '../io/bundle/write.js';
import { checkpointTensors, type SaveCheckpointOptions, type SaveTensors } from '../io/checkpoint.js';
import { loadFromSource, weightsSource, type LoadCheckpointOptions, type LoadReport } from '../io/checkpoint_load.js';
import { decodeWeightArrays } from '../io/weights.js';
import { MANIFEST_FILE, readManifestDir } from './checkpoint.js';

async function readBytes(path: string, what: string): Promise<Uint8Array> {
  try {
    const b = await readFile(path);
    return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  } catch (e) {
    throw new ValueError(`loadCheckpoint: cannot read ${what} ${path}: ${(e as Error).message}`);
  }
}

const isDir = (p: string): Promise<boolean> =>
  stat(p).then(
    (s) => s.isDirectory(),
    () => false,
  );
const exists = (p: string): Promise<boolean> =>
  stat(p).then(
    () => true,
    () => false,
  );

/** The `checkpoint` file of `dir`, or null if there is none. */
export async function readCheckpointState(dir: string): Promise<CheckpointState | null> {
  const file = join(dir, CHECKPOINT_STATE_FILE);
  if (!(await exists(file))) return null;
  return parseCheckpointState(await readFile(file, 'utf8'), file);
}

/** TF's tf.train.latest_checkpoint: the prefix `dir/checkpoint` names (made absolute), or null. */
export async function latestCheckpoint(dir: string): Promise<string | null> {
  const st = await readCheckpointState(dir);
  if (!st) return null;
  return isAbsolute(st.modelCheckpointPath) ? st.modelCheckpointPath : join(dir, st.modelCheckpointPath);
}

/** The bundle prefix a path means: itself, itself without '.index', or the latest one of a directory. */
export async function resolvePrefix(path: string): Promise<string> {
  if (typeof path !== 'string' || !path) throw new TypeError('loadCheckpoint: path must be a non-empty string');
  if (await isDir(path)) {
    const latest = await latestCheckpoint(path);
    if (!latest)
      throw new ValueError(
        `loadCheckpoint: directory ${path} has no '${CHECKPOINT_STATE_FILE}' file naming a checkpoint`,
      );
    return latest;
  }
  if (path.endsWith('.index') && !(await exists(`${path}.index`))) return path.slice(0, -'.index'.length);
  return path;
}

/** Opens a checkpoint by prefix or directory; every shard is read into memory. */
export async function openCheckpoint(path: string): Promise<BundleReader> {
  const prefix = await resolvePrefix(path);
  const indexFile = `${prefix}.index`;
  const index = BundleIndex.parse(await readBytes(indexFile, 'the checkpoint index'), indexFile);
  const names = index.shardFileNames(prefix);
  return new BundleReader(index, await Promise.all(names.map((n) => readBytes(n, 'the data shard'))), names);
}

/**
 * Restores variables by TF1 name from a checkpoint on disk (see the browser loadCheckpoint): a
 * TensorFlow bundle, or a directory in the tfjs weights-manifest layout (weights.json) that
 * saveWeights writes. Either way nothing changes unless everything fits.
 */
export async function loadCheckpoint(path: string, opts: LoadCheckpointOptions): Promise<LoadReport> {
  if (await exists(join(path, MANIFEST_FILE))) {
    const { manifest, buffers } = await readManifestDir(path);
    return loadFromSource(weightsSource(decodeWeightArrays(manifest, buffers)), opts);
  }
  return loadFromSource(await openCheckpoint(path), opts);
}

/** Writes a file so that it appears whole or not at all. */
async function writeAtomically(path: string, bytes: Uint8Array | string): Promise<void> {
  const tmp = `${path}.tmp-${randomBytes(6).toString('hex')}`;
  try {
    await writeFile(tmp, bytes);
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

/**
 * Writes `<prefix>.data-*` and `<prefix>.index` (the index last, so a reader never sees an index
 * without its data), then points the `checkpoint` file of the prefix's directory at it (by a
 * relative path, kept in all_model_checkpoint_paths with the earlier ones). Returns the files written.
 */
export async function saveCheckpoint(
  prefix: string,
  tensors: SaveTensors,
  opts: SaveCheckpointOptions = {},
): Promise<string[]> {
  if (typeof prefix !== 'string' || !basename(prefix) || prefix.endsWith('/')) {
    throw new ValueError(
      `saveCheckpoint: prefix must name a file prefix like 'ckpt/model.ckpt', got ${JSON.stringify(prefix)}`,
    );
  }
  return writeBundleFiles(prefix, writeBundle(await checkpointTensors(tensors, opts), { numShards: opts.numShards }));
}

/** Writes an encoded bundle under `prefix` (data, then index, then the `checkpoint` file); returns the files. */
export async function writeBundleFiles(prefix: string, { index, data }: BundleBytes): Promise<string[]> {
  const dir = dirname(prefix);
  await mkdir(dir, { recursive: true });
  const names = data.map((_, i) => shardFileName(prefix, i, data.length));
  await Promise.all(names.map((n, i) => writeAtomically(n, data[i])));
  await writeAtomically(`${prefix}.index`, index);
  const previous = await readCheckpointState(dir).catch(() => null);
  const rel = basename(prefix);
  const kept = (previous?.allModelCheckpointPaths ?? []).filter(
    (p) => p !== rel && resolve(dir, p) !== resolve(prefix),
  );
  const stateFile = join(dir, CHECKPOINT_STATE_FILE);
  await writeAtomically(
    stateFile,
    formatCheckpointState({ modelCheckpointPath: rel, allModelCheckpointPaths: [...kept, rel] }),
  );
  return [...names, `${prefix}.index`, stateFile];
}
