// The page a consumer bundles (esbuild, Vite) from the packed tarballs: a gradient on webgl
// checked against cpu, an LSTM trained a few steps on webgl, the same two on webgpu, and a cpu matmul large enough
// for the WebAssembly kernel, checked against a plain loop. Results go to window.consumer.
import '@tapeflow/backend-cpu';
import '@tapeflow/backend-webgl';
import { webgpuInitError } from '@tapeflow/backend-webgpu';
import { adam, grad } from '@tapeflow/autograd';
import * as tf from '@tapeflow/core';
import { LSTMCell, dynamicRnn } from '@tapeflow/rnn';

declare global {
  interface Window {
    consumer: Promise<unknown>;
    wasmModules: number;
  }
}

function gradient(): number[] {
  const x = tf.randomNormal([3, 5], { seed: 1 });
  const w = tf.randomNormal([5, 2], { seed: 2 });
  return Array.from(grad((v: tf.Tensor) => tf.sum(tf.tanh(tf.matmul(v, w))))(x).dataSync());
}

function lstmLosses(scope: string): number[] {
  const x = tf.randomNormal([4, 6, 3], { seed: 3 });
  const target = tf.randomNormal([4, 6, 8], { seed: 4 });
  const cell = new LSTMCell(8);
  const opt = adam(0.05);
  const losses: number[] = [];
  for (let step = 0; step < 15; step++) {
    const loss = opt.minimize(() => {
      const [outputs] = dynamicRnn(cell, x, { dtype: 'float32', scope });
      return tf.mean(tf.square(tf.sub(outputs as tf.Tensor, target)));
    });
    losses.push(loss.dataSync()[0]);
    loss.dispose();
  }
  return losses;
}

function matmulError(n: number): number {
  const a = tf.randomNormal([n, n], { seed: 5 });
  const b = tf.randomNormal([n, n], { seed: 6 });
  const [av, bv, cv] = [a.dataSync(), b.dataSync(), tf.matmul(a, b).dataSync()];
  let worst = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += av[i * n + k] * bv[k * n + j];
      worst = Math.max(worst, Math.abs(s - cv[i * n + j]));
    }
  }
  return worst;
}

async function main(): Promise<unknown> {
  const webgl = await tf.setBackend('webgl');
  const onWebgl = { backend: tf.getBackend(), gradient: gradient(), losses: lstmLosses('webgl') };
  const webgpu = await tf.setBackend('webgpu');
  const onWebgpu = webgpu
    ? { gradient: gradient(), losses: lstmLosses('webgpu') }
    : { error: webgpuInitError(), gradient: [], losses: [] };
  await tf.setBackend('cpu');
  const before = window.wasmModules;
  const error = matmulError(96);
  return {
    webgl,
    ...onWebgl,
    webgpu: { started: webgpu, ...onWebgpu },
    cpuGradient: gradient(),
    matmulError: error,
    wasmModulesCompiled: window.wasmModules - before,
  };
}

window.consumer = main();
