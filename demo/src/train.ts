/**
 * Training state and steps: Adam on the model's variables, one seeded batch per step, held-out
 * evaluation, and checkpoints holding the weights, Adam's slots and the step, so a resumed run
 * continues with exactly the losses of an uninterrupted one.
 */
import { adam, type AdamOptimizer } from '@tapeflow/autograd';
import { ValueError, assignWeights, dispose, scalar, type Variable } from '@tapeflow/core';
import { loadWeights, saveWeights } from '@tapeflow/core/node';
import { trainBatch, type Batch, type Corpus } from './data.js';
import type { CharModel } from './model.js';
import { adamSlots, setAdamStep } from './optimizer_state.js';

export interface TrainOptions { batchSize: number; learningRate: number; seed: number }

/** Checkpoint name of the step counter (TF1's name for it). */
const STEP = 'global_step';

export class Trainer {
  step = 0;
  readonly optimizer: AdamOptimizer;

  constructor(readonly model: CharModel, readonly corpus: Corpus, readonly opts: TrainOptions) {
    this.optimizer = adam(opts.learningRate);
  }

  /** One Adam update on this step's batch; returns its loss in nats per character. */
  trainStep(): number {
    const batch = trainBatch(this.corpus, this.opts.batchSize, this.opts.seed, this.step);
    const loss = this.optimizer.minimize(() => this.model.loss(batch), this.model.variables);
    const value = loss.dataSync()[0];
    loss.dispose();
    this.step++;
    return value;
  }

  /** Mean negative log-likelihood per character over the batches (nats). */
  evaluate(batches: readonly Batch[]): number {
    let nll = 0;
    let chars = 0;
    for (const b of batches) {
      const t = this.model.totalNll(b);
      nll += t.dataSync()[0];
      t.dispose();
      chars += b.lengths.reduce((n, l) => n + l, 0);
    }
    return nll / chars;
  }

  /** Every variable a checkpoint holds: the model's, then Adam's slots ('<var>/Adam', '<var>/Adam_1'). */
  get stateVariables(): Variable[] {
    return [...this.model.variables, ...adamSlots(this.optimizer, this.model.variables)];
  }

  /** Writes the weights, Adam's slots and the step (TF1's 'global_step') to `dir`. */
  async save(dir: string): Promise<void> {
    const step = scalar(this.step, 'int32');
    try {
      await saveWeights({ ...Object.fromEntries(this.stateVariables.map((v) => [v.name, v])), [STEP]: step }, dir);
    } finally {
      step.dispose();
    }
  }

  /** Restores everything `save` wrote. Names and shapes are checked first: on an error nothing changes. */
  async restore(dir: string): Promise<void> {
    const weights = await loadWeights(dir);
    try {
      const step = weights.get(STEP);
      if (!step || step.dtype !== 'int32' || step.size !== 1) {
        throw new ValueError(`restore: checkpoint ${dir} has no int32 scalar '${STEP}'`);
      }
      assignWeights(this.stateVariables, weights);
      this.step = step.dataSync()[0];
      setAdamStep(this.optimizer, this.step); // one Adam update per training step
    } finally {
      dispose([...weights.values()]);
    }
  }
}
