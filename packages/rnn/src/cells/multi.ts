/**
 * TF1's MultiRNNCell: cells stacked so each one's output is the next one's input. Cell i runs in
 * scope 'cell_i' under 'multi_rnn_cell'. The state is a tuple (array) of the cells' states, or,
 * with stateIsTuple false, their concatenation along axis 1.
 */
import { concat, slice, Tensor, ValueError, type DType, type Variable } from '@tapeflow/core';
import { describe, flatten, isNested, type Nest } from '../nest.js';
import { variableScope } from '../naming.js';
import {
  RNNCell,
  assertBatchAndDType,
  assertLikeRNNCell,
  type FastTraits,
  type RNNCellLike,
  type SplitStep,
  type StepResult,
} from './rnn_cell.js';

export class MultiRNNCell extends RNNCell {
  readonly cells: readonly RNNCellLike[];
  readonly stateIsTuple: boolean;

  constructor(cells: readonly RNNCellLike[], opts: { stateIsTuple?: boolean; name?: string } = {}) {
    super('multi_rnn_cell', opts.name);
    // A plain boolean, not Array.isArray's guard: that would turn readonly RNNCellLike[] into any[].
    const isArray: boolean = Array.isArray(cells);
    if (!isArray) throw new TypeError(`MultiRNNCell: cells must be an array, but saw: ${describe(cells)}`);
    if (cells.length === 0) throw new ValueError('Must specify at least one cell for MultiRNNCell.');
    cells.forEach((c, i) => assertLikeRNNCell(`cells[${i}]`, c, 'MultiRNNCell'));
    this.cells = [...cells];
    this.stateIsTuple = opts.stateIsTuple ?? true;
    if (!this.stateIsTuple && this.cells.some((c) => isNested(c.stateSize))) {
      throw new ValueError(
        'MultiRNNCell: some cells return tuples of states, but the flag stateIsTuple is not set. ' +
          `State sizes are: ${describe(this.cells.map((c) => c.stateSize))}`,
      );
    }
  }

  get stateSize(): Nest<number> {
    const sizes = this.cells.map((c) => c.stateSize);
    return this.stateIsTuple ? sizes : flatten<number>(sizes).reduce((a, b) => a + b, 0);
  }
  get outputSize(): Nest<number> {
    return this.cells[this.cells.length - 1].outputSize;
  }

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
   * Fast paths: only the first cell sees the sequence's inputs, so only its projection can be
   * hoisted. With tuple state the stack may also run layer by layer over the whole sequence (cell
   * i's outputs over all steps are cell i+1's inputs): that equals the step loop, masking
   * included, since a finished row's later outputs of a lower layer only feed upper-layer steps
   * whose results are dropped (their outputs are zeroed, their state kept).
   */
  override get fastTraits(): FastTraits {
    const first = this.cells[0];
    return {
      splits: first instanceof RNNCell && first.fastTraits.splits,
      sequence: null,
      ...(this.stateIsTuple && { layers: this.cells }),
    };
  }

  /**
   * Cell 0's split step: the rest of the step runs cell 0's rest and then the other cells; the
   * sequence state is cell 0's (the layer-by-layer path starts with it).
   */
  protected override stepSplit(rows: Tensor): SplitStep {
    const first = variableScope('cell_0', () => (this.cells[0] as RNNCell).splitStep(rows));
    return {
      kernels: first.kernels,
      rest: (p, state, r) => this.layers(state, (_, s) => first.rest(p, s, r)),
      sequence: first.sequence,
    };
  }

  /** Checks a tuple state against the cells (the layer-by-layer path reads it too). */
  assertStateTuple(state: Nest<Tensor>): asserts state is Nest<Tensor>[] {
    const n = this.cells.length;
    if (!Array.isArray(state) || state.length !== n) {
      throw new ValueError(
        `MultiRNNCell: expected state to be a tuple of length ${n}, but received: ${describe(state)}`,
      );
    }
  }

  /** Runs the cells in turn, each in its scope 'cell_i'; `first` runs cell 0 on its state. */
  private layers(state: Nest<Tensor>, first: (cell: RNNCellLike, s: Nest<Tensor>) => StepResult): StepResult {
    if (this.stateIsTuple) this.assertStateTuple(state);
    if (!this.stateIsTuple && !(state instanceof Tensor && state.rank === 2 && state.shape[1] === this.stateSize)) {
      throw new ValueError(
        `MultiRNNCell: expected state to be one [batch, ${describe(this.stateSize)}] Tensor, but received: ${describe(state)}`,
      );
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
