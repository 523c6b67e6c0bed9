/**
 * `pnpm demo`: trains a character-level LSTM language model on first names with tapeflow, then
 * samples new names. See `pnpm demo --help`.
 */
import { parseArgs } from 'node:util';
import { mkdir } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { getBackend, setBackend } from '@tapeflow/core';
import { run, type RunOptions } from './run.js';

const HELP = `Usage: pnpm demo [options]

Trains a character-level language model (MultiRNNCell of LSTMCells under dynamicRnn with
sequenceLength) on ~8,400 English first names, reports held-out loss against a unigram
baseline, then samples new names. Writes to --out: loss.svg, metrics.json, samples.txt,
checkpoint/ (weights.json + shards, TF1 variable names, tfjs weights-manifest layout).

Options:
  --backend <name>     compute backend: cpu or webgl                  (default: cpu)
  --steps <n>          training steps (batches)                        (default: 1500)
  --units <n>          LSTM units per layer                            (default: 64)
  --layers <n>         number of stacked LSTM layers                   (default: 2)
  --batch <n>          names per training batch                        (default: 32)
  --lr <x>             Adam learning rate                              (default: 0.01)
  --seed <n>           seed for the data split, init, batches, samples (default: 42)
  --eval-every <n>     held-out evaluation interval in steps           (default: steps/10)
  --samples <n>        names to sample after training                  (default: 20)
  --temperature <x>    sampling temperature                            (default: 0.8)
  --resume <dir>       continue from a checkpoint directory written by an earlier run
  --out <dir>          output directory                                (default: out/demo)
  -h, --help           show this help
`;

async function useBackend(name: string): Promise<void> {
  // Importing a backend package registers it.
  if (name === 'cpu') await import('@tapeflow/backend-cpu');
  else if (name === 'webgl') await import('@tapeflow/backend-webgl');
  else throw new Error(`--backend: unknown backend '${name}' (cpu or webgl)`);
  if (!(await setBackend(name))) throw new Error(`--backend: '${name}' could not be initialized here`);
}

function int(name: string, v: string | undefined, dflt: number, min = 1): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new Error(`--${name}: expected an integer >= ${min}, got '${v}'`);
  return n;
}

function num(name: string, v: string | undefined, dflt: number): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!(n > 0) || !Number.isFinite(n)) throw new Error(`--${name}: expected a positive number, got '${v}'`);
  return n;
}

/** pnpm runs the script inside demo/; paths on the command line are meant from where pnpm was run. */
function fromUserCwd(p: string): string {
  return isAbsolute(p) ? p : resolve(process.env.INIT_CWD ?? process.cwd(), p);
}

async function main(): Promise<void> {
  const { values: a } = parseArgs({
    args: process.argv.slice(2).filter((x) => x !== '--'),
    options: {
      backend: { type: 'string' }, steps: { type: 'string' }, units: { type: 'string' },
      layers: { type: 'string' }, batch: { type: 'string' }, lr: { type: 'string' },
      seed: { type: 'string' }, 'eval-every': { type: 'string' }, samples: { type: 'string' },
      temperature: { type: 'string' }, resume: { type: 'string' }, out: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (a.help) { process.stdout.write(HELP); return; }
  const steps = int('steps', a.steps, 1500);
  const opts: RunOptions = {
    steps,
    units: int('units', a.units, 64),
    layers: int('layers', a.layers, 2),
    batchSize: int('batch', a.batch, 32),
    learningRate: num('lr', a.lr, 0.01),
    seed: int('seed', a.seed, 42, 0),
    evalEvery: int('eval-every', a['eval-every'], Math.max(1, Math.round(steps / 10))),
    samples: int('samples', a.samples, 20, 0),
    temperature: num('temperature', a.temperature, 0.8),
    resume: a.resume === undefined ? undefined : fromUserCwd(a.resume),
    out: fromUserCwd(a.out ?? 'out/demo'),
  };
  await useBackend(a.backend ?? 'cpu');
  await mkdir(opts.out, { recursive: true });
  console.log(`tapeflow demo: backend ${getBackend()}, ${opts.layers} x LSTM(${opts.units}), ` +
    `${opts.steps} steps of ${opts.batchSize} names, seed ${opts.seed}, output ${opts.out}`);
  await run(opts);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? `error: ${e.message}` : e);
  process.exitCode = 1;
});
