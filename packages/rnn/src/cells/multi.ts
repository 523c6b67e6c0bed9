/**
 * TF1's MultiRNNCell: cells stacked so each one's output is the next one's input. Cell i runs in
 * scope 'cell_i' under 'multi_rnn_cell'. The state is a tuple (array) of the cells' states, or,
 * with stateIsTuple false, their concatenation along axis 1.
 */
import { concat, reshape, slice, Tensor, ValueError, type DType, type Variable } from '@tapeflow/core';
import { describe, flatten, isNested, type Nest } from '../nest.js';
import { variableScope } from '../naming.js';
import { RNNCell, assertBatchAndDType, assertLikeRNNCell, type InputProjection, type RNNCellLike, type StepResult } from './rnn_cell.js';

export class MultiRNNCell extends RNNCell {
  readonly cells: readonly RNNCellLike[];
  readonly stateIsTuple: boolean;

  constructor(cells: readonly RNNCellLike[], opts: { stateIsTuple?: boolean; name?: string } = {}) {
    super('multi_rnn_cell', opts.name);
    if (!Array.isArray(cells)) throw new TypeError(`MultiRNNCell: cells must be an array, but saw: ${describe(cells)}`);
    if (cells.length === 0) throw new ValueError('Must specify at least one cell for MultiRNNCell.');
    cells.forEach((c, i) => assertLikeRNNCell(`cells[${i}]`, c, 'MultiRNNCell'));
    this.cells = [...cells];
    this.stateIsTuple = opts.stateIsTuple ?? true;
    if (!this.stateIsTuple && this.cells.some((c) => isNested(c.stateSize))) {
      throw new ValueError('MultiRNNCell: some cells return tuples of states, but the flag stateIsTuple is not set. ' +
        `State sizes are: ${describe(this.cells.map((c) => c.stateSize))}`);
    }
  }

  get stateSize(): Nest<number> {
    const sizes = this.cells.map((c) => c.stateSize);
    return this.stateIsTuple ? sizes : (flatten(sizes) as number[]).reduce((a, b) => a + b, 0);
  }
  get outputSize(): Nest<number> { return this.cells[this.cells.length - 1].outputSize; }

  override zeroState(batchSize: number, dtype: DType = 'float32'): Nest<Tensor> {
    assertBatchAndDType('MultiRNNCell', batchSize, dtype);
    return this.stateIsTuple ? this.cells.map((c) => c.zeroState(batchSize, dtype)) : super.zeroState(batchSize, dtype);
  }

  override get weights(): Variable[] {
    const all = this.cells.flatMap((c) => (c instanceof RNNCell ? c.weights : []));
    return [...new Set(all)];
  }

  protected step(inputs: Nest<Tensor>, state: Nest<Tensor>): StepResult {
    return this.layers(state, (cell, s) => cell.call(inputs, s));
  }

  /**
   * Hoisting: only the first cell sees the sequence's inputs, so only it can project them up front.
   * When every cell can run a whole sequence at once (LSTM cells under a tape), the stack runs
   * layer by layer: cell i's outputs over all steps are cell i+1's inputs. That equals the step
   * loop, masking included: a finished row's later outputs of a lower layer only feed upper-layer
   * steps whose results are dropped (their outputs are zeroed, their state kept).
   */
  protected override inputProjection(rows: Tensor): InputProjection | null {
    const first = this.cells[0];
    const proj = first.projectInputs ? variableScope('cell_0', () => first.projectInputs!(rows)) : null;
    if (!proj) return null;
    const layered = proj.sequence && this.stateIsTuple && this.cells.slice(1).every((c) => c instanceof RNNCell && c.runsSequences());
    return {
      project: (r) => proj.project(r),
      step: (p, state) => this.layers(state, (_, s) => proj.step(p, s)),
      ...(layered && { sequence: (p: Tensor, state: Nest<Tensor>, lengths?: Int32Array) => this.layerByLayer(proj, p, state, lengths) }),
    };
  }

  /** The sequence path of the whole stack (see inputProjection); p is cell 0's time-major projection. */
  private layerByLayer(proj: InputProjection, p: Tensor, state: Nest<Tensor>, lengths?: Int32Array): [Tensor, Nest<Tensor>] {
    const n = this.cells.length;
    if (!Array.isArray(state) || state.length !== n) {
      throw new ValueError(`MultiRNNCell: expected state to be a tuple of length ${n}, but received: ${describe(state)}`);
    }
    const states: Nest<Tensor>[] = [];
    let [out, s] = variableScope('cell_0', () => proj.sequence!(p, state[0], lengths));
    states.push(s);
    for (let i = 1; i < n; i++) {
      const cell = this.cells[i];
      const [T, B, depth] = out.shape;
      const x: Tensor = out;
      [out, s] = variableScope(`cell_${i}`, () => {
        const rows = reshape(x, [T * B, depth]);
        const pi = cell.projectInputs!(rows);
        if (!pi?.sequence) throw new Error(`MultiRNNCell: cell ${i} offered no sequence path`); // runsSequences() said it would
        const projected = pi.project(rows);
        return pi.sequence(reshape(projected, [T, B, projected.shape[1]]), state[i], lengths);
      });
      states.push(s);
    }
    return [out, states];
  }

  /** Runs the cells in turn, each in its scope 'cell_i'; `first` runs cell 0 on its state. */
  private layers(state: Nest<Tensor>, first: (cell: RNNCellLike, s: Nest<Tensor>) => StepResult): StepResult {
    const n = this.cells.length;
    if (this.stateIsTuple && (!Array.isArray(state) || state.length !== n)) {
      throw new ValueError(`MultiRNNCell: expected state to be a tuple of length ${n}, but received: ${describe(state)}`);
    }
    if (!this.stateIsTuple && !(state instanceof Tensor && state.rank === 2 && state.shape[1] === this.stateSize)) {
      throw new ValueError(`MultiRNNCell: expected state to be one [batch, ${String(this.stateSize)}] Tensor, but received: ${describe(state)}`);
    }
    let cur: Nest<Tensor> = [];
    let pos = 0;
    const newStates: Nest<Tensor>[] = [];
    this.cells.forEach((cell, i) => {
      variableScope(`cell_${i}`, () => {
        let s: Nest<Tensor>;
        if (this.stateIsTuple) s = (state as readonly Nest<Tensor>[])[i];
        else {
          const size = cell.stateSize as number;
          s = slice(state as Tensor, [0, pos], [-1, size]);
          pos += size;
        }
        const [out, ns] = i === 0 ? first(cell, s) : cell.call(cur, s);
        cur = out;
        newStates.push(ns);
      });
    });
    return [cur, this.stateIsTuple ? newStates : concat(newStates as Tensor[], 1)];
  }

  override resetSequenceState(): void {
    for (const c of new Set(this.cells)) c.resetSequenceState?.();
  }

  override dispose(): void {
    for (const c of new Set(this.cells)) if (c instanceof RNNCell) c.dispose();
    super.dispose();
  }
}
