/**
 * The character language model, written as a TF1 user would write it:
 *
 *   x       = one_hot(inputs, V)                                   [B, T, V]
 *   cell    = MultiRNNCell([LSTMCell(units) for _ in range(layers)])
 *   out, _  = dynamic_rnn(cell, x, sequence_length=lengths, dtype=float32)
 *   logits  = out @ softmax/kernel + softmax/bias                   [B, T, V]
 *   loss    = masked mean over real positions of -log_softmax(logits)[target]
 *
 * sequenceLength makes the RNN stop at each name's end (outputs past it are zero, its state is
 * carried through), and sequenceMask keeps the padding out of the loss.
 */
import {
  add, div, logSoftmax, matmul, mul, neg, oneHot, randomUniform, reshape, sequenceMask, sum, tensor,
  tidy, variable, zeros, type Tensor, type Variable,
} from '@tapeflow/core';
import { LSTMCell, MultiRNNCell, dynamicRnn, initializers } from '@tapeflow/rnn';
import type { Batch } from './data.js';

export interface ModelConfig { vocabSize: number; units: number; layers: number; seed: number }

export class CharModel {
  readonly cell: MultiRNNCell;
  readonly kernel: Variable;
  readonly bias: Variable;

  constructor(readonly config: ModelConfig) {
    const { vocabSize, units, layers, seed } = config;
    this.cell = new MultiRNNCell(Array.from({ length: layers }, (_, i) =>
      new LSTMCell(units, { initializer: initializers.glorotUniform({ seed: seed * 101 + i }) })));
    const limit = Math.sqrt(6 / (units + vocabSize)); // Glorot uniform, like the cells' kernels
    this.kernel = tidy(() => variable(randomUniform([units, vocabSize], { minval: -limit, maxval: limit, seed: seed * 101 + 99 }),
      { name: 'softmax/kernel' }));
    this.bias = tidy(() => variable(zeros([vocabSize]), { name: 'softmax/bias' }));
  }

  /** Logits [B, T, V] for a batch. */
  logits(b: Batch): Tensor {
    const { vocabSize: V, units: H } = this.config;
    const x = oneHot(tensor(b.inputs, [b.batch, b.time], 'int32'), V);
    const [outputs] = dynamicRnn(this.cell, x, { sequenceLength: tensor(b.lengths, [b.batch], 'int32'), dtype: 'float32' });
    const flat = reshape(outputs as Tensor, [b.batch * b.time, H]);
    return reshape(add(matmul(flat, this.kernel), this.bias), [b.batch, b.time, V]);
  }

  /** Summed negative log-likelihood (nats) over the batch's real characters. */
  totalNll(b: Batch): Tensor {
    return tidy(() => {
      const logp = logSoftmax(this.logits(b));
      const picked = sum(mul(logp, oneHot(tensor(b.targets, [b.batch, b.time], 'int32'), this.config.vocabSize)), -1);
      const mask = sequenceMask(tensor(b.lengths, [b.batch], 'int32'), b.time, 'float32');
      return neg(sum(mul(picked, mask)));
    });
  }

  /** Mean negative log-likelihood per character: the training loss. */
  loss(b: Batch): Tensor {
    const chars = b.lengths.reduce((n, l) => n + l, 0);
    return tidy(() => div(this.totalNll(b), chars));
  }

  /** Every variable, once the cells are built (they build on their first call). */
  get variables(): Variable[] {
    return [...this.cell.weights, this.kernel, this.bias];
  }
}
