/** Test helpers shared by the rnn suites: fresh graphs, cell factories, weight randomization. */
import { concat, randomUniform, type DType, type Tensor } from '@tapeflow/core';
import {
  BasicLSTMCell,
  BasicRNNCell,
  GRUCell,
  LSTMCell,
  MultiRNNCell,
  RNNCell,
  ResidualWrapper,
  nest,
  resetDefaultGraph,
  type RNNCellLike,
  type StepResult,
} from '@tapeflow/rnn';
import type { TestEnv } from '../harness.js';

/** Runs fn on a fresh default graph and disposes every variable it created afterwards. */
export function withGraph<T>(fn: () => T): T {
  resetDefaultGraph();
  try {
    return fn();
  } finally {
    resetDefaultGraph();
  }
}

export const floatType = (env: TestEnv): DType => (env.float64 ? 'float64' : 'float32');
export const tol = (dtype: DType): { rtol: number; atol: number } =>
  dtype === 'float64' ? { rtol: 1e-9, atol: 1e-10 } : { rtol: 2e-4, atol: 2e-5 };

/** Gives every weight of the cell values U(-0.6, 0.6) from `seed` (biases included). */
export function randomizeWeights(cell: RNNCell, seed: number): void {
  cell.weights.forEach((w, i) => {
    const v = randomUniform(w.shape, { minval: -0.6, maxval: 0.6, seed: seed * 101 + i, dtype: w.dtype });
    w.assign(v);
    v.dispose();
  });
}

/** A user-defined cell taking nested inputs: it concatenates them and runs the wrapped cell. */
export class ConcatInputsCell extends RNNCell {
  constructor(readonly inner: RNNCell) {
    super('concat_inputs');
    this.ownsScope = false;
  }
  get stateSize(): nest.Nest<number> {
    return this.inner.stateSize;
  }
  get outputSize(): nest.Nest<number> {
    return this.inner.outputSize;
  }
  override zeroState(b: number, dtype?: DType): nest.Nest<Tensor> {
    return this.inner.zeroState(b, dtype);
  }
  override get weights() {
    return this.inner.weights;
  }
  protected step(inputs: nest.Nest<Tensor>, state: nest.Nest<Tensor>): StepResult {
    return this.inner.call(concat(nest.flatten(inputs), 1), state);
  }
}

export const CELL_KINDS = [
  'basicRnn',
  'basicLstm',
  'basicLstmConcat',
  'lstm',
  'lstmPeepholes',
  'lstmClip0',
  'lstmProjClip',
  'lstmConcatProj',
  'gru',
  'multi',
  'multiConcat',
  'multiLstm',
  'residual',
] as const;
export type CellKind = (typeof CELL_KINDS)[number];

/** A cell of the given kind with `units` units; residual cells need depth == units. */
export function makeCell(kind: CellKind, units: number): RNNCell {
  switch (kind) {
    case 'basicRnn':
      return new BasicRNNCell(units);
    case 'basicLstm':
      return new BasicLSTMCell(units, { forgetBias: 0.5 });
    case 'basicLstmConcat':
      return new BasicLSTMCell(units, { stateIsTuple: false });
    case 'lstm':
      return new LSTMCell(units);
    case 'lstmPeepholes':
      return new LSTMCell(units, { usePeepholes: true, cellClip: 0.7, forgetBias: 0 });
    case 'lstmClip0':
      return new LSTMCell(units, { cellClip: 0 });
    case 'lstmProjClip':
      return new LSTMCell(units, { usePeepholes: true, numProj: units + 1, projClip: 0.3 });
    case 'lstmConcatProj':
      return new LSTMCell(units, { numProj: 2, stateIsTuple: false });
    case 'gru':
      return new GRUCell(units);
    case 'multi':
      return new MultiRNNCell([new LSTMCell(units), new GRUCell(units + 1)]);
    case 'multiLstm':
      return new MultiRNNCell([new LSTMCell(units), new BasicLSTMCell(units + 1, { forgetBias: 0.5 })]);
    case 'multiConcat':
      return new MultiRNNCell([new GRUCell(units), new BasicLSTMCell(units, { stateIsTuple: false })], {
        stateIsTuple: false,
      });
    case 'residual':
      return new ResidualWrapper(new GRUCell(units));
  }
}

export const isCell = (c: RNNCellLike): c is RNNCell => c instanceof RNNCell;
