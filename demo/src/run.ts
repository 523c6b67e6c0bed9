/**
 * One demo run: corpus -> model -> training with a progress bar and periodic held-out
 * evaluation -> loss curve, samples, checkpoint and metrics in the output directory.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { getBackend, setRandomSeed } from '@tapeflow/core';
import { evalBatches, loadCorpus, unigramBaseline } from './data.js';
import { CharModel } from './model.js';
import { lossCurveSpec, renderSvg } from './plot.js';
import { Progress } from './progress.js';
import { sampleNames } from './sample.js';
import { Trainer } from './train.js';

export interface RunOptions {
  steps: number;
  units: number;
  layers: number;
  batchSize: number;
  learningRate: number;
  seed: number;
  evalEvery: number;
  samples: number;
  temperature: number;
  resume?: string;
  out: string;
}

const f3 = (x: number): string => x.toFixed(3);
/** CPU time since `start`: unlike wall time it does not grow when other processes share the cores. */
const cpuSeconds = (start: NodeJS.CpuUsage): number => {
  const u = process.cpuUsage(start);
  return (u.user + u.system) / 1e6;
};

export async function run(o: RunOptions): Promise<void> {
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  setRandomSeed(o.seed); // anything drawn without an explicit seed is reproducible too
  const corpus = loadCorpus(o.seed);
  const heldOut = evalBatches(corpus.heldOut, corpus.vocab, 256);
  const unigram = unigramBaseline(corpus);
  console.log(
    `corpus: ${corpus.train.length} training names, ${corpus.heldOut.length} held-out, ` +
      `vocabulary ${corpus.vocab.length} (${corpus.vocab.join('')})`,
  );
  console.log(`unigram baseline on held-out names: ${f3(unigram)} nats/char (perplexity ${f3(Math.exp(unigram))})`);

  const model = new CharModel({ vocabSize: corpus.vocab.length, units: o.units, layers: o.layers, seed: o.seed });
  const trainer = new Trainer(model, corpus, { batchSize: o.batchSize, learningRate: o.learningRate, seed: o.seed });
  if (o.resume) {
    await trainer.restore(o.resume);
    console.log(`resumed from ${o.resume} at step ${trainer.step}`);
  }
  const params = model.variables.reduce((n, v) => n + v.size, 0);
  console.log(
    `model: ${params} parameters in ${model.variables.length} variables (${model.variables.map((v) => v.name).join(', ')})`,
  );

  const train: { step: number; loss: number }[] = [];
  const evals: { step: number; loss: number }[] = [];
  const evaluate = (): number => {
    const loss = trainer.evaluate(heldOut);
    evals.push({ step: trainer.step, loss });
    return loss;
  };
  const first = evaluate();
  console.log(`step ${trainer.step}: held-out ${f3(first)} nats/char (perplexity ${f3(Math.exp(first))})`);

  const progress = new Progress(o.steps, trainer.step, { loss: '-', heldOut: f3(first), rate: '-' });
  const tTrain = performance.now();
  const startStep = trainer.step;
  // Training loss shown: the mean over the last (up to) 50 batches, which are noisy one by one.
  const recent = (): number => {
    const r = train.slice(-50);
    return r.reduce((n, x) => n + x.loss, 0) / r.length;
  };
  while (trainer.step < o.steps) {
    const loss = trainer.trainStep();
    train.push({ step: trainer.step, loss });
    const rate = (trainer.step - startStep) / ((performance.now() - tTrain) / 1000);
    const fields: { loss: string; rate: string; heldOut?: string } = { loss: f3(recent()), rate: rate.toFixed(1) };
    if (trainer.step % o.evalEvery === 0 || trainer.step === o.steps) {
      const h = evaluate();
      fields.heldOut = f3(h);
      progress.log(
        `step ${trainer.step}: train ${f3(recent())}, held-out ${f3(h)} nats/char (perplexity ${f3(Math.exp(h))}), ` +
          `${rate.toFixed(1)} steps/s`,
      );
    }
    progress.update(trainer.step, fields);
  }
  progress.stop();
  const trainSeconds = (performance.now() - tTrain) / 1000;

  const last = evals[evals.length - 1];
  console.log(
    `held-out: ${f3(last.loss)} nats/char (perplexity ${f3(Math.exp(last.loss))}) ` +
      `vs unigram ${f3(unigram)} (perplexity ${f3(Math.exp(unigram))}); trained ${trainer.step - startStep} steps ` +
      `in ${trainSeconds.toFixed(1)} s (${((trainer.step - startStep) / trainSeconds).toFixed(1)} steps/s)`,
  );

  const samples = sampleNames(model, corpus.vocab, { count: o.samples, temperature: o.temperature, seed: o.seed });
  const known = new Set([...corpus.train, ...corpus.heldOut]);
  const fresh = samples.filter((s) => !known.has(s));
  console.log(
    `samples (temperature ${o.temperature}; * = not in the corpus):\n` +
      samples.map((s) => `  ${known.has(s) ? ' ' : '*'} ${s}`).join('\n'),
  );

  const svg = await renderSvg(
    lossCurveSpec({
      train,
      heldOut: evals,
      unigram,
      title: `tapeflow char-LSTM on first names: ${o.layers} x LSTM(${o.units}), batch ${o.batchSize}, seed ${o.seed}`,
    }),
  );
  await writeFile(join(o.out, 'loss.svg'), svg);
  await writeFile(join(o.out, 'samples.txt'), samples.join('\n') + '\n');
  await trainer.save(join(o.out, 'checkpoint'));
  await trainer.saveTF(join(o.out, 'tf-checkpoint'));
  await writeFile(
    join(o.out, 'metrics.json'),
    JSON.stringify(
      {
        options: o,
        backend: getBackend(),
        corpus: { train: corpus.train.length, heldOut: corpus.heldOut.length, vocab: corpus.vocab.join('') },
        unigramHeldOutNats: unigram,
        heldOut: evals,
        train,
        trainSeconds,
        totalSeconds: (performance.now() - t0) / 1000,
        cpuSeconds: cpuSeconds(cpu0),
        samples,
        novelSamples: fresh.length,
      },
      null,
      1,
    ) + '\n',
  );
  console.log(
    `wrote ${['loss.svg', 'samples.txt', 'metrics.json', 'checkpoint/', 'tf-checkpoint/'].map((f) => join(o.out, f)).join(', ')} ` +
      `(total ${((performance.now() - t0) / 1000).toFixed(1)} s, ${cpuSeconds(cpu0).toFixed(1)} s of CPU)`,
  );
}
