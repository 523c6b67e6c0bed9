/**
 * stackBidirectionalDynamicRnn: tf.contrib.rnn.stack_bidirectional_dynamic_rnn. Layer i runs
 * bidirectionalDynamicRnn(cellsFw[i], cellsBw[i]) on the previous layer's concat([fw, bw], 2)
 * (the inputs for layer 0), in the scope 'stack_bidirectional_rnn/cell_<i>' (its own
 * 'bidirectional_rnn/fw|bw' below that, as in TF). Returns [outputs, statesFw[], statesBw[]],
 * outputs being the last layer's concatenation.
 */
import { concat, tidy, ValueError, type DType, type Tensor } from '@tapeflow/core';
import { describe, type Nest } from './nest.js';
import { variableScope } from './naming.js';
import type { RNNCellLike } from './cells/rnn_cell.js';
import { bidirectionalDynamicRnn } from './bidirectional.js';

export interface StackBidirectionalDynamicRnnOptions {
  /** One initial state per layer (optional). */
  initialStatesFw?: readonly Nest<Tensor>[];
  initialStatesBw?: readonly Nest<Tensor>[];
  dtype?: DType;
  sequenceLength?: Tensor | ArrayLike<number>;
  parallelIterations?: number;
  timeMajor?: boolean;
  swapMemory?: boolean;
  /** Default 'stack_bidirectional_rnn'. */
  scope?: string;
}

export function stackBidirectionalDynamicRnn(
  cellsFw: readonly RNNCellLike[],
  cellsBw: readonly RNNCellLike[],
  inputs: Tensor,
  opts: StackBidirectionalDynamicRnnOptions = {},
): [Tensor, Nest<Tensor>[], Nest<Tensor>[]] {
  const op = 'stackBidirectionalDynamicRnn';
  if (!nonEmptyArray(cellsFw))
    throw new ValueError(
      `${op}: cellsFw must be a non-empty array of RNNCells (one per layer), got ${describe(cellsFw)}`,
    );
  if (!nonEmptyArray(cellsBw))
    throw new ValueError(
      `${op}: cellsBw must be a non-empty array of RNNCells (one per layer), got ${describe(cellsBw)}`,
    );
  if (cellsFw.length !== cellsBw.length) {
    throw new ValueError(
      `${op}: Forward and Backward cells must have the same depth: ${cellsFw.length} fw vs ${cellsBw.length} bw cells`,
    );
  }
  if (opts === null || typeof opts !== 'object')
    throw new TypeError(`${op}: opts must be an object, got ${describe(opts)}`);
  for (const [arg, states] of [
    ['initialStatesFw', opts.initialStatesFw],
    ['initialStatesBw', opts.initialStatesBw],
  ] as const) {
    if (states !== undefined && (!Array.isArray(states) || states.length !== cellsFw.length)) {
      throw new ValueError(
        `${op}: ${arg} must be an array of ${cellsFw.length} states (one per layer), got ${describe(states)}`,
      );
    }
  }
  const { initialStatesFw, initialStatesBw, scope, ...common } = opts;
  return variableScope(scope ?? 'stack_bidirectional_rnn', () =>
    tidy(() => {
      const statesFw: Nest<Tensor>[] = [],
        statesBw: Nest<Tensor>[] = [];
      let layer = inputs;
      cellsFw.forEach((cellFw, i) => {
        const [[fw, bw], [sFw, sBw]] = variableScope(`cell_${i}`, () =>
          bidirectionalDynamicRnn(cellFw, cellsBw[i], layer, {
            ...common,
            initialStateFw: initialStatesFw?.[i],
            initialStateBw: initialStatesBw?.[i],
          }),
        );
        layer = concat([fw as Tensor, bw as Tensor], 2);
        statesFw.push(sFw);
        statesBw.push(sBw);
      });
      return [layer, statesFw, statesBw] as [Tensor, Nest<Tensor>[], Nest<Tensor>[]];
    }),
  );
}

/** Checked without narrowing: Array.isArray would turn a readonly RNNCellLike[] into any[]. */
function nonEmptyArray(x: readonly unknown[]): boolean {
  return Array.isArray(x) && x.length > 0;
}
