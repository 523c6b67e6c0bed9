/**
 * The bench page (bundled by esbuild, runs in headless Chromium on the SwiftShader adapter): the
 * same workloads on tapeflow's webgpu backend, TensorFlow.js's webgpu backend and tapeflow's webgl
 * backend, in one page, timed to a completed readback (an op is done when its values can be read).
 */
import * as tf from '@tapeflow/core';
import { resetDefaultGraph } from '@tapeflow/rnn';
import '../src/index.js';
import '@tapeflow/backend-webgl';
import * as tfc from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-webgpu';
import {
  LSTM_NAME,
  lstmValues,
  relDiff,
  tapeflowLstm,
  tfjsLstm,
  uniform,
} from '../../backend-webgl/bench/lstm_step.js';

/** Median ms of each contender; diff: largest difference of webgpu's result from tfjs's, relative to tfjs's largest value. */
export interface BenchRow {
  name: string;
  webgpuMs: number;
  tfjsMs: number;
  webglMs: number;
  diff: number;
}

type Run = () => Promise<void>;
interface Contender {
  prepare(): Promise<void>;
  run: Run;
}

/**
 * Median wall times of `reps` runs of each after a warm-up run of each. The contenders take
 * turns, the first one rotating, so load from other work on the machine falls on all alike.
 * `prepare` switches tapeflow's active backend (each contender's inputs already live on it).
 */
async function timeAll(cs: Contender[], reps: number): Promise<number[]> {
  for (const c of cs) {
    await c.prepare();
    await c.run();
  }
  const ts = cs.map((): number[] => []);
  for (let i = 0; i < reps; i++) {
    for (let j = 0; j < cs.length; j++) {
      const k = (i + j) % cs.length;
      await cs[k].prepare();
      const t0 = performance.now();
      await cs[k].run();
      ts[k].push(performance.now() - t0);
    }
  }
  return ts.map((v) => v.sort((a, b) => a - b)[Math.floor(v.length / 2)]);
}

const on = (name: string) => async (): Promise<void> => {
  if (!(await tf.setBackend(name))) throw new Error(`tapeflow ${name} failed to start`);
};

async function matmul(n: number, reps: number): Promise<BenchRow> {
  const a = uniform(n * n, 1),
    b = uniform(n * n, 2);
  const ours = async (backend: string): Promise<{ c: Contender; result: Float32Array }> => {
    await on(backend)();
    const ta = tf.tensor(a, [n, n]),
      tb = tf.tensor(b, [n, n]);
    const y = tf.matmul(ta, tb);
    const result = (await y.data()) as Float32Array;
    y.dispose();
    return {
      c: {
        prepare: on(backend),
        run: async () => {
          const z = tf.matmul(ta, tb);
          await z.data();
          z.dispose();
        },
      },
      result,
    };
  };
  const gpu = await ours('webgpu'),
    gl = await ours('webgl');
  const ca = tfc.tensor(a, [n, n]),
    cb = tfc.tensor(b, [n, n]);
  const theirs = tfc.matMul(ca, cb);
  const diff = relDiff(gpu.result, await theirs.data());
  theirs.dispose();
  const tfjs: Contender = {
    prepare: async () => {},
    run: async () => {
      const z = tfc.matMul(ca, cb);
      await z.data();
      z.dispose();
    },
  };
  const [webgpuMs, tfjsMs, webglMs] = await timeAll([gpu.c, tfjs, gl.c], reps);
  tfc.dispose([ca, cb]);
  return { name: `matmul ${n}x${n} @ ${n}x${n}`, webgpuMs, tfjsMs, webglMs, diff };
}

/** One LSTM training step's forward and backward (webgl's lstm_step.ts), the same weights and inputs on all three. */
async function lstm(reps: number): Promise<BenchRow> {
  const values = lstmValues();
  resetDefaultGraph();
  // Each tapeflow backend gets its own input and cell (a scope of its own), created on it.
  const ours = async (backend: string): Promise<{ c: Contender; step: Awaited<ReturnType<typeof tapeflowLstm>> }> => {
    await on(backend)();
    const step = await tapeflowLstm(`bench_${backend}`, values);
    return { c: { prepare: on(backend), run: step.run }, step };
  };
  const gpu = await ours('webgpu'),
    gl = await ours('webgl');
  const theirs = tfjsLstm(values);
  const [webgpuMs, tfjsMs, webglMs] = await timeAll([gpu.c, { prepare: async () => {}, run: theirs.run }, gl.c], reps);
  const diff = Math.max(
    relDiff(gpu.step.result()[0], theirs.result()[0]),
    relDiff(gpu.step.result()[1], theirs.result()[1]),
  );
  resetDefaultGraph();
  for (const d of [gpu.step, gl.step, theirs]) d.dispose();
  return { name: LSTM_NAME, webgpuMs, tfjsMs, webglMs, diff };
}

declare global {
  interface Window {
    tapeflowWebgpuBench: (quick: boolean) => Promise<BenchRow[]>;
  }
}

window.tapeflowWebgpuBench = async (quick) => {
  if (!(await tfc.setBackend('webgpu'))) throw new Error('tfjs webgpu backend failed to start');
  await tfc.ready();
  const rows: BenchRow[] = [];
  const done = (r: BenchRow): void => {
    rows.push(r);
    console.log(
      `bench: ${r.name}: webgpu ${r.webgpuMs.toFixed(1)}, tfjs-webgpu ${r.tfjsMs.toFixed(1)}, webgl ${r.webglMs.toFixed(1)} ms`,
    );
  };
  for (const n of [256, 512, 1024]) done(await matmul(n, quick ? 1 : n >= 1024 ? 3 : 5));
  done(await lstm(quick ? 1 : 3));
  return rows;
};
