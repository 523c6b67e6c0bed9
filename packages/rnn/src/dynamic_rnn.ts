/**
 * dynamicRnn: TF1's tf.nn.dynamic_rnn in an eager engine.
 *
 * inputs is a Tensor or a nest of Tensors, each [batch, time, ...] (or [time, batch, ...] with
 * timeMajor). Each step the cell gets the nest of the step's slices; the per-step outputs are
 * stacked along the time axis and the final state is returned in the state's structure.
 * Slicing happens along the time axis of the inputs as given and outputs are stacked along the
 * same axis, so the step loop never transposes a tensor. Which path runs (the step loop, with
 * or without the hoisted input projection, or a whole-sequence node) is fast/dispatch.ts's choice.
 *
 * parallelIterations: TF's while_loop ran up to that many iterations' independent ops at once.
 * Eagerly, each step depends on the previous one and runs as soon as it is called, so the value
 * only gets validated (a positive integer) for compatibility; results never depend on it.
 * swapMemory: see unroll.ts - the activations kept for backprop go to host memory on backends
 * that implement offload (WebGL); a no-op elsewhere.
 */
import { pad, reshape, slice, stack, tidy, zeros, Tensor, ValueError, type DType } from '@tapeflow/core';
import { describe, flatten, packSequenceAs, type Nest } from './nest.js';
import { variableScope } from './naming.js';
import { RNNCell, assertLikeRNNCell, type RNNCellLike } from './cells/rnn_cell.js';
import { rnnPath } from './fast/dispatch.js';
import { fastRun } from './fast/projection.js';
import { recomputedRnn } from './recompute.js';
import { assertFloatInput, flatInputs, hostSequenceLengths, resolveInitialState, unroll } from './unroll.js';

export interface DynamicRnnOptions {
  /** int32 vector [batch] (Tensor or array): rows past their length output 0 and keep their state. */
  sequenceLength?: Tensor | ArrayLike<number>;
  initialState?: Nest<Tensor>;
  /** dtype of the zero initial state; required without initialState. */
  dtype?: DType;
  parallelIterations?: number;
  swapMemory?: boolean;
  timeMajor?: boolean;
  /** Variable scope of the cell's weights (default 'rnn'). */
  scope?: string;
  /** Backprop keeps O(sqrt T) steps of activations and recomputes the rest (recompute.ts). */
  recompute?: boolean;
  /** Recompute mode with segments of this many steps (default ceil(sqrt(T))). */
  checkpointEvery?: number;
}

export function dynamicRnn(
  cell: RNNCellLike,
  inputs: Nest<Tensor>,
  opts: DynamicRnnOptions = {},
): [Nest<Tensor>, Nest<Tensor>] {
  assertLikeRNNCell('cell', cell, 'dynamicRnn');
  if (opts === null || typeof opts !== 'object')
    throw new TypeError(`dynamicRnn: opts must be an object, got ${describe(opts)}`);
  const run = (x: Nest<Tensor>, o: DynamicRnnOptions): [Nest<Tensor>, Nest<Tensor>] =>
    dynamicRnnInScope('dynamicRnn', cell, x, o);
  return variableScope(opts.scope ?? 'rnn', () =>
    opts.recompute !== undefined || opts.checkpointEvery !== undefined
      ? recomputedRnn('dynamicRnn', cell, inputs, opts, run)
      : run(inputs, opts),
  );
}

export function assertLoopOptions(op: string, opts: { parallelIterations?: unknown; swapMemory?: unknown }): void {
  const p = opts.parallelIterations;
  if (p !== undefined && p !== null) {
    if (typeof p !== 'number') throw new TypeError(`${op}: parallelIterations must be a number, got ${describe(p)}`);
    if (!Number.isInteger(p) || p < 1)
      throw new ValueError(`${op}: parallelIterations must be a positive integer, got ${p}`);
  }
  if (opts.swapMemory !== undefined && typeof opts.swapMemory !== 'boolean') {
    throw new TypeError(`${op}: swapMemory must be a boolean, got ${describe(opts.swapMemory)}`);
  }
}

/** [time, batch] of the flat inputs, checked: rank >= 3, float, the same time and batch for all. */
export function timeAndBatch(op: string, flat: Tensor[], timeMajor: boolean, cell?: RNNCellLike): [number, number] {
  const [tAxis, bAxis] = timeMajor ? [0, 1] : [1, 0];
  const layout = timeMajor ? '[time, batch, depth...]' : '[batch, time, depth...]';
  flat.forEach((x, i) => {
    if (x.rank < 3)
      throw new ValueError(`${op}: inputs must have rank at least 3 ${layout}; input ${i} is ${describe(x)}`);
    assertFloatInput(op, x, cell);
  });
  const T = flat[0].shape[tAxis],
    B = flat[0].shape[bAxis];
  flat.forEach((x, i) => {
    if (x.shape[tAxis] !== T) {
      throw new ValueError(
        `${op}: Time steps is not the same for all the elements in the input in a batch: input 0 ${describe(flat[0])}, input ${i} ${describe(x)}`,
      );
    }
    if (x.shape[bAxis] !== B) {
      throw new ValueError(
        `${op}: Batch_size is not the same for all the elements in the input: input 0 ${describe(flat[0])}, input ${i} ${describe(x)}`,
      );
    }
  });
  return [T, B];
}

/** dynamicRnn inside the current variable scope (bidirectionalDynamicRnn opens its own). */
export function dynamicRnnInScope(
  op: string,
  cell: RNNCellLike,
  inputs: Nest<Tensor>,
  opts: DynamicRnnOptions,
): [Nest<Tensor>, Nest<Tensor>] {
  const flat = flatInputs(op, inputs);
  assertLoopOptions(op, opts);
  const timeMajor = opts.timeMajor ?? false;
  const tAxis = timeMajor ? 0 : 1;
  const [T, B] = timeAndBatch(op, flat, timeMajor, cell);
  const lengths = hostSequenceLengths(op, opts.sequenceLength, B);

  return tidy(() => {
    const state0 = resolveInitialState(op, cell, opts.initialState, opts.dtype, B, flat[0].dtype);
    if (T === 0) return emptyRun(cell, inputs, flat, state0, tAxis);

    const timeSlice = (x: Tensor, t: number): Tensor => {
      const begin = x.shape.map((_, i) => (i === tAxis ? t : 0));
      const size = x.shape.map((d, i) => (i === tAxis ? 1 : d));
      return reshape(
        slice(x, begin, size),
        x.shape.filter((_, i) => i !== tAxis),
      );
    };
    const path = rnnPath(cell, inputs, opts);
    const fast = path === 'steps' ? undefined : fastRun(path, cell as RNNCell, inputs as Tensor, timeMajor, timeSlice);
    if (fast?.sequence) return fast.sequence(state0, lengths);
    const r = unroll({
      op,
      cell,
      numSteps: T,
      initialState: state0,
      lengths,
      swapMemory: opts.swapMemory,
      inputAt: (t) =>
        packSequenceAs(
          inputs,
          flat.map((x) => timeSlice(x, t)),
        ),
      stepAt: fast?.stepAt,
    });
    const stacked = r.outputs[0].map((_, k) => {
      const y = stack(
        r.outputs.map((o) => o[k]),
        tAxis,
      );
      if (r.steps === T) return y;
      // Rows were all finished: the remaining steps output zeros (TF never writes them).
      return pad(
        y,
        y.shape.map((_, i) => (i === tAxis ? [0, T - r.steps] : [0, 0])),
      );
    });
    return [packSequenceAs(r.outputStructure, stacked), r.state] as [Nest<Tensor>, Nest<Tensor>];
  });
}

/**
 * No time steps: the outputs are empty and the state is the initial one. The cell still runs once
 * on zeros so its weights exist (TF builds the loop body either way).
 */
function emptyRun(
  cell: RNNCellLike,
  inputs: Nest<Tensor>,
  flat: Tensor[],
  state0: Nest<Tensor>,
  tAxis: number,
): [Nest<Tensor>, Nest<Tensor>] {
  const stepShape = (x: Tensor): number[] => x.shape.filter((_, i) => i !== tAxis);
  const [out] = cell.call(
    packSequenceAs(
      inputs,
      flat.map((x) => zeros(stepShape(x), x.dtype)),
    ),
    state0,
  );
  const empty = flatten(out).map((o) => {
    const s = [...o.shape];
    s.splice(tAxis, 0, 0);
    return zeros(s, o.dtype);
  });
  const state = packSequenceAs(
    state0,
    flatten(state0).map((s) => reshape(s, s.shape)),
  );
  return [packSequenceAs(out, empty), state];
}
