/**
 * Loading a bundle into variables by TF1 name, all or nothing: every variable is matched to a
 * checkpoint entry (through `map` if given), every shape and dtype compared, every needed value
 * read and checksummed, and only then is anything assigned.
 */
import type { DType } from '../dtypes.js';
import { ENGINE } from '../engine.js';
import { ValueError } from '../errors.js';
import { fmt, isList, shapesEqual } from '../shape.js';
import { Variable, type Tensor } from '../tensor.js';
import type { BundleTensor } from './bundle/read.js';
import type { WeightArray } from './weights.js';

/** What a load reads from: a bundle (BundleReader) or a tfjs weights manifest (weightsSource). */
export interface CheckpointSource {
  readonly names: readonly string[];
  entry(name: string): { dtype: string; shape: readonly number[] } | undefined;
  /** The checked value of one entry. */
  read(name: string): BundleTensor;
}

/** Decoded tfjs weights as a CheckpointSource. */
export function weightsSource(weights: ReadonlyMap<string, WeightArray>): CheckpointSource {
  return {
    names: [...weights.keys()],
    entry: (name) => weights.get(name),
    read: (name) => {
      const w = weights.get(name)!;
      return { dtype: w.dtype, shape: [...w.shape], values: w.values };
    },
  };
}

/** The optimizer state an optimizer exposes for checkpoints (@tapeflow/autograd's optimizers implement it). */
export interface SlotState {
  /** The state of `varList` keyed by TF1 name ('<var>/Adam', 'beta1_power', ...); the caller owns the tensors. */
  getSlots(varList?: readonly Variable[]): Record<string, Tensor>;
  /** Replaces that state (every key getSlots(varList) gives, same shapes and dtypes) or throws, changing nothing. */
  setSlots(slots: Readonly<Record<string, Tensor>>, varList: readonly Variable[]): void;
}

/** Renames a model variable to its checkpoint name: a function, or a record whose keys ending in '/' rename a scope. */
export type NameMap = ((variableName: string) => string | undefined) | Readonly<Record<string, string>>;

export interface LoadCheckpointOptions {
  /** The variables to restore, e.g. `cell.weights`, `model.variables` or rnn's `globalVariables()`. */
  variables: readonly Variable[];
  /** Model variable name -> checkpoint name, for a model saved under another scope ({'encoder/': 'rnn/'}). */
  map?: NameMap;
  /** Throw (changing nothing) if anything is missing, unexpected or mismatched (default true). */
  strict?: boolean;
  /** Also restore this optimizer's slots and step from the checkpoint. */
  optimizer?: SlotState;
}

export interface Mismatch {
  variable: string;
  checkpointName: string;
  model: string;
  checkpoint: string;
}

export interface LoadReport {
  /** Variables that were assigned. */
  loaded: string[];
  /** Variables whose checkpoint name is not in the checkpoint (`name` or `name <- checkpointName`). */
  missing: string[];
  /** Checkpoint entries nobody asked for that are not training state. */
  unexpected: string[];
  /** Checkpoint entries that are training state (optimizer slots, beta1_power, global_step, ...) and were not loaded. */
  trainingState: string[];
  mismatched: Mismatch[];
  /** The checkpoint's `global_step`, if it has one. */
  globalStep?: number;
}

/** TF1's optimizer slot and non-slot names (slots suffixed to the variable, a second optimizer adds `_1`). */
const TRAINING_STATE =
  /(^|\/)(Adam|Adam_1|Momentum|RMSProp|RMSProp_1|Adagrad|AdagradDA|Adadelta|Adadelta_1|Ftrl|Ftrl_1|ExponentialMovingAverage)(_\d+)?$|^(beta1_power|beta2_power)(_\d+)?$|^global_step$/;
export const isTrainingState = (name: string): boolean => TRAINING_STATE.test(name);

export function mapName(map: NameMap | undefined, name: string): string | undefined {
  if (map === undefined) return name;
  if (typeof map === 'function') return map(name);
  if (Object.hasOwn(map, name)) return map[name];
  // The longest matching scope wins, as in TF1's init_from_checkpoint assignment maps.
  const scope = Object.keys(map)
    .filter((k) => k.endsWith('/') && name.startsWith(k))
    .sort((a, b) => b.length - a.length)[0];
  return scope === undefined ? name : map[scope] + name.slice(scope.length);
}

const describe = (dtype: string, shape: readonly number[]): string => `${dtype} ${fmt(shape)}`;

/** A checkpoint value as a tensor of `dtype`: int64 narrows to int32 when every value fits. */
export function toTensorOf(t: BundleTensor, dtype: DType, name: string): Tensor {
  if (t.dtype === 'int64') {
    const v = t.values as BigInt64Array;
    const out = new Int32Array(v.length);
    for (let i = 0; i < v.length; i++) {
      if (v[i] > 2147483647n || v[i] < -2147483648n) {
        throw new ValueError(
          `loadCheckpoint: int64 tensor '${name}' holds ${v[i]}, which does not fit the int32 variable`,
        );
      }
      out[i] = Number(v[i]);
    }
    return ENGINE.write(out, t.shape, dtype);
  }
  return ENGINE.write(t.values as Exclude<BundleTensor['values'], BigInt64Array>, t.shape, dtype);
}

const fits = (ckpt: string, model: DType): boolean => ckpt === model || (ckpt === 'int64' && model === 'int32');

interface Wanted {
  name: string;
  checkpointName: string;
  shape: readonly number[];
  dtype: DType;
}

/** Restores `opts.variables` (and the optimizer's state) from an opened checkpoint. */
export function loadFromSource(reader: CheckpointSource, opts: LoadCheckpointOptions): LoadReport {
  if (!opts || !isList(opts.variables)) {
    throw new TypeError(
      'loadCheckpoint: opts.variables must be the Variables to restore (cell.weights, globalVariables(), ...)',
    );
  }
  opts.variables.forEach((v, i) => {
    if (!(v instanceof Variable)) throw new TypeError(`loadCheckpoint: variables[${i}] must be a Variable`);
    ENGINE.assertUsable(v, 'loadCheckpoint', `variables[${i}] ('${v.name}')`);
  });
  const strict = opts.strict ?? true;
  const wanted: Wanted[] = opts.variables.map((v) => {
    const to = mapName(opts.map, v.name);
    if (typeof to !== 'string' || !to)
      throw new ValueError(`loadCheckpoint: map gave ${JSON.stringify(to)} for variable '${v.name}'`);
    return { name: v.name, checkpointName: to, shape: v.shape, dtype: v.dtype };
  });
  const slotWanted: Wanted[] = [];
  if (opts.optimizer) {
    const slots = opts.optimizer.getSlots(opts.variables);
    for (const [name, t] of Object.entries(slots))
      slotWanted.push({ name, checkpointName: name, shape: t.shape, dtype: t.dtype });
    for (const t of Object.values(slots)) t.dispose();
  }
  const report: LoadReport = { loaded: [], missing: [], unexpected: [], trainingState: [], mismatched: [] };
  const seen = new Map<string, string>();
  const ok: Wanted[] = [];
  for (const w of [...wanted, ...slotWanted]) {
    const other = seen.get(w.checkpointName);
    if (other !== undefined)
      throw new ValueError(`loadCheckpoint: variables '${other}' and '${w.name}' both load '${w.checkpointName}'`);
    seen.set(w.checkpointName, w.name);
    const e = reader.entry(w.checkpointName);
    const label = w.name === w.checkpointName ? `'${w.name}'` : `'${w.name}' (as '${w.checkpointName}')`;
    if (!e) report.missing.push(label);
    else if (!fits(e.dtype, w.dtype) || !shapesEqual(e.shape, w.shape)) {
      report.mismatched.push({
        variable: w.name,
        checkpointName: w.checkpointName,
        model: describe(w.dtype, w.shape),
        checkpoint: describe(e.dtype, e.shape),
      });
    } else ok.push(w);
  }
  for (const name of reader.names) {
    if (seen.has(name)) continue;
    (isTrainingState(name) ? report.trainingState : report.unexpected).push(name);
  }
  const problems = [
    ...report.missing.map((m) => `${m} is missing from the checkpoint`),
    ...report.mismatched.map(
      (m) =>
        `'${m.variable}' is ${m.model} in the model but ` +
        (m.checkpointName === m.variable
          ? `${m.checkpoint} in the checkpoint`
          : `its checkpoint entry '${m.checkpointName}' is ${m.checkpoint}`),
    ),
    ...report.unexpected.map((u) => `'${u}' in the checkpoint matches no variable`),
  ];
  if (strict && problems.length) {
    throw new ValueError(
      `loadCheckpoint: the checkpoint does not fit the model (nothing was changed; pass strict: false to load what fits): ${problems.join('; ')}`,
    );
  }
  const badSlots = slotWanted.filter((w) => !ok.includes(w)).map((w) => w.name);
  if (badSlots.length) {
    // Half an optimizer state is no state: restoring it is all or nothing even when not strict.
    throw new ValueError(
      `loadCheckpoint: the checkpoint lacks or mismatches optimizer state ${badSlots.map((n) => `'${n}'`).join(', ')} ` +
        '(nothing was changed; leave out opts.optimizer to load the weights only)',
    );
  }
  // Read (and checksum) every value before assigning any.
  const values = new Map(ok.map((w) => [w, reader.read(w.checkpointName)]));
  const step = reader.entry('global_step');
  if (step && step.shape.length === 0 && (step.dtype === 'int64' || step.dtype === 'int32')) {
    const v = reader.read('global_step').values;
    report.globalStep = Number(v[0]);
  }
  const tensors = new Map<Wanted, Tensor>();
  try {
    for (const [w, t] of values) tensors.set(w, toTensorOf(t, w.dtype, w.checkpointName));
    if (opts.optimizer && slotWanted.length) {
      opts.optimizer.setSlots(Object.fromEntries(slotWanted.map((w) => [w.name, tensors.get(w)!])), opts.variables);
      report.loaded.push(...slotWanted.map((w) => w.name));
    }
    const byName = new Map(opts.variables.map((v) => [v.name, v]));
    for (const w of wanted) {
      const t = tensors.get(w);
      if (t) {
        byName.get(w.name)!.assign(t);
        report.loaded.push(w.name);
      }
    }
  } finally {
    // An assigned variable shares its value's storage, so the temporaries can go.
    for (const t of tensors.values()) t.dispose();
  }
  return report;
}
