/** TF1's BasicRNNCell: h' = act([x, h] K + b); the output is the new state. */
import { add, concat, matmul, type Tensor, type Variable } from '@tapeflow/core';
import { zeros as zerosInit, assertInitializer, type Initializer } from '../initializers.js';
import type { Nest } from '../nest.js';
import { activationOf, type ActivationLike } from '../activations.js';
import {
  RNNCell,
  assertPositiveInt,
  cellInput,
  checkDepth,
  kernelInit,
  stateTensor,
  type Activation,
  type CellOptions,
  type FastTraits,
  type SplitStep,
  type StepResult,
} from './rnn_cell.js';

export interface BasicRNNCellOptions extends CellOptions {
  /** A function, or a Keras activation name ('tanh', 'relu', ...). Default tanh. */
  activation?: ActivationLike;
  biasInitializer?: Initializer;
}

export class BasicRNNCell extends RNNCell {
  private readonly activation: Activation;
  private readonly kernelInitializer?: Initializer;
  private readonly biasInitializer?: Initializer;
  private kernel!: Variable;
  private bias!: Variable;

  constructor(
    readonly numUnits: number,
    opts: BasicRNNCellOptions = {},
  ) {
    super('basic_rnn_cell', opts.name);
    assertPositiveInt('BasicRNNCell', 'numUnits', numUnits);
    assertInitializer(opts.biasInitializer, 'BasicRNNCell', 'biasInitializer');
    this.activation = activationOf('BasicRNNCell', opts.activation);
    this.kernelInitializer = kernelInit('BasicRNNCell', opts);
    this.biasInitializer = opts.biasInitializer;
  }

  get stateSize(): number {
    return this.numUnits;
  }
  get outputSize(): number {
    return this.numUnits;
  }

  protected override build(inputs: Nest<Tensor>): void {
    const x = cellInput('BasicRNNCell', inputs);
    const n = this.numUnits;
    this.kernel = this.addWeight('kernel', [x.shape[1] + n, n], x.dtype, this.kernelInitializer);
    this.bias = this.addWeight('bias', [n], x.dtype, this.biasInitializer ?? zerosInit());
  }

  protected step(inputs: Nest<Tensor>, state: Nest<Tensor>): StepResult {
    const x = cellInput('BasicRNNCell', inputs);
    checkDepth('BasicRNNCell', this.kernel, x, this.numUnits);
    const h = stateTensor('BasicRNNCell', 'state', state, x, this.numUnits);
    const out = this.activation(add(matmul(concat([x, h], 1), this.kernel), this.bias));
    return [out, out];
  }

  /** Fast paths: the input projection may be hoisted. */
  override get fastTraits(): FastTraits {
    return { splits: true, sequence: null };
  }

  /** x K[:depth] + b for all steps at once; per step only h K[depth:]. */
  protected override stepSplit(rows: Tensor): SplitStep {
    checkDepth('BasicRNNCell', this.kernel, cellInput('BasicRNNCell', rows), this.numUnits);
    return {
      kernels: [[this.kernel, this.bias]],
      rest: ([p], state, [wh]) => {
        const h = stateTensor('BasicRNNCell', 'state', state, p, this.numUnits);
        const out = this.activation(add(p, matmul(h, wh)));
        return [out, out];
      },
    };
  }
}
