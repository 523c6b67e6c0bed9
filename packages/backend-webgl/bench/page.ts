/**
 * The bench page (bundled by esbuild, runs in headless Chromium): the same workloads on
 * tapeflow's webgl backend and on TensorFlow.js's webgl backend, in one page, timed to a
 * completed readback (an op is done when its values can be read).
 */
import * as tf from '@tapeflow/core';
import { variableGrads } from '@tapeflow/autograd';
import { BasicLSTMCell, dynamicRnn, globalVariables, initializers, resetDefaultGraph } from '@tapeflow/rnn';
import '../src/index.js';
import * as tfc from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-webgl';
import '@tensorflow/tfjs-core/dist/register_all_gradients';

/** ratio: tfjs ms / tapeflow ms (> 1: tapeflow is faster). diff: largest difference of the results, relative to their largest value. */
export interface BenchRow { name: string; tapeflowMs: number; tfjsMs: number; ratio: number; diff: number }

/** max |a - b| / max |b|: how far tapeflow's result is from tfjs's. */
function relDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let d = 0, m = 0;
  for (let i = 0; i < a.length; i++) { d = Math.max(d, Math.abs(a[i] - b[i])); m = Math.max(m, Math.abs(b[i])); }
  return m === 0 ? d : d / m;
}

/**
 * Median wall times of `reps` runs of each after a warm-up run of each; each run ends when its
 * results are read. The two alternate (which goes first alternates too), so load from other
 * work on the machine falls on both alike.
 */
async function timeBoth(ours: () => Promise<void>, theirs: () => Promise<void>, reps: number): Promise<[number, number]> {
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

const uniform = (n: number, seed: number): Float32Array => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 12.9898 + seed) * 0.5);

async function matmul(n: number, reps: number): Promise<BenchRow> {
  const a = uniform(n * n, 1), b = uniform(n * n, 2);
  const ta = tf.tensor(a, [n, n]), tb = tf.tensor(b, [n, n]);
  const ca = tfc.tensor(a, [n, n]), cb = tfc.tensor(b, [n, n]);
  const ours = tf.matmul(ta, tb), theirs = tfc.matMul(ca, cb);
  const diff = relDiff(await ours.data(), await theirs.data());
  tf.dispose(ours);
  theirs.dispose();
  const [tapeflowMs, tfjsMs] = await timeBoth(
    async () => { const y = tf.matmul(ta, tb); await y.data(); y.dispose(); },
    async () => { const y = tfc.matMul(ca, cb); await y.data(); y.dispose(); }, reps);
  tfc.dispose([ca, cb]);
  tf.dispose([ta, tb]);
  return { name: `matmul ${n}x${n} @ ${n}x${n}`, tapeflowMs, tfjsMs, ratio: tfjsMs / tapeflowMs, diff };
}

/** One LSTM training step's forward and backward: batch 32, input 128, 256 units, 50 steps. */
async function lstm(reps: number): Promise<BenchRow> {
  const [B, T, D, U] = [32, 50, 128, 256];
  const xv = uniform(B * T * D, 3);
  const kv = uniform((D + U) * 4 * U, 4).map((v) => v * 0.1);

  const x = tf.tensor(xv, [B, T, D]);
  resetDefaultGraph();
  const cell = new BasicLSTMCell(U, { kernelInitializer: initializers.constant(0) });
  let ours: Float32Array[] = [];
  const tapeflowStep = async (): Promise<void> => {
    const { value, grads } = variableGrads(() => {
      const [out] = dynamicRnn(cell, x, { dtype: 'float32', scope: 'bench' });
      return tf.mean(tf.square(out as tf.Tensor));
    });
    const names = Object.keys(grads);
    const vals = await Promise.all([value.data(), ...names.map((k) => grads[k].data())]);
    ours = [vals[0], vals[1 + names.findIndex((k) => k.endsWith('kernel'))]] as Float32Array[];
    tf.dispose([value, grads]);
  };
  await tapeflowStep(); // creates the weights; then give the kernel the same values as tfjs's
  const kernelVar = globalVariables().find((v) => v.name.endsWith('kernel'))!;
  const kt = tf.tensor(kv, kernelVar.shape);
  kernelVar.assign(kt);
  kt.dispose();

  const cx = tfc.tensor(xv, [B, T, D]);
  const xs = tfc.unstack(cx, 1);
  const kernel = tfc.variable(tfc.tensor(kv, [D + U, 4 * U]));
  const bias = tfc.variable(tfc.zeros([4 * U]));
  let theirs: Float32Array[] = [];
  const tfjsStep = async (): Promise<void> => {
    const { value, grads } = tfc.variableGrads(() => {
      let c = tfc.zeros<tfc.Rank.R2>([B, U]), h = tfc.zeros<tfc.Rank.R2>([B, U]);
      const outs: tfc.Tensor2D[] = [];
      for (let t = 0; t < T; t++) {
        [c, h] = tfc.basicLSTMCell(1, kernel as unknown as tfc.Tensor2D, bias as unknown as tfc.Tensor1D, xs[t] as tfc.Tensor2D, c, h);
        outs.push(h);
      }
      return tfc.mean<tfc.Scalar>(tfc.square(tfc.stack(outs, 1)));
    });
    const names = Object.keys(grads);
    const vals = await Promise.all([value.data(), ...names.map((k) => grads[k].data())]);
    theirs = [vals[0], vals[1 + names.indexOf(kernel.name)]] as Float32Array[];
    tfc.dispose([value, ...Object.values(grads)]);
  };
  const [tapeflowMs, tfjsMs] = await timeBoth(tapeflowStep, tfjsStep, reps);
  resetDefaultGraph();
  x.dispose();
  tfc.dispose([cx, ...xs, kernel, bias]);
  // Same weights and inputs: the loss and the kernel's gradient must agree.
  const diff = Math.max(relDiff(ours[0], theirs[0]), relDiff(ours[1], theirs[1]));
  return { name: `LSTM fwd+bwd step (batch ${B}, input ${D}, units ${U}, time ${T})`, tapeflowMs, tfjsMs, ratio: tfjsMs / tapeflowMs, diff };
}

declare global { interface Window { tapeflowBench: (quick: boolean) => Promise<BenchRow[]> } }

window.tapeflowBench = async (quick) => {
  if (!(await tf.setBackend('webgl'))) throw new Error('tapeflow webgl backend failed to start');
  if (!(await tfc.setBackend('webgl'))) throw new Error('tfjs webgl backend failed to start');
  await tfc.ready();
  const rows: BenchRow[] = [];
  const done = (r: BenchRow): void => { rows.push(r); console.log(`bench: ${r.name}: ${r.tapeflowMs.toFixed(1)} vs ${r.tfjsMs.toFixed(1)} ms`); };
  for (const n of [256, 512, 1024]) done(await matmul(n, quick ? 1 : n >= 1024 ? 3 : 5));
  done(await lstm(quick ? 1 : 3));
  return rows;
};
