/**
 * staticBidirectionalRnn: TF1's tf.nn.static_bidirectional_rnn. The forward cell reads the T
 * per-step inputs in order, the backward cell reads them reversed within each row's length (as
 * reverse_sequence does on their stack), and its outputs are reversed back; each step's output is
 * concat([fw, bw], 1) (leaf by leaf for nested outputs). Scopes: bidirectional_rnn/fw, .../bw.
 * Returns [outputs[], stateFw, stateBw].
 */
import {
  concat,
  reverseSequence,
  stack,
  tensor,
  tidy,
  unstack,
  ValueError,
  type DType,
  type Tensor,
} from '@tapeflow/core';
import { describe, flatten, mapStructure, packSequenceAs, type Nest } from './nest.js';
import { variableScope } from './naming.js';
import { assertLikeRNNCell, type RNNCellLike } from './cells/rnn_cell.js';
import { staticRnnInScope } from './static_rnn.js';
import { flatInputs, hostSequenceLengths } from './unroll.js';

export interface StaticBidirectionalRnnOptions {
  initialStateFw?: Nest<Tensor>;
  initialStateBw?: Nest<Tensor>;
  dtype?: DType;
  sequenceLength?: Tensor | ArrayLike<number>;
  /** Default 'bidirectional_rnn'. */
  scope?: string;
}

/** Steps reversed, within each row's length when lengths are given (TF's _reverse_seq). */
function reverseSteps(steps: readonly Nest<Tensor>[], lengths: Tensor | null): Nest<Tensor>[] {
  if (!lengths) return [...steps].reverse();
  const flat = steps.map((s) => flatten<Tensor>(s));
  const reversedLeaves = flat[0].map((_, leaf) =>
    unstack(
      reverseSequence(
        stack(
          flat.map((f) => f[leaf]),
          0,
        ),
        lengths,
        0,
        1,
      ),
      0,
    ),
  );
  return steps.map((s, t) =>
    packSequenceAs(
      s,
      reversedLeaves.map((leaf) => leaf[t]),
    ),
  );
}

export function staticBidirectionalRnn(
  cellFw: RNNCellLike,
  cellBw: RNNCellLike,
  inputs: readonly Nest<Tensor>[],
  opts: StaticBidirectionalRnnOptions = {},
): [Nest<Tensor>[], Nest<Tensor>, Nest<Tensor>] {
  const op = 'staticBidirectionalRnn';
  assertLikeRNNCell('cellFw', cellFw, op);
  assertLikeRNNCell('cellBw', cellBw, op);
  if (!Array.isArray(inputs))
    throw new TypeError(`${op}: inputs must be a sequence (an array of per-step inputs), got ${describe(inputs)}`);
  if (inputs.length === 0) throw new ValueError(`${op}: inputs must not be empty`);
  if (opts === null || typeof opts !== 'object')
    throw new TypeError(`${op}: opts must be an object, got ${describe(opts)}`);
  const first = flatInputs(op, inputs[0]);
  const T = inputs.length;
  const lens = hostSequenceLengths(op, opts.sequenceLength, first[0].rank >= 1 ? first[0].shape[0] : -1);
  lens?.forEach((len, b) => {
    if (len < 0 || len > T)
      throw new ValueError(
        `${op}: sequenceLength[${b}] = ${len} must be in [0, ${T}] (the number of steps) to reverse the sequence`,
      );
  });
  const common = { dtype: opts.dtype, sequenceLength: opts.sequenceLength };
  return variableScope(opts.scope ?? 'bidirectional_rnn', () =>
    tidy(() => {
      const [outFw, stateFw] = variableScope('fw', () =>
        staticRnnInScope(op, cellFw, inputs, { ...common, initialState: opts.initialStateFw }, null),
      );
      const lensT = lens ? tensor(lens, [lens.length], 'int32') : null;
      const [tmp, stateBw] = variableScope('bw', () =>
        staticRnnInScope(
          op,
          cellBw,
          reverseSteps(inputs, lensT),
          { ...common, initialState: opts.initialStateBw },
          null,
        ),
      );
      const outBw = reverseSteps(tmp, lensT);
      const outputs = outFw.map((fw, t) => mapStructure((a: Tensor, b: Tensor) => concat([a, b], 1), fw, outBw[t]));
      return [outputs, stateFw, stateBw] as [Nest<Tensor>[], Nest<Tensor>, Nest<Tensor>];
    }),
  );
}
