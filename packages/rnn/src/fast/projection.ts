/**
 * The input projection hoisted out of the time loop, and the paths built on it (dispatch.ts
 * chooses): one matmul over all time * batch rows computes x K[:depth] + b for every step of a
 * cell whose step splits (SplitStep); then either the loop runs only each step's recurrent rest
 * ('hoisted'), or a whole-sequence node runs every step at once ('sequence', 'layers').
 *
 * The sequence nodes work time-major, so each step's rows are contiguous: they get the inputs
 * (or projections) transposed, and their outputs come back as a transposed view.
 */
import {
  add,
  concat,
  matmul,
  reshape,
  slice,
  split,
  tidy,
  transpose,
  type Tensor,
  type Variable,
} from '@tapeflow/core';
import { variableScope } from '../naming.js';
import type { Nest } from '../nest.js';
import type { MultiRNNCell } from '../cells/multi.js';
import type { RNNCell, SequenceState, SplitStep, StepResult } from '../cells/rnn_cell.js';
import type { RnnPath } from './dispatch.js';
import { gruSequence } from './gru_sequence.js';
import { lstmSequence } from './lstm_sequence.js';
import { rowsOf, type SequenceInputs } from './sequence_node.js';

/**
 * kernel [depth + h, k] (TF1's layout, kept for checkpoints) -> [rows 0..depth, rows depth..]:
 * the input weights and the recurrent weights, sliced once per unroll. The slices are recorded,
 * so their gradients flow back to the one Variable.
 */
export function splitKernelRows(kernel: Variable, depth: number): [Tensor, Tensor] {
  const [rows, k] = kernel.shape;
  return [slice(kernel, [0, 0], [depth, k]), slice(kernel, [depth, 0], [rows - depth, k])];
}

/** A split step with its kernels cut for inputs of `depth`: every kernel's input rows side by side. */
export interface Projection {
  /** Input rows [depth, sum k] and bias [sum k] of all the cell's kernels. */
  readonly wx: Tensor;
  readonly b: Tensor;
  /** Each kernel's recurrent rows. */
  readonly wh: readonly Tensor[];
  /** Input rows [rows, depth] (any steps, any order) -> their projections [rows, sum k]. */
  project(rows: Tensor): Tensor;
  /** One step from the step's projected rows [batch, sum k]: what call() returns. */
  step(projected: Tensor, state: Nest<Tensor>): StepResult;
}

export function projection(s: SplitStep, depth: number): Projection {
  const cut = s.kernels.map(([kernel]) => splitKernelRows(kernel, depth));
  const one = s.kernels.length === 1;
  const wx = one
    ? cut[0][0]
    : concat(
        cut.map(([x]) => x),
        1,
      );
  const b = one
    ? s.kernels[0][1]
    : concat(
        s.kernels.map(([, bias]) => bias),
        0,
      );
  const widths = s.kernels.map(([kernel]) => kernel.shape[1]);
  const wh = cut.map(([, h]) => h);
  return {
    wx,
    b,
    wh,
    project: (rows) => add(matmul(rows, wx), b),
    step: (p, state) => s.rest(one ? [p] : split(p, widths, 1), state, wh),
  };
}

/** How dynamicRnn runs a fast path: per step (stepAt, for the loop) or all steps at once (sequence). */
export interface FastRun {
  stepAt?: (t: number, state: Nest<Tensor>) => StepResult;
  sequence?: (state: Nest<Tensor>, lengths?: Int32Array) => [Tensor, Nest<Tensor>];
}

/** The fast path `path` for one [.., .., depth] input (time axis 0 when timeMajor). */
export function fastRun(
  path: Exclude<RnnPath, 'steps'>,
  cell: RNNCell,
  inputs: Tensor,
  timeMajor: boolean,
  timeSlice: (x: Tensor, t: number) => Tensor,
): FastRun {
  const [d0, d1, depth] = inputs.shape;
  const s = cell.splitStep(reshape(inputs, [d0 * d1, depth]));
  const proj = projection(s, depth);
  const timeMajorOf = (x: Tensor): Tensor => (timeMajor ? x : transpose(x, [1, 0, 2]));
  const [T, B] = timeMajor ? [d0, d1] : [d1, d0];
  // Each projection in its own scope: its temporaries (x W before + b, a compacted copy of x) go
  // at once instead of living as long as the whole unroll.
  const projectAll = (x: Tensor, rows: number, cols: number): Tensor =>
    tidy(() => {
      const p = proj.project(reshape(x, [rows * cols, depth]));
      return reshape(p, [rows, cols, p.shape[1]]);
    });
  if (path === 'sequence') {
    // From the inputs: the node projects them a chunk of steps at a time and never holds them all.
    return {
      sequence: (state, lengths) => {
        const [out, last] = runSequence(
          s.sequence!,
          proj,
          { x: timeMajorOf(inputs), wx: proj.wx, b: proj.b },
          state,
          lengths,
        );
        return [timeMajorOf(out), last];
      },
    };
  }
  if (path === 'layers') {
    const all = projectAll(timeMajorOf(inputs), T, B);
    return {
      sequence: (state, lengths) => {
        const [out, last] = layerByLayer(cell as MultiRNNCell, s, proj, all, state, lengths);
        return [timeMajorOf(out), last];
      },
    };
  }
  const all = projectAll(inputs, d0, d1);
  return { stepAt: (t, state) => proj.step(timeSlice(all, t), state) };
}

/** A whole-sequence node for one cell, from its projections [T, B, k] or its inputs. */
function runSequence(
  how: SequenceState,
  proj: Projection,
  source: Tensor | SequenceInputs,
  state: Nest<Tensor>,
  lengths?: Int32Array,
): [Tensor, Nest<Tensor>] {
  const like = rowsOf('x' in source ? source.x : source);
  if (how.kind === 'gru') return gruSequence(source, proj.wh[0], proj.wh[1], how.read(state, like), lengths);
  const [c0, h0] = how.read(state, like);
  const [out, c, h] = lstmSequence(source, proj.wh[0], c0, h0, how.forgetBias, lengths);
  return [out, how.make(c, h)];
}

/** The 'layers' path: p0 is cell 0's time-major projection; cell i's outputs are cell i+1's inputs. */
function layerByLayer(
  multi: MultiRNNCell,
  first: SplitStep,
  firstProj: Projection,
  p0: Tensor,
  state: Nest<Tensor>,
  lengths?: Int32Array,
): [Tensor, Nest<Tensor>] {
  return multi.withinScope(() => {
    multi.assertStateTuple(state);
    let [out, s] = variableScope('cell_0', () => runSequence(first.sequence!, firstProj, p0, state[0], lengths));
    const states: Nest<Tensor>[] = [s];
    for (let i = 1; i < multi.cells.length; i++) {
      const cell = multi.cells[i] as RNNCell;
      const [T, B, depth] = out.shape;
      const x: Tensor = out;
      [out, s] = variableScope(`cell_${i}`, () => {
        const rows = reshape(x, [T * B, depth]);
        const si = cell.splitStep(rows);
        const pi = projection(si, depth);
        const projected = pi.project(rows);
        return runSequence(si.sequence!, pi, reshape(projected, [T, B, projected.shape[1]]), state[i], lengths);
      });
      states.push(s);
    }
    return [out, states];
  });
}
