/**
 * The bench page (bundled by esbuild, runs in headless Chromium on the SwiftShader adapter): the
 * same workloads on tapeflow's webgpu backend, TensorFlow.js's webgpu backend and tapeflow's webgl
 * backend, in one page, timed to a completed readback (an op is done when its values can be read).
 */
import * as tf from '@tapeflow/core';
import { variableGrads } from '@tapeflow/autograd';
import { BasicLSTMCell, dynamicRnn, globalVariables, initializers, resetDefaultGraph } from '@tapeflow/rnn';
import '../src/index.js';
import '@tapeflow/backend-webgl';
import * as tfc from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-webgpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';

/** Median ms of each contender; diff: largest difference of webgpu's result from tfjs's, relative to tfjs's largest value. */
export interface BenchRow { name: string; webgpuMs: number; tfjsMs: number; webglMs: number; diff: number }

type Run = () => Promise<void>;
interface Contender { prepare(): Promise<void>; run: Run }

function relDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let d = 0, m = 0;
  for (let i = 0; i < a.length; i++) { d = Math.max(d, Math.abs(a[i] - b[i])); m = Math.max(m, Math.abs(b[i])); }
  return m === 0 ? d : d / m;
}

/**
 * Median wall times of `reps` runs of each after a warm-up run of each. The contenders take
 * turns, the first one rotating, so load from other work on the machine falls on all alike.
 * `prepare` switches tapeflow's active backend (each contender's inputs already live on it).
 */
async function timeAll(cs: Contender[], reps: number): Promise<number[]> {
  for (const c of cs) { await c.prepare(); await c.run(); }
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

const uniform = (n: number, seed: number): Float32Array => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 12.9898 + seed) * 0.5);
const on = (name: string) => async (): Promise<void> => { if (!(await tf.setBackend(name))) throw new Error(`tapeflow ${name} failed to start`); };

async function matmul(n: number, reps: number): Promise<BenchRow> {
  const a = uniform(n * n, 1), b = uniform(n * n, 2);
  const ours = async (backend: string): Promise<{ c: Contender; result: Float32Array }> => {
    await on(backend)();
    const ta = tf.tensor(a, [n, n]), tb = tf.tensor(b, [n, n]);
    const y = tf.matmul(ta, tb);
    const result = (await y.data()) as Float32Array;
    y.dispose();
    return { c: { prepare: on(backend), run: async () => { const z = tf.matmul(ta, tb); await z.data(); z.dispose(); } }, result };
  };
  const gpu = await ours('webgpu'), gl = await ours('webgl');
  const ca = tfc.tensor(a, [n, n]), cb = tfc.tensor(b, [n, n]);
  const theirs = tfc.matMul(ca, cb);
  const diff = relDiff(gpu.result, await theirs.data());
  theirs.dispose();
  const tfjs: Contender = { prepare: async () => {}, run: async () => { const z = tfc.matMul(ca, cb); await z.data(); z.dispose(); } };
  const [webgpuMs, tfjsMs, webglMs] = await timeAll([gpu.c, tfjs, gl.c], reps);
  tfc.dispose([ca, cb]);
  return { name: `matmul ${n}x${n} @ ${n}x${n}`, webgpuMs, tfjsMs, webglMs, diff };
}

/** One LSTM training step's forward and backward: batch 32, input 128, 256 units, 50 steps. */
async function lstm(reps: number): Promise<BenchRow> {
  const [B, T, D, U] = [32, 50, 128, 256];
  const xv = uniform(B * T * D, 3);
  const kv = uniform((D + U) * 4 * U, 4).map((v) => v * 0.1);
  resetDefaultGraph();

  /** tapeflow on `backend`: its own input, cell and variables (scope), with the shared kernel values. */
  const ours = async (backend: string): Promise<{ c: Contender; result: () => Float32Array[] }> => {
    await on(backend)();
    const x = tf.tensor(xv, [B, T, D]);
    const cell = new BasicLSTMCell(U, { kernelInitializer: initializers.constant(0) });
    const scope = `bench_${backend}`;
    let last: Float32Array[] = [];
    const run = async (): Promise<void> => {
      const { value, grads } = variableGrads(() => {
        const [out] = dynamicRnn(cell, x, { dtype: 'float32', scope });
        return tf.mean(tf.square(out as tf.Tensor));
      }); // the variables f reads: this backend's cell only
      const names = Object.keys(grads);
      const vals = await Promise.all([value.data(), ...names.map((k) => grads[k].data())]);
      last = [vals[0], vals[1 + names.findIndex((k) => k.endsWith('kernel'))]] as Float32Array[];
      tf.dispose([value, grads]);
    };
    await run(); // creates the weights; then give the kernel the same values as tfjs's
    const kernelVar = globalVariables().find((v) => v.name.startsWith(scope) && v.name.endsWith('kernel'))!;
    const kt = tf.tensor(kv, kernelVar.shape);
    kernelVar.assign(kt);
    kt.dispose();
    await run();
    return { c: { prepare: on(backend), run }, result: () => last };
  };
  const gpu = await ours('webgpu'), gl = await ours('webgl');

  const cx = tfc.tensor(xv, [B, T, D]);
  const xs = tfc.unstack(cx, 1);
  const kernel = tfc.variable(tfc.tensor(kv, [D + U, 4 * U]));
  const bias = tfc.variable(tfc.zeros([4 * U]));
  let theirs: Float32Array[] = [];
  const tfjs: Contender = {
    prepare: async () => {},
    run: async () => {
      const { value, grads } = tfc.variableGrads(() => {
        let c = tfc.zeros([B, U]) as tfc.Tensor2D, h = tfc.zeros([B, U]) as tfc.Tensor2D;
        const outs: tfc.Tensor2D[] = [];
        for (let t = 0; t < T; t++) {
          [c, h] = tfc.basicLSTMCell(1, kernel as unknown as tfc.Tensor2D, bias as unknown as tfc.Tensor1D, xs[t] as tfc.Tensor2D, c, h);
          outs.push(h);
        }
        return tfc.mean(tfc.square(tfc.stack(outs, 1))) as tfc.Scalar;
      });
      const names = Object.keys(grads);
      const vals = await Promise.all([value.data(), ...names.map((k) => grads[k].data())]);
      theirs = [vals[0], vals[1 + names.indexOf(kernel.name)]] as Float32Array[];
      tfc.dispose([value, ...Object.values(grads)]);
    },
  };
  const [webgpuMs, tfjsMs, webglMs] = await timeAll([gpu.c, tfjs, gl.c], reps);
  // Same weights and inputs: the loss and the kernel's gradient must agree.
  const diff = Math.max(relDiff(gpu.result()[0], theirs[0]), relDiff(gpu.result()[1], theirs[1]));
  resetDefaultGraph();
  tfc.dispose([cx, ...xs, kernel, bias]);
  return { name: `LSTM fwd+bwd step (batch ${B}, input ${D}, units ${U}, time ${T})`, webgpuMs, tfjsMs, webglMs, diff };
}

declare global { interface Window { tapeflowBench: (quick: boolean) => Promise<BenchRow[]> } }

window.tapeflowBench = async (quick) => {
  if (!(await tfc.setBackend('webgpu'))) throw new Error('tfjs webgpu backend failed to start');
  await tfc.ready();
  const rows: BenchRow[] = [];
  const done = (r: BenchRow): void => {
    rows.push(r);
    console.log(`bench: ${r.name}: webgpu ${r.webgpuMs.toFixed(1)}, tfjs-webgpu ${r.tfjsMs.toFixed(1)}, webgl ${r.webglMs.toFixed(1)} ms`);
  };
  for (const n of [256, 512, 1024]) done(await matmul(n, quick ? 1 : n >= 1024 ? 3 : 5));
  done(await lstm(quick ? 1 : 3));
  return rows;
};
