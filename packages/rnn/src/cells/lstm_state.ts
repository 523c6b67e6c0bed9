/** What the two LSTM cells share: TF1's LSTM equations and the state's layout. */
import {
  Tensor,
  add,
  clipByValue,
  concat,
  lstmBlock,
  mul,
  sigmoid,
  slice,
  split,
  tanh,
  ValueError,
  type Variable,
} from '@tapeflow/core';
import { fastPaths } from '../fast/switches.js';
import { describe, type Nest } from '../nest.js';
import { stateTensor, type Activation } from './rnn_cell.js';
import { LSTMStateTuple } from './state_tuple.js';

export interface LSTMTailOptions {
  activation: Activation;
  /** LSTMCell's diagonal peephole weights from c to the gates. */
  peep?: { f: Variable; i: Variable; o: Variable };
  cellClip?: number;
}

/**
 * TF1's LSTM step from the gate pre-activations [batch, 4u] (order i, j, f, o) and c:
 *   c' = sig(f + forgetBias + w_f c) c + sig(i + w_i c) act(j), clipped to [-cellClip, cellClip],
 *   h' = sig(o + w_o c') act(c')                     (no peephole terms without peepholes).
 * Returns [c', h']. BasicLSTMCell's case (tanh, no peepholes, no clipping) is core's lstmBlock,
 * the backend's fused kernel when it has one.
 */
export function lstmTail(
  gates: Tensor,
  c: Tensor,
  forgetBias: number,
  { activation: act, peep: p, cellClip }: LSTMTailOptions,
): [Tensor, Tensor] {
  if (!p && cellClip === undefined && act === tanh) return lstmBlock(gates, c, forgetBias, fastPaths.fusedKernels);
  const [i, j, f, o] = split(gates, 4, 1);
  let c2 = p
    ? add(mul(sigmoid(add(add(f, forgetBias), mul(p.f, c))), c), mul(sigmoid(add(i, mul(p.i, c))), act(j)))
    : add(mul(sigmoid(add(f, forgetBias)), c), mul(sigmoid(i), act(j)));
  if (cellClip !== undefined) c2 = clipByValue(c2, -cellClip, cellClip);
  return [c2, p ? mul(sigmoid(add(o, mul(p.o, c2))), act(c2)) : mul(sigmoid(o), act(c2))];
}

/** The state (c, h) as the cell keeps it: LSTMStateTuple(c, h), or concat([c, h], 1). */
export const packLSTMState = (c: Tensor, h: Tensor, isTuple: boolean): Nest<Tensor> =>
  isTuple ? new LSTMStateTuple(c, h) : concat([c, h], 1);

export function assertForgetBias(op: string, fb: unknown): number {
  if (fb === undefined) return 1;
  if (typeof fb !== 'number' || !Number.isFinite(fb))
    throw new ValueError(`${op}: forgetBias must be a finite number, got ${describe(fb)}`);
  return fb;
}

/**
 * [c, h] from an LSTMStateTuple (or a [c, h] pair) when stateIsTuple, else from the columns of
 * concat([c, h], 1): c is [batch, numUnits], h is [batch, hSize].
 */
export function unpackLSTMState(
  op: string,
  state: Nest<Tensor>,
  isTuple: boolean,
  x: Tensor,
  numUnits: number,
  hSize: number,
): [Tensor, Tensor] {
  if (isTuple) {
    const pair =
      state instanceof LSTMStateTuple ? [state.c, state.h] : Array.isArray(state) && state.length === 2 ? state : null;
    if (!pair)
      throw new TypeError(`${op}: with stateIsTuple the state must be an LSTMStateTuple(c, h), got ${describe(state)}`);
    return [stateTensor(op, 'state.c', pair[0], x, numUnits), stateTensor(op, 'state.h', pair[1], x, hSize)];
  }
  if (!(state instanceof Tensor))
    throw new TypeError(
      `${op}: with stateIsTuple false the state must be one Tensor concat([c, h], 1), got ${describe(state)}`,
    );
  const s = stateTensor(op, 'state', state, x, numUnits + hSize);
  return [slice(s, [0, 0], [-1, numUnits]), slice(s, [0, numUnits], [-1, hSize])];
}
