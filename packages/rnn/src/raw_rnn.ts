/**
 * rawRnn: TF1's tf.nn.raw_rnn, the fully general loop. loopFn decides each step's input, when
 * each row is finished and what to emit:
 *
 *   loopFn(time, cellOutput, cellState, loopState)
 *     -> [finished, nextInput, nextState, emitOutput, nextLoopState]
 *
 * At time 0 it is called with cellOutput = cellState = loopState = null and returns the first
 * input, the initial state, and an emit structure (null: cell.outputSize) whose shapes, like
 * TF's, leave out the batch: each step emits [batch, ...shape]. The loop runs while some row is not finished. Rows that were finished
 * before a step emit zeros and keep their state through it. `time` is a JS number (TF passes a
 * scalar tensor), `finished` a bool Tensor [batch] or an array of booleans; emitOutput may be
 * null to emit the cell output; a null nextLoopState keeps the previous loop state.
 *
 * Returns [emit, finalState, finalLoopState]: emit holds the emits stacked time-major
 * ([time, batch, ...], what TF's emit_ta.stack() gives); finalLoopState is null when loopFn
 * gave no initial loop state.
 */
import { stack, tidy, zeros, Tensor, ValueError } from '@tapeflow/core';
import { assertSameStructure, describe, flatten, mapStructure, packSequenceAs, type Nest } from './nest.js';
import { variableScope } from './naming.js';
import { assertLikeRNNCell, type RNNCellLike } from './cells/rnn_cell.js';
import { assertLoopOptions } from './dynamic_rnn.js';
import { assertTensor, finishedRows, flatInputs, maskStep } from './unroll.js';

export type LoopFnResult = [
  finished: Tensor | readonly boolean[],
  nextInput: Nest<Tensor>,
  nextState: Nest<Tensor>,
  emitOutput: Nest<Tensor> | null,
  nextLoopState: unknown,
];
export type LoopFn = (
  time: number,
  cellOutput: Nest<Tensor> | null,
  cellState: Nest<Tensor> | null,
  loopState: unknown,
) => LoopFnResult;

export interface RawRnnOptions {
  parallelIterations?: number;
  swapMemory?: boolean;
  scope?: string;
}

const op = 'rawRnn';

function callLoopFn(loopFn: LoopFn, ...args: Parameters<LoopFn>): LoopFnResult {
  const r = loopFn(...args);
  if (!Array.isArray(r) || r.length !== 5) {
    throw new TypeError(
      `${op}: loopFn must return [finished, nextInput, nextState, emitOutput, nextLoopState], got ${describe(r)}`,
    );
  }
  return r;
}

function readFinished(f: unknown, batch: number, time: number): boolean[] {
  let vals: boolean[];
  if (f instanceof Tensor) {
    if (f.dtype !== 'bool' || f.rank !== 1)
      throw new ValueError(`${op}: finished at time ${time} must be a bool vector [batch], got ${describe(f)}`);
    vals = Array.from(f.dataSync(), (v) => v !== 0);
  } else if (Array.isArray(f) && f.every((v) => typeof v === 'boolean')) vals = f;
  else
    throw new TypeError(
      `${op}: finished at time ${time} must be a bool Tensor or an array of booleans, got ${describe(f)}`,
    );
  if (vals.length !== batch)
    throw new ValueError(`${op}: finished at time ${time} has ${vals.length} entries, the batch size is ${batch}`);
  return vals;
}

export function rawRnn(
  cell: RNNCellLike,
  loopFn: LoopFn,
  opts: RawRnnOptions = {},
): [Nest<Tensor>, Nest<Tensor>, unknown] {
  assertLikeRNNCell('cell', cell, op);
  if (typeof loopFn !== 'function') throw new TypeError(`${op}: loopFn must be a function, got ${describe(loopFn)}`);
  assertLoopOptions(op, opts);
  return variableScope(opts.scope ?? 'rnn', () =>
    tidy(() => {
      const init = callLoopFn(loopFn, 0, null, null, null);
      const [, firstInput, initialState, emitStructure, initialLoopState] = init;
      const flatIn = flatInputs(op, firstInput);
      const B = flatIn[0].shape[0];
      if (initialState === null || initialState === undefined)
        throw new ValueError(`${op}: loopFn must return the initial state at time 0`);
      const stateLeaves = flatten(initialState);
      stateLeaves.forEach((s, i) => assertTensor(op, `initial state ${i}`, s));
      const dtype = stateLeaves[0].dtype;
      const zeroEmit =
        emitStructure === null || emitStructure === undefined
          ? mapStructure((n: number) => zeros([B, n], dtype), cell.outputSize)
          : mapStructure((e: Tensor) => {
              assertTensor(op, 'emit structure', e);
              return zeros([B, ...e.shape], e.dtype);
            }, emitStructure);

      let finished = readFinished(init[0], B, 0);
      let input = firstInput;
      let state = initialState;
      let loopState = initialLoopState ?? null;
      const emits: Tensor[][] = [];
      cell.resetSequenceState?.();
      try {
        // TF builds the loop body even if it never runs: the cell's variables exist afterwards.
        if (finished.every((f) => f))
          tidy(() => {
            cell.call(input, state);
          });
        for (let time = 0; finished.some((f) => !f); time++) {
          const done = finished.some((f) => f) ? finished : null;
          const step = tidy(() => {
            const [out, cellState] = cell.call(input, state);
            assertSameStructure(state, cellState);
            assertSameStructure(cell.outputSize, out);
            const [nextFinished, nextInput, nextState, emitOut, nextLoopState] = callLoopFn(
              loopFn,
              time + 1,
              out,
              cellState,
              loopState,
            );
            assertSameStructure(state, nextState);
            assertSameStructure(input, nextInput);
            const emit = emitOut ?? out;
            assertSameStructure(zeroEmit, emit);
            // Rows finished before this step emit zeros and keep their state.
            const [emitted, kept] = maskStep(
              done && finishedRows(done.map(Number)),
              flatten(emit),
              flatten(nextState),
              flatten(state),
            );
            return {
              emit: emitted,
              state: packSequenceAs(state, kept),
              input: nextInput,
              loopState: nextLoopState ?? loopState,
              nextFinished,
            };
          });
          const next = readFinished(step.nextFinished, B, time + 1);
          finished = finished.map((f, b) => f || next[b]);
          emits.push(step.emit);
          state = step.state;
          input = step.input;
          loopState = step.loopState;
        }
      } finally {
        cell.resetSequenceState?.();
      }
      const zeroLeaves = flatten(zeroEmit);
      const stacked = zeroLeaves.map((z, k) =>
        emits.length
          ? stack(
              emits.map((e) => e[k]),
              0,
            )
          : zeros([0, ...z.shape], z.dtype),
      );
      return [
        packSequenceAs(zeroEmit, stacked),
        state,
        initialLoopState === null || initialLoopState === undefined ? null : loopState,
      ] as [Nest<Tensor>, Nest<Tensor>, unknown];
    }),
  );
}
