/**
 * staticRnn: TF1's tf.nn.static_rnn. inputs is an array of T per-step inputs (each a [batch,
 * depth] Tensor or a nest of them); returns the array of T per-step outputs and the final state.
 * Same loop and sequenceLength semantics as dynamicRnn (steps past every length output zeros).
 */
import { tidy, zeros, ValueError, type DType, type Tensor } from '@tapeflow/core';
import { assertSameStructure, describe, flatten, packSequenceAs, type Nest } from './nest.js';
import { variableScope } from './naming.js';
import { assertLikeRNNCell, type RNNCellLike } from './cells/rnn_cell.js';
import { assertFloatInput, flatInputs, hostSequenceLengths, resolveInitialState, unroll } from './unroll.js';

export interface StaticRnnOptions {
  initialState?: Nest<Tensor>;
  dtype?: DType;
  sequenceLength?: Tensor | ArrayLike<number>;
  scope?: string;
}

export function staticRnn(
  cell: RNNCellLike,
  inputs: readonly Nest<Tensor>[],
  opts: StaticRnnOptions = {},
): [Nest<Tensor>[], Nest<Tensor>] {
  return staticRnnInScope('staticRnn', cell, inputs, opts, opts.scope ?? 'rnn');
}

/** staticRnn in the scope `scope`, or in the current one when null (staticBidirectionalRnn opens its own). */
export function staticRnnInScope(
  op: string,
  cell: RNNCellLike,
  inputs: readonly Nest<Tensor>[],
  opts: StaticRnnOptions,
  scope: string | null,
): [Nest<Tensor>[], Nest<Tensor>] {
  assertLikeRNNCell('cell', cell, op);
  // A plain boolean, not Array.isArray's guard: that would turn readonly Nest<Tensor>[] into any[].
  const isArray: boolean = Array.isArray(inputs);
  if (!isArray)
    throw new TypeError(`${op}: inputs must be a sequence (an array of per-step inputs), got ${describe(inputs)}`);
  if (inputs.length === 0) throw new ValueError(`${op}: inputs must not be empty`);
  const flats = inputs.map((x, t) => flatInputs(`${op}: step ${t}`, x));
  const B = flats[0][0].rank >= 1 ? flats[0][0].shape[0] : -1;
  flats.forEach((flat, t) => {
    if (t > 0) assertSameStructure(inputs[0], inputs[t]);
    flat.forEach((x, i) => {
      if (x.rank < 2)
        throw new ValueError(
          `${op}: Input must have rank at least 2 [batch, depth...]; step ${t} input ${i} is ${describe(x)}`,
        );
      if (x.shape[0] !== B)
        throw new ValueError(`${op}: batch size of step ${t} input ${i} ${describe(x)} differs from ${B} (step 0)`);
      assertFloatInput(op, x, cell);
    });
  });
  const lengths = hostSequenceLengths(op, opts.sequenceLength, B);

  const run = (): [Nest<Tensor>[], Nest<Tensor>] =>
    tidy(() => {
      const state0 = resolveInitialState(op, cell, opts.initialState, opts.dtype, B, flats[0][0].dtype);
      const r = unroll({ op, cell, numSteps: inputs.length, initialState: state0, lengths, inputAt: (t) => inputs[t] });
      const zerosLikeOut = (): Nest<Tensor> =>
        packSequenceAs(
          r.outputStructure,
          flatten(r.outputStructure).map((o) => zeros(o.shape, o.dtype)),
        );
      const outputs = inputs.map((_, t) =>
        t < r.steps ? packSequenceAs(r.outputStructure, r.outputs[t]) : zerosLikeOut(),
      );
      return [outputs, r.state] as [Nest<Tensor>[], Nest<Tensor>];
    });
  return scope === null ? run() : variableScope(scope, run);
}
