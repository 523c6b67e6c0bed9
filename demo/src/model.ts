/**
 * The character language model, written as a TF1 user would write it:
 *
 *   x       = one_hot(inputs, V)                                   [B, T, V]
 *   cell    = MultiRNNCell([LSTMCell(units) for _ in range(layers)])
 *   out, _  = dynamic_rnn(cell, x, sequence_length=lengths, dtype=float32)
 *   logits  = out @ softmax/kernel + softmax/bias                   [B, T, V]
 *   loss    = masked mean over real positions of -log_softmax(logits)[target]
 *
 * Variables live in @tapeflow/rnn's default graph: call resetDefaultGraph() before building a
 * second model in the same process (it disposes the first one's variables).
 *
 * sequenceLength makes the RNN stop at each name's end (outputs past it are zero, its state is
 * carried through), and sequenceMask keeps the padding out of the loss.
 */
import {
  add,
  div,
  logSoftmax,
  matmul,
  mul,
  neg,
  oneHot,
  reshape,
  sequenceMask,
  sum,
  tensor,
  tidy,
  type Tensor,
  type Variable,
} from '@tapeflow/core';
import { LSTMCell, MultiRNNCell, dynamicRnn, getVariable, initializers, variableScope } from '@tapeflow/rnn';
import type { Batch } from './corpus.js';

export interface ModelConfig {
  vocabSize: number;
  units: number;
  layers: number;
  seed: number;
}

export class CharModel {
  readonly cell: MultiRNNCell;
  readonly kernel: Variable;
  readonly bias: Variable;

  constructor(readonly config: ModelConfig) {
    const { vocabSize, units, layers, seed } = config;
    this.cell = new MultiRNNCell(
      Array.from(
        { length: layers },
        (_, i) => new LSTMCell(units, { initializer: initializers.glorotUniform({ seed: seed * 101 + i }) }),
      ),
    );
    [this.kernel, this.bias] = variableScope('softmax', () => [
      getVariable('kernel', [units, vocabSize], 'float32', initializers.glorotUniform({ seed: seed * 101 + 99 })),
      getVariable('bias', [vocabSize], 'float32', initializers.zeros()),
    ]);
    // Build the cells now (they create their weights on first call), so `variables` is complete.
    tidy(() =>
      this.logits({
        inputs: new Int32Array(1),
        targets: new Int32Array(1),
        lengths: Int32Array.of(1),
        batch: 1,
        time: 1,
      }),
    );
  }

  /** Logits [B, T, V] for a batch. */
  logits(b: Batch): Tensor {
    const { vocabSize: V, units: H } = this.config;
    const x = oneHot(tensor(b.inputs, [b.batch, b.time], 'int32'), V);
    const [outputs] = dynamicRnn(this.cell, x, {
      sequenceLength: tensor(b.lengths, [b.batch], 'int32'),
      dtype: 'float32',
    });
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

  /** Every variable, TF-named ('rnn/multi_rnn_cell/cell_0/lstm_cell/kernel', 'softmax/kernel', ...). */
  get variables(): Variable[] {
    return [...this.cell.weights, this.kernel, this.bias];
  }
}
