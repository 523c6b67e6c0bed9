/**
 * TF1's GRUCell: r, u = split(sig([x, h] Wg + bg), 2); c = act([x, r h] Wc + bc);
 * h' = u h + (1 - u) c. The gates' bias starts at 1 (so the cell starts by keeping its state).
 */
import {
  add,
  concat,
  gruBlock,
  matmul,
  mul,
  sigmoid,
  slice,
  split,
  sub,
  tanh,
  type Tensor,
  type Variable,
} from '@tapeflow/core';
import { fastPaths } from '../fast/switches.js';
import { assertInitializer, constant, zeros as zerosInit, type Initializer } from '../initializers.js';
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

export interface GRUCellOptions extends CellOptions {
  /** A function, or a Keras activation name ('tanh', 'relu', ...). Default tanh. */
  activation?: ActivationLike;
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

  constructor(
    readonly numUnits: number,
    opts: GRUCellOptions = {},
  ) {
    super('gru_cell', opts.name);
    assertPositiveInt('GRUCell', 'numUnits', numUnits);
    assertInitializer(opts.biasInitializer, 'GRUCell', 'biasInitializer');
    this.activation = activationOf('GRUCell', opts.activation);
    this.kernelInitializer = kernelInit('GRUCell', opts);
    this.biasInitializer = opts.biasInitializer;
  }

  get stateSize(): number {
    return this.numUnits;
  }
  get outputSize(): number {
    return this.numUnits;
  }

  protected override build(inputs: Nest<Tensor>): void {
    const x = cellInput('GRUCell', inputs);
    const n = this.numUnits,
      rows = x.shape[1] + n,
      dt = x.dtype;
    this.gateKernel = this.addWeight('gates/kernel', [rows, 2 * n], dt, this.kernelInitializer);
    this.gateBias = this.addWeight('gates/bias', [2 * n], dt, this.biasInitializer ?? constant(1));
    this.candidateKernel = this.addWeight('candidate/kernel', [rows, n], dt, this.kernelInitializer);
    this.candidateBias = this.addWeight('candidate/bias', [n], dt, this.biasInitializer ?? zerosInit());
  }

  protected step(inputs: Nest<Tensor>, state: Nest<Tensor>): StepResult {
    const x = cellInput('GRUCell', inputs);
    checkDepth('GRUCell', this.gateKernel, x, this.numUnits);
    const h = stateTensor('GRUCell', 'state', state, x, this.numUnits);
    const newH = this.fromGates(add(matmul(concat([x, h], 1), this.gateKernel), this.gateBias), h, (rh) =>
      add(matmul(concat([x, rh], 1), this.candidateKernel), this.candidateBias),
    );
    return [newH, newH];
  }

  /** Fast paths: the input projection may be hoisted; with tanh, the whole-sequence GRU node applies. */
  override get fastTraits(): FastTraits {
    return { splits: true, sequence: this.activation === tanh ? 'gru' : null };
  }

  /**
   * Both kernels' input rows project at once (x Wg + bg, 2n columns, and x Wc + bc, n columns);
   * per step only h Wg[depth:] and (r h) Wc[depth:].
   */
  protected override stepSplit(rows: Tensor): SplitStep {
    const n = this.numUnits;
    checkDepth('GRUCell', this.gateKernel, cellInput('GRUCell', rows), n);
    const read = (state: Nest<Tensor>, like: Tensor): Tensor => stateTensor('GRUCell', 'state', state, like, n);
    return {
      kernels: [
        [this.gateKernel, this.gateBias],
        [this.candidateKernel, this.candidateBias],
      ],
      rest: ([pg, pc], state, [gh, ch]) => {
        const h = read(state, pg);
        const newH = this.fromGates(add(pg, matmul(h, gh)), h, (rh) => add(pc, matmul(rh, ch)));
        return [newH, newH];
      },
      sequence: { kind: 'gru', read },
    };
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
      return gruBlock(gates, h, candidatePre(mul(r, h)), fastPaths.fusedKernels);
    }
    const [r, u] = split(sigmoid(gates), 2, 1);
    const c = this.activation(candidatePre(mul(r, h)));
    return add(mul(u, h), mul(sub(1, u), c));
  }
}
