/**
 * bidirectionalDynamicRnn: TF1's tf.nn.bidirectional_dynamic_rnn. The forward cell reads the
 * inputs as given; the backward cell reads them reversed within each row's length
 * (reverseSequence, so padding stays at the end and the backward pass starts at each row's last
 * real step), and its outputs are reversed back. Scopes: bidirectional_rnn/fw and .../bw.
 * Returns [[outputsFw, outputsBw], [stateFw, stateBw]] (not concatenated).
 */
import { reverse, reverseSequence, tensor, tidy, ValueError, type DType, type Tensor } from '@tapeflow/core';
import { describe, mapStructure, type Nest } from './nest.js';
import { variableScope } from './naming.js';
import { assertLikeRNNCell, type RNNCellLike } from './cells/rnn_cell.js';
import { dynamicRnnInScope, type DynamicRnnOptions } from './dynamic_rnn.js';
import { flatInputs, hostSequenceLengths } from './unroll.js';

export interface BidirectionalDynamicRnnOptions {
  sequenceLength?: Tensor | ArrayLike<number>;
  initialStateFw?: Nest<Tensor>;
  initialStateBw?: Nest<Tensor>;
  dtype?: DType;
  parallelIterations?: number;
  swapMemory?: boolean;
  timeMajor?: boolean;
  /** Default 'bidirectional_rnn'. */
  scope?: string;
}

export function bidirectionalDynamicRnn(
  cellFw: RNNCellLike,
  cellBw: RNNCellLike,
  inputs: Nest<Tensor>,
  opts: BidirectionalDynamicRnnOptions = {},
): [[Nest<Tensor>, Nest<Tensor>], [Nest<Tensor>, Nest<Tensor>]] {
  const op = 'bidirectionalDynamicRnn';
  assertLikeRNNCell('cellFw', cellFw, op);
  assertLikeRNNCell('cellBw', cellBw, op);
  if (opts === null || typeof opts !== 'object')
    throw new TypeError(`${op}: opts must be an object, got ${describe(opts)}`);
  const timeMajor = opts.timeMajor ?? false;
  const [seqAxis, batchAxis] = timeMajor ? [0, 1] : [1, 0];
  const common: DynamicRnnOptions = {
    sequenceLength: opts.sequenceLength,
    dtype: opts.dtype,
    timeMajor,
    parallelIterations: opts.parallelIterations,
    swapMemory: opts.swapMemory,
  };
  return variableScope(opts.scope ?? 'bidirectional_rnn', () =>
    tidy(() => {
      const [outFw, stateFw] = variableScope('fw', () =>
        dynamicRnnInScope(op, cellFw, inputs, { ...common, initialState: opts.initialStateFw }),
      );
      // The inputs passed the forward checks, so the time and batch axes exist.
      const flat = flatInputs(op, inputs);
      const T = flat[0].shape[seqAxis];
      const lens = hostSequenceLengths(op, opts.sequenceLength, flat[0].shape[batchAxis]);
      lens?.forEach((len, b) => {
        if (len < 0 || len > T) {
          throw new ValueError(
            `${op}: sequenceLength[${b}] = ${len} must be in [0, ${T}] (the time steps) to reverse the sequence`,
          );
        }
      });
      const lensT = lens ? tensor(lens, [lens.length], 'int32') : null;
      const rev = (x: Tensor): Tensor => (lensT ? reverseSequence(x, lensT, seqAxis, batchAxis) : reverse(x, seqAxis));
      const [tmp, stateBw] = variableScope('bw', () =>
        dynamicRnnInScope(op, cellBw, mapStructure(rev, inputs), { ...common, initialState: opts.initialStateBw }),
      );
      const outBw = mapStructure(rev, tmp);
      return [
        [outFw, outBw],
        [stateFw, stateBw],
      ] as [[Nest<Tensor>, Nest<Tensor>], [Nest<Tensor>, Nest<Tensor>]];
    }),
  );
}
