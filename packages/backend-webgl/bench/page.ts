/**
 * The bench page (bundled by esbuild, runs in headless Chromium): the same workloads on
 * tapeflow's webgl backend and on TensorFlow.js's webgl backend, in one page, timed to a
 * completed readback (an op is done when its values can be read).
 */
import * as tf from '@tapeflow/core';
import { resetDefaultGraph } from '@tapeflow/rnn';
import '../src/index.js';
import * as tfc from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-webgl';
import { LSTM_NAME, lstmValues, relDiff, tapeflowLstm, tfjsLstm, uniform } from './lstm_step.js';

/** ratio: tfjs ms / tapeflow ms (> 1: tapeflow is faster). diff: largest difference of the results, relative to their largest value. */
export interface BenchRow {
  name: string;
  tapeflowMs: number;
  tfjsMs: number;
  ratio: number;
  diff: number;
}

/**
 * Median wall times of `reps` runs of each after a warm-up run of each; each run ends when its
 * results are read. The two alternate (which goes first alternates too), so load from other
 * work on the machine falls on both alike.
 */
async function timeBoth(
  ours: () => Promise<void>,
  theirs: () => Promise<void>,
  reps: number,
): Promise<[number, number]> {
  await ours();
  await theirs();
  const ts: [number[], number[]] = [[], []];
  const once = async (k: 0 | 1): Promise<void> => {
    const t0 = performance.now();
    await (k === 0 ? ours() : theirs());
    ts[k].push(performance.now() - t0);
  };
  for (let i = 0; i < reps; i++) {
    const first = (i % 2) as 0 | 1;
    await once(first);
    await once((1 - first) as 0 | 1);
  }
  const median = (v: number[]): number => v.sort((a, b) => a - b)[Math.floor(v.length / 2)];
  return [median(ts[0]), median(ts[1])];
}

async function matmul(n: number, reps: number): Promise<BenchRow> {
  const a = uniform(n * n, 1),
    b = uniform(n * n, 2);
  const ta = tf.tensor(a, [n, n]),
    tb = tf.tensor(b, [n, n]);
  const ca = tfc.tensor(a, [n, n]),
    cb = tfc.tensor(b, [n, n]);
  const ours = tf.matmul(ta, tb),
    theirs = tfc.matMul(ca, cb);
  const diff = relDiff(await ours.data(), await theirs.data());
  tf.dispose(ours);
  theirs.dispose();
  const [tapeflowMs, tfjsMs] = await timeBoth(
    async () => {
      const y = tf.matmul(ta, tb);
      await y.data();
      y.dispose();
    },
    async () => {
      const y = tfc.matMul(ca, cb);
      await y.data();
      y.dispose();
    },
    reps,
  );
  tfc.dispose([ca, cb]);
  tf.dispose([ta, tb]);
  return { name: `matmul ${n}x${n} @ ${n}x${n}`, tapeflowMs, tfjsMs, ratio: tfjsMs / tapeflowMs, diff };
}

/** One LSTM training step's forward and backward (lstm_step.ts), the same weights and inputs on both. */
async function lstm(reps: number): Promise<BenchRow> {
  const values = lstmValues();
  resetDefaultGraph();
  const ours = await tapeflowLstm('bench', values);
  const theirs = tfjsLstm(values);
  const [tapeflowMs, tfjsMs] = await timeBoth(ours.run, theirs.run, reps);
  const diff = Math.max(relDiff(ours.result()[0], theirs.result()[0]), relDiff(ours.result()[1], theirs.result()[1]));
  resetDefaultGraph();
  ours.dispose();
  theirs.dispose();
  return { name: LSTM_NAME, tapeflowMs, tfjsMs, ratio: tfjsMs / tapeflowMs, diff };
}

declare global {
  interface Window {
    tapeflowBench: (quick: boolean) => Promise<BenchRow[]>;
  }
}

window.tapeflowBench = async (quick) => {
  if (!(await tf.setBackend('webgl'))) throw new Error('tapeflow webgl backend failed to start');
  if (!(await tfc.setBackend('webgl'))) throw new Error('tfjs webgl backend failed to start');
  await tfc.ready();
  const rows: BenchRow[] = [];
  const done = (r: BenchRow): void => {
    rows.push(r);
    console.log(`bench: ${r.name}: ${r.tapeflowMs.toFixed(1)} vs ${r.tfjsMs.toFixed(1)} ms`);
  };
  for (const n of [256, 512, 1024]) done(await matmul(n, quick ? 1 : n >= 1024 ? 3 : 5));
  done(await lstm(quick ? 1 : 3));
  return rows;
};
