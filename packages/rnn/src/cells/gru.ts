/**
 * TF1's GRUCell: r, u = split(sig([x, h] Wg + bg), 2); c = act([x, r h] Wc + bc);
 * h' = u h + (1 - u) c. The gates' bias starts at 1 (so the cell starts by keeping its state).
 */
import { add, concat, matmul, mul, sigmoid, slice, split, sub, tanh, type Tensor, type Variable } from '@tapeflow/core';
import { assertInitializer, constant, zeros as zerosInit, type Initializer } from '../initializers.js';
import type { Nest } from '../nest.js';
import {
  RNNCell, assertActivation, assertPositiveInt, cellInput, checkDepth, kernelInit, stateTensor,
  type Activation, type CellOptions, type InputProjection, type StepResult,
} from './rnn_cell.js';
import { gruBlock, splitKernelRows } from './fast_step.js';
import { gruSequence, gruSequenceApplies } from '../fast/gru_sequence.js';
import { rowsOf } from '../fast/sequence_node.js';

export interface GRUCellOptions extends CellOptions {
  activation?: Activation;
  /** Replaces both biases' defaults (gates 1.0, candidate 0), as in TF. */
  biasInitializer?: Initializer;
}

export class GRUCell extends RNNCell {
  private readonly activation: Activation;
  private readonly kernelInitializer?: Initializer;
  private readonly biasInitializer?: Initializer;
  private gateKernel!: Variable;
  private gateBias!: Variable;
  private candidateKernel!: Variable;
  private candidateBias!: Variable;

  constructor(readonly numUnits: number, opts: GRUCellOptions = {}) {
    super('gru_cell', opts.name);
    assertPositiveInt('GRUCell', 'numUnits', numUnits);
    assertActivation('GRUCell', opts.activation);
    assertInitializer(opts.biasInitializer, 'GRUCell', 'biasInitializer');
    this.activation = opts.activation ?? tanh;
    this.kernelInitializer = kernelInit('GRUCell', opts);
    this.biasInitializer = opts.biasInitializer;
  }

  get stateSize(): number { return this.numUnits; }
  get outputSize(): number { return this.numUnits; }

  protected override build(inputs: Nest<Tensor>): void {
    const x = cellInput('GRUCell', inputs);
    const n = this.numUnits, rows = x.shape[1] + n, dt = x.dtype;
    this.gateKernel = this.addWeight('gates/kernel', [rows, 2 * n], dt, this.kernelInitializer);
    this.gateBias = this.addWeight('gates/bias', [2 * n], dt, this.biasInitializer ?? constant(1));
    this.candidateKernel = this.addWeight('candidate/kernel', [rows, n], dt, this.kernelInitializer);
    this.candidateBias = this.addWeight('candidate/bias', [n], dt, this.biasInitializer ?? zerosInit());
  }

  protected step(inputs: Nest<Tensor>, state: Nest<Tensor>): StepResult {
    const x = cellInput('GRUCell', inputs);
    checkDepth('GRUCell', this.gateKernel, x, this.numUnits);
    const h = stateTensor('GRUCell', 'state', state, x, this.numUnits);
    const newH = this.fromGates(add(matmul(concat([x, h], 1), this.gateKernel), this.gateBias), h,
      (rh) => add(matmul(concat([x, rh], 1), this.candidateKernel), this.candidateBias));
    return [newH, newH];
  }

  /**
   * Hoisting: both kernels' input rows side by side, [depth, 3n], so one matmul gives every
   * step's x Wg + bg (2n columns) and x Wc + bc (n columns); per step only h Wg[depth:] and
   * (r h) Wc[depth:].
   */
  protected override inputProjection(rows: Tensor): InputProjection {
    const x = cellInput('GRUCell', rows);
    const n = this.numUnits, d = x.shape[1];
    checkDepth('GRUCell', this.gateKernel, x, n);
    const [gx, gh] = splitKernelRows(this.gateKernel, d);
    const [cx, ch] = splitKernelRows(this.candidateKernel, d);
    const wx = concat([gx, cx], 1), b = concat([this.gateBias, this.candidateBias], 0);
    return {
      project: (r) => add(matmul(r, wx), b),
      step: (p, state) => {
        const h = stateTensor('GRUCell', 'state', state, p, n);
        const [pg, pc] = split(p, [2 * n, n], 1);
        const newH = this.fromGates(add(pg, matmul(h, gh)), h, (rh) => add(pc, matmul(rh, ch)));
        return [newH, newH];
      },
      // Every step at once (one tape node, gru_sequence.ts).
      ...(this.runsSequences() && {
        sequence: (all: Tensor, state: Nest<Tensor>, lengths?: Int32Array): [Tensor, Nest<Tensor>] => {
          const h0 = stateTensor('GRUCell', 'state', state, rowsOf(all), n);
          const [out, h] = gruSequence(all, gh, ch, h0, lengths);
          return [out, h];
        },
        sequenceOfInputs: (xs: Tensor, state: Nest<Tensor>, lengths?: Int32Array): [Tensor, Nest<Tensor>] => {
          const h0 = stateTensor('GRUCell', 'state', state, rowsOf(xs), n);
          return gruSequence({ x: xs, wx, b }, gh, ch, h0, lengths);
        },
      }),
    };
  }

  /** Whole sequences at once (gru_sequence.ts): under a tape, with the tanh activation. */
  override runsSequences(): boolean {
    return this.activation === tanh && gruSequenceApplies();
  }

  /**
   * h' from the gate pre-activations [batch, 2n] (r, u) and the candidate's pre-activation as a
   * function of r h. With tanh the tail is the fused GRUBlock (only r's sigmoid stays outside: r
   * enters the candidate through a matmul); otherwise TF1's equations, composed.
   */
  private fromGates(gates: Tensor, h: Tensor, candidatePre: (rh: Tensor) => Tensor): Tensor {
    const n = this.numUnits;
    if (this.activation === tanh) {
      const r = sigmoid(slice(gates, [0, 0], [-1, n]));
      return gruBlock(gates, h, candidatePre(mul(r, h)));
    }
    const [r, u] = split(sigmoid(gates), 2, 1);
    const c = this.activation(candidatePre(mul(r, h)));
    return add(mul(u, h), mul(sub(1, u), c));
  }
}
