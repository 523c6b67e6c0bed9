/**
 * One training session: the demo's model (CharModel: MultiRNNCell of LSTMCells through
 * dynamicRnn with sequenceLength) and batches, with Adam, on the chosen backend. Mirrors the
 * demo's Trainer.trainStep, which cannot be imported here because it also holds the Node-only
 * checkpoint code; the loss is read with the async data() so a GPU readback does not block.
 */
import { adam, type AdamOptimizer } from '@tapeflow/autograd';
import { memory, setBackend, setRandomSeed } from '@tapeflow/core';
import { webgpuInitError } from '@tapeflow/backend-webgpu';
import { resetDefaultGraph } from '@tapeflow/rnn';
import { splitCorpus, trainBatch, type Corpus } from '@tapeflow/demo/corpus';
import { CharModel } from '@tapeflow/demo/model';
import { sampleNames } from '@tapeflow/demo/sample';
import names from 'tapeflow:names';

export type BackendName = 'cpu' | 'webgl' | 'webgpu';

export interface SessionConfig {
  backend: BackendName;
  units: number;
  layers: number;
  batchSize: number;
  learningRate: number;
  seed: number;
}

export class Session {
  step = 0;

  private constructor(
    readonly config: SessionConfig,
    readonly corpus: Corpus,
    readonly model: CharModel,
    private readonly optimizer: AdamOptimizer,
  ) {}

  /** Switches the engine to `config.backend` and builds a fresh model there (the previous one must be disposed). */
  static async create(config: SessionConfig): Promise<Session> {
    if (!(await setBackend(config.backend))) {
      throw new Error(
        `the '${config.backend}' backend could not start in this browser` +
          (config.backend === 'webgl'
            ? ' (it needs WebGL2)'
            : config.backend === 'webgpu'
              ? `: ${webgpuInitError()}`
              : ''),
      );
    }
    setRandomSeed(config.seed);
    const corpus = splitCorpus(names, config.seed);
    const model = new CharModel({
      vocabSize: corpus.vocab.length,
      units: config.units,
      layers: config.layers,
      seed: config.seed,
    });
    return new Session(config, corpus, model, adam(config.learningRate));
  }

  /** One Adam update on this step's seeded batch; resolves to its loss in nats per character. */
  async trainStep(): Promise<number> {
    const batch = trainBatch(this.corpus, this.config.batchSize, this.config.seed, this.step);
    const loss = this.optimizer.minimize(() => this.model.loss(batch), this.model.variables);
    try {
      return (await loss.data())[0];
    } finally {
      loss.dispose();
      this.step++;
    }
  }

  /** `count` names sampled from the model as it is now (seeded by the step, so reproducible). */
  sample(count: number, temperature = 0.8): string[] {
    return sampleNames(this.model, this.corpus.vocab, { count, temperature, seed: this.config.seed + this.step });
  }

  get numTensors(): number {
    return memory().numTensors;
  }

  get numParameters(): number {
    return this.model.variables.reduce((n, v) => n + v.size, 0);
  }

  /** Frees the model's variables and Adam's slots. */
  dispose(): void {
    this.optimizer.dispose();
    resetDefaultGraph();
  }
}
