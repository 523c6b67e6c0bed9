/** TF1's ResidualWrapper: output = inputs + cell output (any matching nest); the state is the cell's. */
import { add, type DType, type Tensor, type Variable } from '@tapeflow/core';
import { assertSameStructure, mapStructure, type Nest } from '../nest.js';
import { RNNCell, assertLikeRNNCell, type RNNCellLike, type StepResult } from './rnn_cell.js';

export type ResidualFn = (inputs: Nest<Tensor>, outputs: Nest<Tensor>) => Nest<Tensor>;

export class ResidualWrapper extends RNNCell {
  private readonly residualFn: ResidualFn;

  constructor(
    readonly cell: RNNCellLike,
    opts: { residualFn?: ResidualFn } = {},
  ) {
    super('residual_wrapper');
    assertLikeRNNCell('cell', cell, 'ResidualWrapper');
    if (opts.residualFn !== undefined && typeof opts.residualFn !== 'function') {
      throw new TypeError('ResidualWrapper: residualFn must be a function (inputs, outputs) => outputs');
    }
    this.ownsScope = false;
    this.residualFn =
      opts.residualFn ??
      ((inputs, outputs) => {
        assertSameStructure(inputs, outputs);
        return mapStructure((x: Tensor, y: Tensor) => add(x, y), inputs, outputs);
      });
  }

  get stateSize(): Nest<number> {
    return this.cell.stateSize;
  }
  get outputSize(): Nest<number> {
    return this.cell.outputSize;
  }
  override zeroState(batchSize: number, dtype: DType = 'float32'): Nest<Tensor> {
    return this.cell.zeroState(batchSize, dtype);
  }
  override get weights(): Variable[] {
    return this.cell instanceof RNNCell ? this.cell.weights : [];
  }

  protected step(inputs: Nest<Tensor>, state: Nest<Tensor>): StepResult {
    const [out, newState] = this.cell.call(inputs, state);
    return [this.residualFn(inputs, out), newState];
  }

  override resetSequenceState(): void {
    this.cell.resetSequenceState?.();
  }
  override dispose(): void {
    if (this.cell instanceof RNNCell) this.cell.dispose();
  }
}
