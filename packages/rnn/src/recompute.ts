/**
 * dynamicRnn's opt-in recompute mode (`recompute: true`, or `checkpointEvery: k`): the time axis
 * is cut into segments of k steps (default ceil(sqrt(T))), each run as an ordinary dynamicRnn
 * inside autograd's checkpoint(). Backprop then keeps only each segment's starting state and
 * input slice, and reruns one segment at a time when the backward pass reaches it: about
 * T/k + k steps of activations alive instead of T (O(sqrt T) with the default), for about one
 * extra forward pass. Results and gradients are those of the plain unroll.
 */
import { checkpoint } from '@tapeflow/autograd';
import { concat, slice, tidy, Tensor, ValueError, type DType } from '@tapeflow/core';
import { describe, flatten, packSequenceAs, type Nest } from './nest.js';
import type { RNNCellLike } from './cells/rnn_cell.js';
import { flatInputs, hostSequenceLengths, resolveInitialState } from './unroll.js';

export interface RecomputeOptions {
  sequenceLength?: Tensor | ArrayLike<number>;
  initialState?: Nest<Tensor>;
  dtype?: DType;
  timeMajor?: boolean;
  recompute?: boolean;
  checkpointEvery?: number;
}

/** Segment length k asked for by the options, or 0 when recompute is off. */
export function recomputeEvery(op: string, opts: RecomputeOptions, numSteps: number): number {
  const { recompute, checkpointEvery: every } = opts;
  if (recompute !== undefined && typeof recompute !== 'boolean')
    throw new TypeError(`${op}: recompute must be a boolean, got ${describe(recompute)}`);
  if (every !== undefined) {
    if (typeof every !== 'number' || !Number.isInteger(every) || every < 1) {
      throw new ValueError(`${op}: checkpointEvery must be a positive integer, got ${describe(every)}`);
    }
    if (recompute === false) throw new ValueError(`${op}: checkpointEvery given with recompute: false`);
    return every;
  }
  return recompute ? Math.max(1, Math.ceil(Math.sqrt(numSteps))) : 0;
}

type Unroller = (inputs: Nest<Tensor>, opts: RecomputeOptions) => [Nest<Tensor>, Nest<Tensor>];

/**
 * The segmented unroll (or `run` as is when recompute is off). `run` is dynamicRnn itself,
 * called once per segment with the segment's inputs, lengths relative to its start, and the
 * previous segment's state.
 */
export function recomputedRnn(
  op: string,
  cell: RNNCellLike,
  inputs: Nest<Tensor>,
  opts: RecomputeOptions,
  run: Unroller,
): [Nest<Tensor>, Nest<Tensor>] {
  const flat = flatInputs(op, inputs);
  const tAxis = opts.timeMajor ? 0 : 1;
  const T = flat[0].shape[tAxis];
  const k = recomputeEvery(op, opts, T ?? 0);
  if (k === 0 || T === undefined || T <= k) return run(inputs, opts); // off, or one segment: nothing to gain
  const B = flat[0].shape[1 - tAxis];
  const lengths = hostSequenceLengths(op, opts.sequenceLength, B);
  return tidy(() => {
    let state = resolveInitialState(op, cell, opts.initialState, opts.dtype, B, flat[0].dtype);
    const outs: Tensor[][] = [];
    let structure: Nest<Tensor> = [];
    for (let start = 0; start < T; start += k) {
      const n = Math.min(k, T - start);
      const piece = flat.map((x) =>
        slice(
          x,
          x.shape.map((_, i) => (i === tAxis ? start : 0)),
          x.shape.map((d, i) => (i === tAxis ? n : d)),
        ),
      );
      const stateIn = state,
        stateLeaves = flatten(state);
      // Reads only its arguments (and the cell's weights): the backward pass reruns it as is.
      const segment = checkpoint((...xs: Tensor[]): Tensor[] => {
        const [o, s] = run(packSequenceAs(inputs, xs.slice(stateLeaves.length)), {
          ...opts,
          initialState: packSequenceAs(stateIn, xs.slice(0, stateLeaves.length)),
          sequenceLength: lengths?.map((len) => Math.max(0, Math.min(n, len - start))),
        });
        structure = o;
        return [...flatten(o), ...flatten(s)];
      });
      const ys = segment(...stateLeaves, ...piece);
      const numOut = ys.length - stateLeaves.length;
      outs.push(ys.slice(0, numOut));
      state = packSequenceAs(state, ys.slice(numOut));
    }
    const outputs = outs[0].map((_, j) =>
      concat(
        outs.map((o) => o[j]),
        tAxis,
      ),
    );
    return [packSequenceAs(structure, outputs), state] as [Nest<Tensor>, Nest<Tensor>];
  });
}
