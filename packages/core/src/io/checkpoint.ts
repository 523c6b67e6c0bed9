/**
 * TensorFlow checkpoints (V2 tensor bundles) by TF1 variable name, from and to bytes, so this works
 * in a browser: load from `fetch`ed URLs or from in-memory files, save to in-memory files (to
 * download or upload). `@tapeflow/core/node` has the same two functions over file paths.
 *
 *   model.ckpt.index                  the table of entries (name -> dtype, shape, shard, offset, crc)
 *   model.ckpt.data-00000-of-00001    the tensors' bytes
 *   checkpoint                        text naming the latest prefix ("model_checkpoint_path: ...")
 */
import { ENGINE } from '../engine.js';
import { ValueError } from '../errors.js';
import { Tensor, Variable } from '../tensor.js';
import { CHECKPOINT_STATE_FILE, formatCheckpointState, parseCheckpointState } from './bundle/checkpoint_state.js';
import { BundleIndex, BundleReader, asBytes, shardFileName, type Bytes, type BundleTensor } from './bundle/read.js';
import { writeBundle } from './bundle/write.js';
import { loadFromSource, type LoadCheckpointOptions, type LoadReport, type SlotState } from './checkpoint_load.js';

/** A checkpoint held in memory: its index and shards, or files by name ('model.ckpt.index', ..., optionally 'checkpoint'). */
export type CheckpointFiles =
  { index: Bytes; data: readonly Bytes[] } | Readonly<Record<string, Bytes>> | ReadonlyMap<string, Bytes>;

/** Named tensors to save: Variables (by their TF names), or name -> Tensor. */
export type SaveTensors = readonly Variable[] | Readonly<Record<string, Tensor>> | ReadonlyMap<string, Tensor>;

export interface SaveCheckpointOptions {
  /** Also save this optimizer's state for the Variables being saved, under TF1's slot names. */
  optimizer?: SlotState;
  /** Saved as TF1's int64 scalar 'global_step'. */
  globalStep?: number;
  /** Number of `.data` shards (default 1). */
  numShards?: number;
}

const dirOf = (p: string): string => p.slice(0, p.lastIndexOf('/') + 1);
const baseOf = (p: string): string => p.slice(p.lastIndexOf('/') + 1);
const isAbsolute = (p: string): boolean => p.startsWith('/') || /^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(p);

/** Where a `checkpoint` file's path points: absolute as written, relative to the file's directory otherwise. */
export const resolveCheckpointPath = (stateFileDir: string, path: string): string =>
  isAbsolute(path) ? path : stateFileDir + path;

function bundleFromFiles(files: CheckpointFiles): BundleReader {
  if (files && typeof files === 'object' && 'index' in files && 'data' in files && Array.isArray(files.data)) {
    const f = files as { index: Bytes; data: readonly Bytes[] };
    return new BundleReader(BundleIndex.parse(f.index), f.data);
  }
  const map =
    files instanceof Map
      ? (files as ReadonlyMap<string, Bytes>)
      : new Map(Object.entries(files as Record<string, Bytes>));
  const state = [...map.keys()].filter((k) => baseOf(k) === CHECKPOINT_STATE_FILE);
  const indexes = [...map.keys()].filter((k) => k.endsWith('.index'));
  let prefix: string;
  if (state.length === 1) {
    const st = parseCheckpointState(new TextDecoder().decode(asBytes(map.get(state[0])!)), state[0]);
    prefix = resolveCheckpointPath(dirOf(state[0]), st.modelCheckpointPath);
  } else if (indexes.length === 1) prefix = indexes[0].slice(0, -'.index'.length);
  else
    throw new ValueError(
      `loadCheckpoint: cannot tell which checkpoint the files hold (${indexes.length} .index files, no single 'checkpoint' file): ${[...map.keys()].join(', ')}`,
    );
  const get = (name: string): Bytes => {
    const b = map.get(name);
    if (!b) throw new ValueError(`loadCheckpoint: the files have no ${name} (got ${[...map.keys()].join(', ')})`);
    return b;
  };
  const index = BundleIndex.parse(get(`${prefix}.index`), `${prefix}.index`);
  return new BundleReader(index, index.shardFileNames(prefix).map(get));
}

async function fetchBytes(url: string): Promise<Uint8Array> {
  let res: Response;
  try {
    res = await fetch(url);
  } catch (e) {
    throw new ValueError(`loadCheckpoint: cannot fetch ${url}: ${(e as Error).message}`);
  }
  if (!res.ok) throw new ValueError(`loadCheckpoint: fetching ${url} gave HTTP ${res.status} ${res.statusText}`);
  return new Uint8Array(await res.arrayBuffer());
}

/** Fetches a bundle by URL prefix ('/models/model.ckpt'), or by directory URL ending in '/' (reads its `checkpoint` file). */
async function bundleFromUrl(prefix: string): Promise<BundleReader> {
  if (prefix.endsWith('/')) {
    const stateUrl = prefix + CHECKPOINT_STATE_FILE;
    const st = parseCheckpointState(new TextDecoder().decode(await fetchBytes(stateUrl)), stateUrl);
    prefix = resolveCheckpointPath(prefix, st.modelCheckpointPath);
  }
  const index = BundleIndex.parse(await fetchBytes(`${prefix}.index`), `${prefix}.index`);
  const names = index.shardFileNames(prefix);
  return new BundleReader(index, await Promise.all(names.map(fetchBytes)), names);
}

/** Opens a checkpoint (URL prefix or directory URL, or in-memory files) for reading tensors by name. */
export async function openCheckpoint(prefixOrFiles: string | CheckpointFiles): Promise<BundleReader> {
  return typeof prefixOrFiles === 'string' ? bundleFromUrl(prefixOrFiles) : bundleFromFiles(prefixOrFiles);
}

/**
 * Assigns every variable from the checkpoint entry of its TF1 name (after `opts.map`), checking
 * names, shapes, dtypes and checksums first: on an error nothing has changed. Returns what was
 * loaded, missing, unexpected, mismatched, and the training state it left alone.
 */
export async function loadCheckpoint(
  prefixOrFiles: string | CheckpointFiles,
  opts: LoadCheckpointOptions,
): Promise<LoadReport> {
  return loadFromSource(await openCheckpoint(prefixOrFiles), opts);
}

function namedTensors(tensors: SaveTensors): [string, Tensor][] {
  const list: [string, Tensor][] = Array.isArray(tensors)
    ? tensors.map((v, i) => {
        if (!(v instanceof Variable))
          throw new TypeError(`saveCheckpoint: element ${i} of the variable list must be a Variable`);
        return [v.name, v];
      })
    : tensors instanceof Map
      ? [...(tensors as ReadonlyMap<string, Tensor>).entries()]
      : tensors !== null && typeof tensors === 'object'
        ? Object.entries(tensors as Record<string, Tensor>)
        : (() => {
            throw new TypeError('saveCheckpoint: expected a Variable[], a Record<name, Tensor> or a Map<name, Tensor>');
          })();
  for (const [name, t] of list) ENGINE.assertUsable(t, 'saveCheckpoint', `'${name}'`);
  return list;
}

/** The bundle tensors a save writes: the tensors, the optimizer's slots and global_step. */
export async function checkpointTensors(
  tensors: SaveTensors,
  opts: SaveCheckpointOptions = {},
): Promise<Map<string, BundleTensor>> {
  const list = namedTensors(tensors);
  const out = new Map<string, BundleTensor>();
  const add = (name: string, t: BundleTensor): void => {
    if (out.has(name)) throw new ValueError(`saveCheckpoint: two tensors are named '${name}'`);
    out.set(name, t);
  };
  const read = async (t: Tensor): Promise<BundleTensor> => ({
    dtype: t.dtype,
    shape: [...t.shape],
    values: (await t.data()).slice(),
  });
  for (const [name, t] of list) add(name, await read(t));
  if (opts.optimizer) {
    const vars = list.map(([, t]) => t).filter((t): t is Variable => t instanceof Variable);
    const slots = opts.optimizer.getSlots(vars);
    try {
      for (const [name, t] of Object.entries(slots)) add(name, await read(t));
    } finally {
      for (const t of Object.values(slots)) t.dispose();
    }
  }
  if (opts.globalStep !== undefined) {
    if (!Number.isSafeInteger(opts.globalStep))
      throw new ValueError(`saveCheckpoint: globalStep must be an integer, got ${opts.globalStep}`);
    add('global_step', { dtype: 'int64', shape: [], values: BigInt64Array.of(BigInt(opts.globalStep)) });
  }
  return out;
}

/**
 * Encodes a checkpoint in memory: returns its files by name (`${prefix}.index`, the shards and the
 * `checkpoint` file beside them, whose path is relative), ready to download or upload.
 */
export async function saveCheckpoint(
  prefix: string,
  tensors: SaveTensors,
  opts: SaveCheckpointOptions = {},
): Promise<Record<string, Uint8Array>> {
  if (typeof prefix !== 'string' || !baseOf(prefix))
    throw new ValueError(
      `saveCheckpoint: prefix must name a file prefix like 'model.ckpt', got ${JSON.stringify(prefix)}`,
    );
  const { index, data } = writeBundle(await checkpointTensors(tensors, opts), { numShards: opts.numShards });
  const n = data.length;
  const names = data.map((_, i) => shardFileName(prefix, i, n));
  const files: Record<string, Uint8Array> = { [`${prefix}.index`]: index };
  names.forEach((n, i) => {
    files[n] = data[i];
  });
  files[dirOf(prefix) + CHECKPOINT_STATE_FILE] = new TextEncoder().encode(
    formatCheckpointState({
      modelCheckpointPath: baseOf(prefix),
      allModelCheckpointPaths: [baseOf(prefix)],
    }),
  );
  return files;
}
