/**
 * tf.contrib.rnn.LayerNormBasicLSTMCell: a BasicLSTMCell whose four gate pre-activations and new
 * cell state are layer-normalized (Ba, Kiros & Hinton 2016) before their nonlinearities, with
 * optional recurrent dropout on the candidate (Semeniuta et al. 2016):
 *   i, j, f, o = split([x, h] K, 4)                     (no bias when layerNorm: beta shifts)
 *   i, j, f, o = LN_input(i), LN_transform(j), LN_forget(f), LN_output(o)
 *   g = dropout(act(j), keep)
 *   c' = LN_state(c sig(f + forgetBias) + sig(i) g)
 *   h' = act(c') sig(o)
 * LN_s(z) = (z - mean(z)) / sqrt(var(z) + 1e-12) * gamma_s + beta_s over each row, with the
 * variables '<cell>/<s>/gamma' (init normGain) and '<cell>/<s>/beta' (init normShift), as TF's
 * layers.layer_norm makes them. Without layerNorm the kernel gets a 'bias' which, like TF's
 * get_variable without an initializer, starts glorot-uniform.
 */
import {
  add,
  concat,
  div,
  dropout,
  matmul,
  mean,
  mul,
  sigmoid,
  split,
  sqrt,
  square,
  sub,
  ValueError,
  type Tensor,
  type Variable,
} from '@tapeflow/core';
import { constant, type Initializer } from '../initializers.js';
import { activationOf, type Activation, type ActivationLike } from '../activations.js';
import { describe, type Nest } from '../nest.js';
import {
  RNNCell,
  assertPositiveInt,
  cellInput,
  checkDepth,
  kernelInit,
  type CellOptions,
  type StepResult,
} from './rnn_cell.js';
import { LSTMStateTuple } from './state_tuple.js';
import { assertForgetBias, unpackLSTMState } from './lstm_state.js';

export interface LayerNormBasicLSTMCellOptions extends CellOptions {
  forgetBias?: number;
  activation?: ActivationLike;
  /** Normalize the gates and the cell state (default true). */
  layerNorm?: boolean;
  /** Initial gamma (default 1) and beta (default 0) of every normalization. */
  normGain?: number;
  normShift?: number;
  /** Keep probability of the recurrent dropout on the candidate (default 1: none). */
  dropoutKeepProb?: number;
  dropoutProbSeed?: number;
}

/** TF's variance_epsilon for layer_norm outside float16. */
const EPSILON = 1e-12;
const NORMS = ['input', 'transform', 'forget', 'output', 'state'] as const;
type NormName = (typeof NORMS)[number];

export class LayerNormBasicLSTMCell extends RNNCell {
  readonly forgetBias: number;
  readonly layerNorm: boolean;
  readonly normGain: number;
  readonly normShift: number;
  readonly dropoutKeepProb: number;
  readonly dropoutProbSeed?: number;
  private readonly activation: Activation;
  private readonly kernelInitializer?: Initializer;
  private kernel!: Variable;
  private bias?: Variable;
  private draws = 0;
  private norms = new Map<NormName, [gamma: Variable, beta: Variable]>();

  constructor(
    readonly numUnits: number,
    opts: LayerNormBasicLSTMCellOptions = {},
  ) {
    super('layer_norm_basic_lstm_cell', opts.name);
    const op = 'LayerNormBasicLSTMCell';
    assertPositiveInt(op, 'numUnits', numUnits);
    this.activation = activationOf(op, opts.activation);
    this.forgetBias = assertForgetBias(op, opts.forgetBias);
    this.layerNorm = opts.layerNorm ?? true;
    this.normGain = finite(op, 'normGain', opts.normGain, 1);
    this.normShift = finite(op, 'normShift', opts.normShift, 0);
    this.dropoutKeepProb = finite(op, 'dropoutKeepProb', opts.dropoutKeepProb, 1);
    if (!(this.dropoutKeepProb > 0 && this.dropoutKeepProb <= 1)) {
      throw new ValueError(`${op}: dropoutKeepProb must be in (0, 1], got ${this.dropoutKeepProb}`);
    }
    this.dropoutProbSeed = opts.dropoutProbSeed;
    this.kernelInitializer = kernelInit(op, opts);
  }

  get stateSize(): LSTMStateTuple<number> {
    return new LSTMStateTuple(this.numUnits, this.numUnits);
  }
  get outputSize(): number {
    return this.numUnits;
  }

  protected override build(inputs: Nest<Tensor>): void {
    const x = cellInput('LayerNormBasicLSTMCell', inputs);
    const n = this.numUnits;
    this.kernel = this.addWeight('kernel', [x.shape[1] + n, 4 * n], x.dtype, this.kernelInitializer);
    if (!this.layerNorm) {
      this.bias = this.addWeight('bias', [4 * n], x.dtype);
      return;
    }
    for (const s of NORMS) {
      this.norms.set(s, [
        this.addWeight(`${s}/gamma`, [n], x.dtype, constant(this.normGain)),
        this.addWeight(`${s}/beta`, [n], x.dtype, constant(this.normShift)),
      ]);
    }
  }

  protected step(inputs: Nest<Tensor>, state: Nest<Tensor>): StepResult {
    const op = 'LayerNormBasicLSTMCell';
    const x = cellInput(op, inputs);
    const n = this.numUnits;
    checkDepth(op, this.kernel, x, n);
    const [c, h] = unpackLSTMState(op, state, true, x, n, n);
    let z = matmul(concat([x, h], 1), this.kernel);
    if (this.bias) z = add(z, this.bias);
    const [i, j, f, o] = split(z, 4, 1).map((g, k) => this.norm(NORMS[k], g));
    const g = this.dropout(this.activation(j));
    const newC = this.norm('state', add(mul(c, sigmoid(add(f, this.forgetBias))), mul(sigmoid(i), g)));
    const newH = mul(this.activation(newC), sigmoid(o));
    return [newH, new LSTMStateTuple(newC, newH)];
  }

  /** Layer normalization of each row of z with the norm's gamma and beta (identity without layerNorm). */
  private norm(which: NormName, z: Tensor): Tensor {
    const params = this.norms.get(which);
    if (!params) return z;
    const mu = mean(z, 1, true);
    const centered = sub(z, mu);
    const variance = mean(square(centered), 1, true);
    return add(mul(div(centered, sqrt(add(variance, EPSILON))), params[0]), params[1]);
  }

  /**
   * core's dropout(g, {keepProb}) (TF1's). A fresh mask per step: core's seeded draws repeat, so
   * the k-th mask the cell draws gets the seed (seed, k) and a run stays reproducible.
   */
  private dropout(g: Tensor): Tensor {
    if (this.dropoutKeepProb >= 1) return g;
    const seed =
      this.dropoutProbSeed === undefined ? undefined : (this.dropoutProbSeed * 1000003 + this.draws++) % 2147483647;
    return dropout(g, { keepProb: this.dropoutKeepProb, seed });
  }

  override dispose(): void {
    super.dispose();
    this.norms = new Map();
    this.bias = undefined;
  }
}

function finite(op: string, arg: string, v: unknown, fallback: number): number {
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isFinite(v))
    throw new ValueError(`${op}: ${arg} must be a finite number, got ${typeof v === 'number' ? v : describe(v)}`);
  return v;
}
