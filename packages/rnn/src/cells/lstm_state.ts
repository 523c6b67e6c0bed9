/** State handling shared by the two LSTM cells. */
import { Tensor, slice, ValueError } from '@tapeflow/core';
import { describe, type Nest } from '../nest.js';
import { stateTensor } from './rnn_cell.js';
import { LSTMStateTuple } from './state_tuple.js';

export function assertForgetBias(op: string, fb: unknown): number {
  if (fb === undefined) return 1;
  if (typeof fb !== 'number' || !Number.isFinite(fb)) throw new ValueError(`${op}: forgetBias must be a finite number, got ${describe(fb)}`);
  return fb;
}

/**
 * [c, h] from an LSTMStateTuple (or a [c, h] pair) when stateIsTuple, else from the columns of
 * concat([c, h], 1): c is [batch, numUnits], h is [batch, hSize].
 */
export function unpackLSTMState(op: string, state: Nest<Tensor>, isTuple: boolean, x: Tensor, numUnits: number, hSize: number): [Tensor, Tensor] {
  if (isTuple) {
    const pair = state instanceof LSTMStateTuple ? [state.c, state.h]
      : Array.isArray(state) && state.length === 2 ? state : null;
    if (!pair) throw new TypeError(`${op}: with stateIsTuple the state must be an LSTMStateTuple(c, h), got ${describe(state)}`);
    return [stateTensor(op, 'state.c', pair[0], x, numUnits), stateTensor(op, 'state.h', pair[1], x, hSize)];
  }
  if (!(state instanceof Tensor)) throw new TypeError(`${op}: with stateIsTuple false the state must be one Tensor concat([c, h], 1), got ${describe(state)}`);
  const s = stateTensor(op, 'state', state, x, numUnits + hSize);
  return [slice(s, [0, 0], [-1, numUnits]), slice(s, [0, numUnits], [-1, hSize])];
}
