/**
 * TF1's LSTMCell: BasicLSTMCell's equations plus optional peepholes (diagonal weights from c to
 * the gates), cell clipping, an output projection and projection clipping:
 *   c' = sig(f + forgetBias + w_f c) c + sig(i + w_i c) act(j), clipped to [-cellClip, cellClip]
 *   m  = sig(o + w_o c') act(c'), then m P (numProj columns), clipped to [-projClip, projClip].
 * The state is (c', m); with a projection h has numProj columns and the kernel numProj extra rows.
 */
import { add, clipByValue, concat, matmul, mul, sigmoid, split, tanh, ValueError, type Tensor, type Variable } from '@tapeflow/core';
import { zeros as zerosInit, type Initializer } from '../initializers.js';
import { describe, type Nest } from '../nest.js';
import {
  RNNCell, assertActivation, assertPositiveInt, cellInput, checkDepth, kernelInit,
  type Activation, type CellOptions, type InputProjection, type StepResult,
} from './rnn_cell.js';
import { lstmBlock, splitKernelRows } from './fast_step.js';
import { lstmSequence, lstmSequenceApplies } from '../fast/lstm_sequence.js';
import { rowsOf } from '../fast/sequence_node.js';
import { LSTMStateTuple } from './state_tuple.js';
import { assertForgetBias, unpackLSTMState } from './lstm_state.js';

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
  activation?: Activation;
}

function optionalClip(name: string, v: unknown): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !(v >= 0)) throw new ValueError(`LSTMCell: ${name} must be a number >= 0, got ${describe(v)}`);
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

  constructor(readonly numUnits: number, opts: LSTMCellOptions = {}) {
    super('lstm_cell', opts.name);
    assertPositiveInt('LSTMCell', 'numUnits', numUnits);
    if (opts.numProj !== undefined && opts.numProj !== null) assertPositiveInt('LSTMCell', 'numProj', opts.numProj);
    assertActivation('LSTMCell', opts.activation);
    this.usePeepholes = opts.usePeepholes ?? false;
    this.cellClip = optionalClip('cellClip', opts.cellClip);
    this.numProj = opts.numProj ?? undefined;
    this.projClip = optionalClip('projClip', opts.projClip);
    this.forgetBias = assertForgetBias('LSTMCell', opts.forgetBias);
    this.stateIsTuple = opts.stateIsTuple ?? true;
    this.activation = opts.activation ?? tanh;
    this.initializer = kernelInit('LSTMCell', opts);
  }

  private get hSize(): number { return this.numProj ?? this.numUnits; }

  get stateSize(): LSTMStateTuple<number> | number {
    return this.stateIsTuple ? new LSTMStateTuple(this.numUnits, this.hSize) : this.numUnits + this.hSize;
  }
  get outputSize(): number { return this.hSize; }

  protected override build(inputs: Nest<Tensor>): void {
    const x = cellInput('LSTMCell', inputs);
    const n = this.numUnits, dt = x.dtype;
    this.kernel = this.addWeight('kernel', [x.shape[1] + this.hSize, 4 * n], dt, this.initializer);
    this.bias = this.addWeight('bias', [4 * n], dt, zerosInit());
    if (this.usePeepholes) {
      const f = this.addWeight('w_f_diag', [n], dt, this.initializer);
      const i = this.addWeight('w_i_diag', [n], dt, this.initializer);
      const o = this.addWeight('w_o_diag', [n], dt, this.initializer);
      this.peep = { f, i, o };
    }
    if (this.numProj !== undefined) this.projection = this.addWeight('projection/kernel', [n, this.numProj], dt, this.initializer);
  }

  protected step(inputs: Nest<Tensor>, state: Nest<Tensor>): StepResult {
    const x = cellInput('LSTMCell', inputs);
    checkDepth('LSTMCell', this.kernel, x, this.hSize);
    const [cPrev, mPrev] = unpackLSTMState('LSTMCell', state, this.stateIsTuple, x, this.numUnits, this.hSize);
    return this.fromGates(add(matmul(concat([x, mPrev], 1), this.kernel), this.bias), cPrev);
  }

  /** Whole sequences at once (lstm_sequence.ts): under a tape, with BasicLSTMCell's equations. */
  override runsSequences(): boolean {
    return !this.usePeepholes && this.cellClip === undefined && this.numProj === undefined && this.activation === tanh && lstmSequenceApplies();
  }

  /** Hoisting: x K[:depth] + b for all steps at once; per step only m K[depth:]. */
  protected override inputProjection(rows: Tensor): InputProjection {
    const x = cellInput('LSTMCell', rows);
    checkDepth('LSTMCell', this.kernel, x, this.hSize);
    const [wx, wh] = splitKernelRows(this.kernel, x.shape[1]);
    return {
      project: (r) => add(matmul(r, wx), this.bias),
      step: (p, state) => {
        const [cPrev, mPrev] = unpackLSTMState('LSTMCell', state, this.stateIsTuple, p, this.numUnits, this.hSize);
        return this.fromGates(add(p, matmul(mPrev, wh)), cPrev);
      },
      // Every step at once (one tape node, lstm_sequence.ts): only BasicLSTMCell's equations (no peepholes, clipping, projection).
      ...(this.runsSequences() && {
        sequence: (all: Tensor, state: Nest<Tensor>, lengths?: Int32Array): [Tensor, Nest<Tensor>] => {
          const [c0, h0] = unpackLSTMState('LSTMCell', state, this.stateIsTuple, rowsOf(all), this.numUnits, this.numUnits);
          const [out, c, h] = lstmSequence(all, wh, c0, h0, this.forgetBias, lengths);
          return [out, this.stateIsTuple ? new LSTMStateTuple(c, h) : concat([c, h], 1)];
        },
        sequenceOfInputs: (xs: Tensor, state: Nest<Tensor>, lengths?: Int32Array): [Tensor, Nest<Tensor>] => {
          const [c0, h0] = unpackLSTMState('LSTMCell', state, this.stateIsTuple, rowsOf(xs), this.numUnits, this.numUnits);
          const [out, c, h] = lstmSequence({ x: xs, wx, b: this.bias }, wh, c0, h0, this.forgetBias, lengths);
          return [out, this.stateIsTuple ? new LSTMStateTuple(c, h) : concat([c, h], 1)];
        },
      }),
    };
  }

  private fromGates(lstmMatrix: Tensor, cPrev: Tensor): StepResult {
    const p = this.peep;
    let c: Tensor, m: Tensor;
    if (!p && this.cellClip === undefined && this.activation === tanh) {
      // BasicLSTMCell's equations: the fused step applies.
      [c, m] = lstmBlock(lstmMatrix, cPrev, this.forgetBias);
    } else {
      const [i, j, f, o] = split(lstmMatrix, 4, 1);
      c = p
        ? add(mul(sigmoid(add(add(f, this.forgetBias), mul(p.f, cPrev))), cPrev), mul(sigmoid(add(i, mul(p.i, cPrev))), this.activation(j)))
        : add(mul(sigmoid(add(f, this.forgetBias)), cPrev), mul(sigmoid(i), this.activation(j)));
      if (this.cellClip !== undefined) c = clipByValue(c, -this.cellClip, this.cellClip);
      m = p ? mul(sigmoid(add(o, mul(p.o, c))), this.activation(c)) : mul(sigmoid(o), this.activation(c));
    }
    if (this.projection) {
      m = matmul(m, this.projection);
      if (this.projClip !== undefined) m = clipByValue(m, -this.projClip, this.projClip);
    }
    return [m, this.stateIsTuple ? new LSTMStateTuple(c, m) : concat([c, m], 1)];
  }
}
