/**
 * TF1's BasicLSTMCell: gates i, j, f, o = split([x, h] K + b, 4);
 * c' = c sig(f + forgetBias) + sig(i) act(j); h' = act(c') sig(o). No peepholes, no clipping.
 */
import { add, concat, matmul, mul, sigmoid, split, tanh, type Tensor, type Variable } from '@tapeflow/core';
import { zeros as zerosInit, type Initializer } from '../initializers.js';
import type { Nest } from '../nest.js';
import {
  RNNCell, assertActivation, assertPositiveInt, cellInput, checkDepth, kernelInit,
  type Activation, type CellOptions, type InputProjection, type StepResult,
} from './rnn_cell.js';
import { lstmBlock, splitKernelRows } from './fast_step.js';
import { lstmSequence, lstmSequenceApplies } from '../fast/lstm_sequence.js';
import { rowsOf } from '../fast/sequence_node.js';
import { LSTMStateTuple } from './state_tuple.js';
import { assertForgetBias, unpackLSTMState } from './lstm_state.js';

export interface BasicLSTMCellOptions extends CellOptions {
  /** Added to the forget gate's pre-activation (reduces forgetting early in training). Default 1. */
  forgetBias?: number;
  /** State as LSTMStateTuple(c, h) (default) or as concat([c, h], 1). */
  stateIsTuple?: boolean;
  activation?: Activation;
}

export class BasicLSTMCell extends RNNCell {
  readonly forgetBias: number;
  readonly stateIsTuple: boolean;
  private readonly activation: Activation;
  private readonly kernelInitializer?: Initializer;
  private kernel!: Variable;
  private bias!: Variable;

  constructor(readonly numUnits: number, opts: BasicLSTMCellOptions = {}) {
    super('basic_lstm_cell', opts.name);
    assertPositiveInt('BasicLSTMCell', 'numUnits', numUnits);
    assertActivation('BasicLSTMCell', opts.activation);
    this.forgetBias = assertForgetBias('BasicLSTMCell', opts.forgetBias);
    this.stateIsTuple = opts.stateIsTuple ?? true;
    this.activation = opts.activation ?? tanh;
    this.kernelInitializer = kernelInit('BasicLSTMCell', opts);
  }

  get stateSize(): LSTMStateTuple<number> | number {
    return this.stateIsTuple ? new LSTMStateTuple(this.numUnits, this.numUnits) : 2 * this.numUnits;
  }
  get outputSize(): number { return this.numUnits; }

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

  /** Whole sequences at once (lstm_sequence.ts): under a tape, with BasicLSTMCell's equations. */
  override runsSequences(): boolean {
    return this.activation === tanh && lstmSequenceApplies();
  }

  /** Hoisting: x K[:depth] + b for all steps at once; per step only h K[depth:]. */
  protected override inputProjection(rows: Tensor): InputProjection {
    const x = cellInput('BasicLSTMCell', rows);
    const n = this.numUnits, d = x.shape[1];
    checkDepth('BasicLSTMCell', this.kernel, x, n);
    const [wx, wh] = splitKernelRows(this.kernel, d);
    return {
      project: (r) => add(matmul(r, wx), this.bias),
      step: (p, state) => {
        const [c, h] = unpackLSTMState('BasicLSTMCell', state, this.stateIsTuple, p, n, n);
        return this.fromGates(add(p, matmul(h, wh)), c);
      },
      // Every step at once (one tape node, lstm_sequence.ts).
      ...(this.runsSequences() && {
        sequence: (all: Tensor, state: Nest<Tensor>, lengths?: Int32Array): [Tensor, Nest<Tensor>] => {
          const [c0, h0] = unpackLSTMState('BasicLSTMCell', state, this.stateIsTuple, rowsOf(all), n, n);
          const [out, c, h] = lstmSequence(all, wh, c0, h0, this.forgetBias, lengths);
          return [out, this.stateIsTuple ? new LSTMStateTuple(c, h) : concat([c, h], 1)];
        },
        sequenceOfInputs: (xs: Tensor, state: Nest<Tensor>, lengths?: Int32Array): [Tensor, Nest<Tensor>] => {
          const [c0, h0] = unpackLSTMState('BasicLSTMCell', state, this.stateIsTuple, rowsOf(xs), n, n);
          const [out, c, h] = lstmSequence({ x: xs, wx, b: this.bias }, wh, c0, h0, this.forgetBias, lengths);
          return [out, this.stateIsTuple ? new LSTMStateTuple(c, h) : concat([c, h], 1)];
        },
      }),
    };
  }

  private fromGates(gates: Tensor, c: Tensor): StepResult {
    const [newC, newH] = this.activation === tanh ? lstmBlock(gates, c, this.forgetBias) : this.composed(gates, c);
    return [newH, this.stateIsTuple ? new LSTMStateTuple(newC, newH) : concat([newC, newH], 1)];
  }

  private composed(gates: Tensor, c: Tensor): [Tensor, Tensor] {
    const [i, j, f, o] = split(gates, 4, 1);
    const newC = add(mul(c, sigmoid(add(f, this.forgetBias))), mul(sigmoid(i), this.activation(j)));
    return [newC, mul(this.activation(newC), sigmoid(o))];
  }
}
