/**
 * TF1's DropoutWrapper: dropout on the cell's inputs, then on its new state, then on its output,
 * each with its own keep probability (1 = off). A kept value is scaled by 1/keep, so expectations
 * are unchanged. The c part of an LSTMStateTuple is never dropped (TF's default state filter).
 *
 * Masks: by default a fresh mask per call (per time step). With variationalRecurrent one mask per
 * input / state / output tensor, of shape [1, depth], is drawn on the first step of an unroll and
 * shared by every step and every batch row (Gal & Ghahramani); the unrollers call
 * resetSequenceState() so the next unroll draws new masks, as a new session.run does in TF1.
 * With a seed the masks are reproducible: mask k of stream s (input/state/output, tensor index i)
 * depends only on (seed, s, i, k).
 *
 * A keep probability may be a scalar Tensor, e.g. a Variable assigned 0.8 while training and 1
 * for evaluation (TF1's keep_prob placeholder): it is read, and checked, at every call. Which
 * parts of the state are dropped is decided by `dropoutStateFilterVisitor`, called on the state
 * and, where it answers true, on each part in turn (TF's get_traverse_shallow_structure).
 */
import {
  cast,
  greaterEqual,
  isFloat,
  keep,
  mul,
  randomUniform,
  tidy,
  Tensor,
  ValueError,
  type DType,
  type Variable,
} from '@tapeflow/core';
import { children, describe, flatten, isNested, packSequenceAs, type Nest } from '../nest.js';
import { RNNCell, assertLikeRNNCell, type RNNCellLike, type StepResult } from './rnn_cell.js';
import { LSTMStateTuple } from './state_tuple.js';

/** A keep probability: a number in [0, 1], or a scalar float Tensor read when the cell is called. */
export type KeepProb = number | Tensor;

/**
 * Called on the state and its parts: false keeps a part from dropout, true drops a leaf or asks
 * about a part's children, a structure of booleans answers for each child at once.
 */
export type DropoutStateFilter = (substate: Nest<Tensor>) => Nest<boolean>;

export interface DropoutWrapperOptions {
  inputKeepProb?: KeepProb;
  outputKeepProb?: KeepProb;
  stateKeepProb?: KeepProb;
  /** Which parts of the state to drop; default: all but the c of every LSTMStateTuple (TF's default). */
  dropoutStateFilterVisitor?: DropoutStateFilter;
  variationalRecurrent?: boolean;
  seed?: number;
}

type Stream = 'input' | 'state' | 'output';

function keepProb(name: string, v: unknown): KeepProb {
  if (v === undefined) return 1;
  if (v instanceof Tensor) {
    if (v.size !== 1 || !isFloat(v.dtype))
      throw new ValueError(
        `DropoutWrapper: parameter ${name} must be a scalar float Tensor or a number, got ${describe(v)}`,
      );
    return v;
  }
  if (typeof v !== 'number' || !(v >= 0 && v <= 1))
    throw new ValueError(`DropoutWrapper: parameter ${name} must be between 0 and 1: ${describe(v)}`);
  return v;
}

/** The keep probability's value now: a Tensor's is read (and checked) at each call. */
function keepValue(name: string, p: KeepProb): number {
  if (typeof p === 'number') return p;
  const v = p.dataSync()[0];
  if (!(v >= 0 && v <= 1))
    throw new ValueError(`DropoutWrapper: parameter ${name} must be between 0 and 1, the tensor holds ${v}`);
  return v;
}

/** FNV-1a of a string: a 31-bit seed per (wrapper seed, stream, index, draw). */
function hashSeed(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) & 0x7fffffff;
}

/** TF's default filter: never the memory c of an LSTMStateTuple, everything else. */
export const defaultDropoutStateFilter: DropoutStateFilter = (s) =>
  s instanceof LSTMStateTuple ? new LSTMStateTuple(false, true) : true;

/** Which leaves of a state (in flatten order) the filter lets dropout touch. */
function droppableLeaves(state: Nest<Tensor>, filter: DropoutStateFilter): boolean[] {
  const none = (x: Nest<Tensor>): boolean[] => flatten(x).map(() => false);
  const bad = (what: unknown): never => {
    throw new TypeError(
      `DropoutWrapper: dropoutStateFilterVisitor must return a boolean or a structure of booleans for each part, got ${describe(what)}`,
    );
  };
  const walk = (x: Nest<Tensor>): boolean[] => {
    const answer = filter(x);
    if (!isNested(x)) return typeof answer === 'boolean' ? [answer] : bad(answer);
    const parts = children(x) as Nest<Tensor>[];
    if (typeof answer === 'boolean') return answer ? parts.flatMap(walk) : none(x);
    if (!isNested(answer)) bad(answer);
    const each = children(answer);
    if (each.length !== parts.length) bad(answer);
    return parts.flatMap((part, i) => (each[i] === true ? walk(part) : each[i] === false ? none(part) : bad(each[i])));
  };
  return walk(state);
}

export class DropoutWrapper extends RNNCell {
  readonly inputKeepProb: KeepProb;
  readonly outputKeepProb: KeepProb;
  readonly stateKeepProb: KeepProb;
  readonly dropoutStateFilterVisitor: DropoutStateFilter;
  readonly variationalRecurrent: boolean;
  readonly seed?: number;
  private readonly draws = new Map<string, number>();
  /** Variational masks of the current sequence, by `${stream}_${index}`. */
  private readonly masks = new Map<string, Tensor>();

  constructor(
    readonly cell: RNNCellLike,
    opts: DropoutWrapperOptions = {},
  ) {
    super('dropout_wrapper');
    assertLikeRNNCell('cell', cell, 'DropoutWrapper');
    this.ownsScope = false;
    this.inputKeepProb = keepProb('inputKeepProb', opts.inputKeepProb);
    this.outputKeepProb = keepProb('outputKeepProb', opts.outputKeepProb);
    this.stateKeepProb = keepProb('stateKeepProb', opts.stateKeepProb);
    if (opts.dropoutStateFilterVisitor !== undefined && typeof opts.dropoutStateFilterVisitor !== 'function') {
      throw new TypeError(
        `DropoutWrapper: dropoutStateFilterVisitor must be a function, got ${describe(opts.dropoutStateFilterVisitor)}`,
      );
    }
    this.dropoutStateFilterVisitor = opts.dropoutStateFilterVisitor ?? defaultDropoutStateFilter;
    this.variationalRecurrent = opts.variationalRecurrent ?? false;
    if (opts.seed !== undefined && !Number.isFinite(opts.seed))
      throw new ValueError(`DropoutWrapper: seed must be a finite number, got ${opts.seed}`);
    this.seed = opts.seed;
  }

  get stateSize(): Nest<number> {
    return this.cell.stateSize;
  }
  get outputSize(): Nest<number> {
    return this.cell.outputSize;
  }
  override zeroState(batchSize: number, dtype: DType = 'float32'): Nest<Tensor> {
    return this.cell.zeroState(batchSize, dtype);
  }
  override get weights(): Variable[] {
    return this.cell instanceof RNNCell ? this.cell.weights : [];
  }

  protected step(inputs: Nest<Tensor>, state: Nest<Tensor>): StepResult {
    const [inK, stK, outK] = [
      keepValue('inputKeepProb', this.inputKeepProb),
      keepValue('stateKeepProb', this.stateKeepProb),
      keepValue('outputKeepProb', this.outputKeepProb),
    ];
    if (inK < 1) inputs = this.dropout(inputs, 'input', inK);
    const [output, newState] = this.cell.call(inputs, state);
    const s =
      stK < 1
        ? this.dropout(newState, 'state', stK, droppableLeaves(newState, this.dropoutStateFilterVisitor))
        : newState;
    const o = outK < 1 ? this.dropout(output, 'output', outK) : output;
    return [o, s];
  }

  private dropout(values: Nest<Tensor>, stream: Stream, keepP: number, droppable?: boolean[]): Nest<Tensor> {
    // TF1's dropout rejects keep_prob 0 when the graph is built, i.e. when the cell is called.
    if (keepP === 0)
      throw new ValueError(`DropoutWrapper: ${stream}KeepProb is 0; dropout needs a keep probability in (0, 1]`);
    const flat = flatten(values);
    return packSequenceAs(
      values,
      flat.map((v, i) => {
        if (droppable && !droppable[i]) return v;
        if (!(v instanceof Tensor))
          throw new TypeError(`DropoutWrapper: ${stream} ${i} must be a Tensor, got ${describe(v)}`);
        return mul(v, this.scaledMask(stream, i, v, keepP));
      }),
    );
  }

  /** mask / keep, with mask = floor(keep + U[0,1)) = (U >= 1 - keep), as TF's dropout draws it. */
  private scaledMask(stream: Stream, index: number, v: Tensor, keepP: number): Tensor {
    const key = `${stream}_${index}`;
    const cached = this.variationalRecurrent ? this.masks.get(key) : undefined;
    if (cached) return cached;
    const shape = this.variationalRecurrent ? [1, ...v.shape.slice(1)] : v.shape;
    const mask = tidy(() => {
      const u = randomUniform(shape, { dtype: v.dtype, seed: this.nextSeed(key) });
      return mul(cast(greaterEqual(u, 1 - keepP), v.dtype), 1 / keepP);
    });
    if (this.variationalRecurrent) this.masks.set(key, keep(mask));
    return mask;
  }

  private nextSeed(key: string): number | undefined {
    if (this.seed === undefined) return undefined;
    const k = this.draws.get(key) ?? 0;
    this.draws.set(key, k + 1);
    return hashSeed(`${this.seed}:${key}:${k}`);
  }

  /** Drops the variational masks, so the next step draws new ones. */
  override resetSequenceState(): void {
    for (const m of this.masks.values()) m.dispose();
    this.masks.clear();
    this.cell.resetSequenceState?.();
  }

  override dispose(): void {
    this.resetSequenceState();
    if (this.cell instanceof RNNCell) this.cell.dispose();
  }
}
