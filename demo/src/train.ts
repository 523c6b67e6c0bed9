/**
 * Training state and steps: Adam on the model's variables, one seeded batch per step, held-out
 * evaluation, and checkpoints holding the weights, Adam's slots and the step, so a resumed run
 * continues with exactly the losses of an uninterrupted one. Checkpoints come in two formats,
 * both keyed by TF1 names: tfjs's weights-manifest layout and TensorFlow's own V2 bundle.
 */
import { join } from 'node:path';
import { adam, type AdamOptimizer } from '@tapeflow/autograd';
import { dispose, scalar } from '@tapeflow/core';
import { loadCheckpoint, saveCheckpoint, saveWeights } from '@tapeflow/core/node';
import { trainBatch, type Batch, type Corpus } from './data.js';
import type { CharModel } from './model.js';

export interface TrainOptions {
  batchSize: number;
  learningRate: number;
  seed: number;
}

/** Checkpoint name of the step counter (TF1's name for it). */
const STEP = 'global_step';

export class Trainer {
  step = 0;
  readonly optimizer: AdamOptimizer;

  constructor(
    readonly model: CharModel,
    readonly corpus: Corpus,
    readonly opts: TrainOptions,
  ) {
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

  /**
   * Writes the weights, Adam's state ('<var>/Adam', '<var>/Adam_1', 'beta1_power', 'beta2_power')
   * and the step (TF1's 'global_step') to `dir` in tfjs's weights-manifest layout.
   */
  async save(dir: string): Promise<void> {
    const slots = this.optimizer.getSlots(this.model.variables);
    const step = scalar(this.step, 'int32');
    try {
      await saveWeights(
        { ...Object.fromEntries(this.model.variables.map((v) => [v.name, v])), ...slots, [STEP]: step },
        dir,
      );
    } finally {
      dispose([slots, step]);
    }
  }

  /** The same state as a TensorFlow checkpoint, as TF1's Saver lays it out: `dir/model.ckpt-<step>.*` and `dir/checkpoint`. */
  async saveTF(dir: string): Promise<string> {
    const prefix = join(dir, `model.ckpt-${this.step}`);
    await saveCheckpoint(prefix, this.model.variables, { optimizer: this.optimizer, globalStep: this.step });
    return prefix;
  }

  /**
   * Restores what either save wrote (a weights.json directory, a bundle prefix, or a directory
   * whose `checkpoint` file names one). Names and shapes are checked first: on an error nothing changes.
   */
  async restore(path: string): Promise<void> {
    const report = await loadCheckpoint(path, { variables: this.model.variables, optimizer: this.optimizer });
    // One Adam update per training step, so Adam's restored count is the step if global_step is absent.
    this.step = report.globalStep ?? this.optimizer.iterations;
  }
}
