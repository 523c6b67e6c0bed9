/**
 * TF1's BasicLSTMCell: gates i, j, f, o = split([x, h] K + b, 4);
 * c' = c sig(f + forgetBias) + sig(i) act(j); h' = act(c') sig(o). No peepholes, no clipping.
 */
import { add, concat, matmul, tanh, type Tensor, type Variable } from '@tapeflow/core';
import { zeros as zerosInit, type Initializer } from '../initializers.js';
import type { Nest } from '../nest.js';
import { activationOf, type ActivationLike } from '../activations.js';
import {
  RNNCell,
  assertPositiveInt,
  cellInput,
  checkDepth,
  kernelInit,
  type Activation,
  type CellOptions,
  type FastTraits,
  type SplitStep,
  type StepResult,
} from './rnn_cell.js';
import { LSTMStateTuple } from './state_tuple.js';
import { assertForgetBias, lstmTail, packLSTMState, unpackLSTMState } from './lstm_state.js';

export interface BasicLSTMCellOptions extends CellOptions {
  /** Added to the forget gate's pre-activation (reduces forgetting early in training). Default 1. */
  forgetBias?: number;
  /** State as LSTMStateTuple(c, h) (default) or as concat([c, h], 1). */
  stateIsTuple?: boolean;
  /** A function, or a Keras activation name ('tanh', 'relu', ...). Default tanh. */
  activation?: ActivationLike;
}

export class BasicLSTMCell extends RNNCell {
  readonly forgetBias: number;
  readonly stateIsTuple: boolean;
  private readonly activation: Activation;
  private readonly kernelInitializer?: Initializer;
  private kernel!: Variable;
  private bias!: Variable;

  constructor(
    readonly numUnits: number,
    opts: BasicLSTMCellOptions = {},
  ) {
    super('basic_lstm_cell', opts.name);
    assertPositiveInt('BasicLSTMCell', 'numUnits', numUnits);
    this.forgetBias = assertForgetBias('BasicLSTMCell', opts.forgetBias);
    this.stateIsTuple = opts.stateIsTuple ?? true;
    this.activation = activationOf('BasicLSTMCell', opts.activation);
    this.kernelInitializer = kernelInit('BasicLSTMCell', opts);
  }

  get stateSize(): LSTMStateTuple<number> | number {
    return this.stateIsTuple ? new LSTMStateTuple(this.numUnits, this.numUnits) : 2 * this.numUnits;
  }
  get outputSize(): number {
    return this.numUnits;
  }

  protected override build(inputs: Nest<Tensor>): void {
    const x = cellInput('BasicLSTMCell', inputs);
    const n = this.numUnits;
    this.kernel = this.addWeight('kernel', [x.shape[1] + n, 4 * n], x.dtype, this.kernelInitializer);
    this.bias = this.addWeight('bias', [4 * n], x.dtype, zerosInit());
  }

  protected step(inputs: Nest<Tensor>, state: Nest<Tensor>): StepResult {
    const x = cellInput('BasicLSTMCell', inputs);
    const n = this.numUnits;
    checkDepth('BasicLSTMCell', this.kernel, x, n);
    const [c, h] = unpackLSTMState('BasicLSTMCell', state, this.stateIsTuple, x, n, n);
    return this.fromGates(add(matmul(concat([x, h], 1), this.kernel), this.bias), c);
  }

  /** Fast paths: the input projection may be hoisted; with tanh, the whole-sequence LSTM node applies. */
  override get fastTraits(): FastTraits {
    return { splits: true, sequence: this.activation === tanh ? 'lstm' : null };
  }

  /** x K[:depth] + b for all steps at once; per step only h K[depth:]. */
  protected override stepSplit(rows: Tensor): SplitStep {
    const n = this.numUnits;
    checkDepth('BasicLSTMCell', this.kernel, cellInput('BasicLSTMCell', rows), n);
    const read = (state: Nest<Tensor>, like: Tensor): [Tensor, Tensor] =>
      unpackLSTMState('BasicLSTMCell', state, this.stateIsTuple, like, n, n);
    return {
      kernels: [[this.kernel, this.bias]],
      rest: ([p], state, [wh]) => {
        const [c, h] = read(state, p);
        return this.fromGates(add(p, matmul(h, wh)), c);
      },
      sequence: {
        kind: 'lstm',
        forgetBias: this.forgetBias,
        read,
        make: (c, h) => packLSTMState(c, h, this.stateIsTuple),
      },
    };
  }

  private fromGates(gates: Tensor, c: Tensor): StepResult {
    const [newC, newH] = lstmTail(gates, c, this.forgetBias, { activation: this.activation });
    return [newH, packLSTMState(newC, newH, this.stateIsTuple)];
  }
}
