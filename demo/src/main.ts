/**
 * `pnpm demo`: trains a character-level LSTM language model on first names with tapeflow, then
 * samples new names. See `pnpm demo --help`.
 */
import { parseArgs } from 'node:util';
import { mkdir } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { getBackend, setBackend } from '@tapeflow/core';
import { run, type RunOptions } from './run.js';

/** Defaults: about two minutes on a 2-core machine with the CPU backend. */
const DEFAULTS = {
  backend: 'cpu',
  steps: 800,
  units: 64,
  layers: 2,
  batch: 32,
  lr: 0.02,
  seed: 42,
  samples: 20,
  temperature: 0.8,
  out: 'out/demo',
};

const HELP = `Usage: pnpm demo [options]

Trains a character-level language model (MultiRNNCell of LSTMCells under dynamicRnn with
sequenceLength) on ~8,400 English first names, reports held-out loss against a unigram
baseline, then samples new names. Writes to --out: loss.svg, metrics.json, samples.txt,
checkpoint/ (weights.json + shards, tfjs weights-manifest layout) and tf-checkpoint/ (the same
as a TensorFlow V2 checkpoint, model.ckpt-<step>.index/.data-* + checkpoint), TF1 variable names.

Options:
  --backend <name>     compute backend: cpu, webgl, webgpu                 (default: ${DEFAULTS.backend})
  --steps <n>          train until this step (a resumed run counts on)   (default: ${DEFAULTS.steps})
  --units <n>          LSTM units per layer                              (default: ${DEFAULTS.units})
  --layers <n>         number of stacked LSTM layers                     (default: ${DEFAULTS.layers})
  --batch <n>          names per training batch                          (default: ${DEFAULTS.batch})
  --lr <x>             Adam learning rate                                (default: ${DEFAULTS.lr})
  --seed <n>           seed of the data split, init, batches and samples (default: ${DEFAULTS.seed})
  --eval-every <n>     held-out evaluation interval in steps             (default: steps/10)
  --samples <n>        names to sample after training                    (default: ${DEFAULTS.samples})
  --temperature <x>    sampling temperature                              (default: ${DEFAULTS.temperature})
  --resume <path>      continue from an earlier run's checkpoint/ or tf-checkpoint/ (or a TF1
                       checkpoint prefix with the same variables; same --units, --layers, --seed)
  --out <dir>          output directory                                  (default: ${DEFAULTS.out})
  -h, --help           show this help

The same options and seed give the same losses and samples on the CPU backend.
`;

async function useBackend(name: string): Promise<void> {
  // Importing a backend package registers it.
  if (name === 'cpu') await import('@tapeflow/backend-cpu');
  else if (name === 'webgl') await import('@tapeflow/backend-webgl');
  else if (name === 'webgpu') await import('@tapeflow/backend-webgpu');
  else throw new Error(`--backend: unknown backend '${name}' (cpu, webgl or webgpu)`);
  if (!(await setBackend(name))) {
    throw new Error(`--backend: '${name}' could not be initialized here` + (NOT_IN_NODE[name] ?? ''));
  }
}

/** Why a backend that runs in browsers fails in Node, and where to run it instead. */
const NOT_IN_NODE: Record<string, string> = {
  webgl:
    ': Node has no WebGL2. `pnpm playground` trains this model on webgl in your browser ' +
    '(http://127.0.0.1:5173); in Node, use --backend cpu.',
  webgpu:
    ': in Node, webgpu runs on Dawn (the webgpu package) and needs a Vulkan driver (Debian: libvulkan1, ' +
    'and VK_ICD_FILENAMES naming one); `pnpm playground` trains this model on webgpu in your browser (http://127.0.0.1:5173).',
};

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
      backend: { type: 'string' },
      steps: { type: 'string' },
      units: { type: 'string' },
      layers: { type: 'string' },
      batch: { type: 'string' },
      lr: { type: 'string' },
      seed: { type: 'string' },
      'eval-every': { type: 'string' },
      samples: { type: 'string' },
      temperature: { type: 'string' },
      resume: { type: 'string' },
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (a.help) {
    process.stdout.write(HELP);
    return;
  }
  const steps = int('steps', a.steps, DEFAULTS.steps);
  const opts: RunOptions = {
    steps,
    units: int('units', a.units, DEFAULTS.units),
    layers: int('layers', a.layers, DEFAULTS.layers),
    batchSize: int('batch', a.batch, DEFAULTS.batch),
    learningRate: num('lr', a.lr, DEFAULTS.lr),
    seed: int('seed', a.seed, DEFAULTS.seed, 0),
    evalEvery: int('eval-every', a['eval-every'], Math.max(1, Math.round(steps / 10))),
    samples: int('samples', a.samples, DEFAULTS.samples, 0),
    temperature: num('temperature', a.temperature, DEFAULTS.temperature),
    resume: a.resume === undefined ? undefined : fromUserCwd(a.resume),
    out: fromUserCwd(a.out ?? DEFAULTS.out),
  };
  await useBackend(a.backend ?? DEFAULTS.backend);
  await mkdir(opts.out, { recursive: true });
  console.log(
    `tapeflow demo: backend ${getBackend()}, ${opts.layers} x LSTM(${opts.units}), ` +
      `${opts.steps} steps of ${opts.batchSize} names, seed ${opts.seed}, output ${opts.out}`,
  );
  await run(opts);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? `error: ${e.message}` : e);
  process.exitCode = 1;
});
