/**
 * TF1's LSTMCell: BasicLSTMCell's equations plus optional peepholes (diagonal weights from c to
 * the gates), cell clipping, an output projection and projection clipping:
 *   c' = sig(f + forgetBias + w_f c) c + sig(i + w_i c) act(j), clipped to [-cellClip, cellClip]
 *   m  = sig(o + w_o c') act(c'), then m P (numProj columns), clipped to [-projClip, projClip].
 * The state is (c', m); with a projection h has numProj columns and the kernel numProj extra rows.
 */
import { add, clipByValue, concat, matmul, tanh, ValueError, type Tensor, type Variable } from '@tapeflow/core';
import { zeros as zerosInit, type Initializer } from '../initializers.js';
import { describe, type Nest } from '../nest.js';
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
import { activationOf, type ActivationLike } from '../activations.js';
import { LSTMStateTuple } from './state_tuple.js';
import { assertForgetBias, lstmTail, packLSTMState, unpackLSTMState } from './lstm_state.js';

export interface LSTMCellOptions extends CellOptions {
  usePeepholes?: boolean;
  /** Clip the cell state to [-cellClip, cellClip] before the output gate (0 clips it to 0). */
  cellClip?: number;
  /** Project the output to numProj columns (variable projection/kernel). */
  numProj?: number;
  /** Clip the projected output to [-projClip, projClip] (only with numProj). */
  projClip?: number;
  forgetBias?: number;
  stateIsTuple?: boolean;
  /** A function, or a Keras activation name ('tanh', 'relu', ...). Default tanh. */
  activation?: ActivationLike;
}

function optionalClip(name: string, v: unknown): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !(v >= 0))
    throw new ValueError(`LSTMCell: ${name} must be a number >= 0, got ${describe(v)}`);
  return v;
}

export class LSTMCell extends RNNCell {
  readonly usePeepholes: boolean;
  readonly cellClip?: number;
  readonly numProj?: number;
  readonly projClip?: number;
  readonly forgetBias: number;
  readonly stateIsTuple: boolean;
  private readonly activation: Activation;
  private readonly initializer?: Initializer;
  private kernel!: Variable;
  private bias!: Variable;
  private peep?: { f: Variable; i: Variable; o: Variable };
  private projection?: Variable;

  constructor(
    readonly numUnits: number,
    opts: LSTMCellOptions = {},
  ) {
    super('lstm_cell', opts.name);
    assertPositiveInt('LSTMCell', 'numUnits', numUnits);
    if (opts.numProj !== undefined && opts.numProj !== null) assertPositiveInt('LSTMCell', 'numProj', opts.numProj);
    this.usePeepholes = opts.usePeepholes ?? false;
    this.cellClip = optionalClip('cellClip', opts.cellClip);
    this.numProj = opts.numProj ?? undefined;
    this.projClip = optionalClip('projClip', opts.projClip);
    this.forgetBias = assertForgetBias('LSTMCell', opts.forgetBias);
    this.stateIsTuple = opts.stateIsTuple ?? true;
    this.activation = activationOf('LSTMCell', opts.activation);
    this.initializer = kernelInit('LSTMCell', opts);
  }

  private get hSize(): number {
    return this.numProj ?? this.numUnits;
  }

  get stateSize(): LSTMStateTuple<number> | number {
    return this.stateIsTuple ? new LSTMStateTuple(this.numUnits, this.hSize) : this.numUnits + this.hSize;
  }
  get outputSize(): number {
    return this.hSize;
  }

  protected override build(inputs: Nest<Tensor>): void {
    const x = cellInput('LSTMCell', inputs);
    const n = this.numUnits,
      dt = x.dtype;
    this.kernel = this.addWeight('kernel', [x.shape[1] + this.hSize, 4 * n], dt, this.initializer);
    this.bias = this.addWeight('bias', [4 * n], dt, zerosInit());
    if (this.usePeepholes) {
      const f = this.addWeight('w_f_diag', [n], dt, this.initializer);
      const i = this.addWeight('w_i_diag', [n], dt, this.initializer);
      const o = this.addWeight('w_o_diag', [n], dt, this.initializer);
      this.peep = { f, i, o };
    }
    if (this.numProj !== undefined)
      this.projection = this.addWeight('projection/kernel', [n, this.numProj], dt, this.initializer);
  }

  protected step(inputs: Nest<Tensor>, state: Nest<Tensor>): StepResult {
    const x = cellInput('LSTMCell', inputs);
    checkDepth('LSTMCell', this.kernel, x, this.hSize);
    const [cPrev, mPrev] = unpackLSTMState('LSTMCell', state, this.stateIsTuple, x, this.numUnits, this.hSize);
    return this.fromGates(add(matmul(concat([x, mPrev], 1), this.kernel), this.bias), cPrev);
  }

  /**
   * Fast paths: the input projection may be hoisted; the whole-sequence LSTM node applies only
   * to BasicLSTMCell's equations (tanh, no peepholes, clipping or projection).
   */
  override get fastTraits(): FastTraits {
    const basic =
      !this.usePeepholes && this.cellClip === undefined && this.numProj === undefined && this.activation === tanh;
    return { splits: true, sequence: basic ? 'lstm' : null };
  }

  /** x K[:depth] + b for all steps at once; per step only m K[depth:]. */
  protected override stepSplit(rows: Tensor): SplitStep {
    checkDepth('LSTMCell', this.kernel, cellInput('LSTMCell', rows), this.hSize);
    const read = (state: Nest<Tensor>, like: Tensor): [Tensor, Tensor] =>
      unpackLSTMState('LSTMCell', state, this.stateIsTuple, like, this.numUnits, this.hSize);
    return {
      kernels: [[this.kernel, this.bias]],
      rest: ([p], state, [wh]) => {
        const [cPrev, mPrev] = read(state, p);
        return this.fromGates(add(p, matmul(mPrev, wh)), cPrev);
      },
      sequence: {
        kind: 'lstm',
        forgetBias: this.forgetBias,
        read,
        make: (c, h) => packLSTMState(c, h, this.stateIsTuple),
      },
    };
  }

  private fromGates(lstmMatrix: Tensor, cPrev: Tensor): StepResult {
    const [c, m0] = lstmTail(lstmMatrix, cPrev, this.forgetBias, {
      activation: this.activation,
      peep: this.peep,
      cellClip: this.cellClip,
    });
    let m = m0;
    if (this.projection) {
      m = matmul(m, this.projection);
      if (this.projClip !== undefined) m = clipByValue(m, -this.projClip, this.projClip);
    }
    return [m, packLSTMState(c, m, this.stateIsTuple)];
  }
}
