/**
 * Shared by the browser bench pages (webgl's and webgpu's): the inputs, the comparison, and the
 * LSTM training step (batch 32, time 50, input 128, 256 units) on tapeflow and on TensorFlow.js,
 * each returning its loss and kernel gradient so the pages can check that both agree.
 */
import * as tf from '@tapeflow/core';
import { variableGrads } from '@tapeflow/autograd';
import { BasicLSTMCell, dynamicRnn, globalVariables, initializers } from '@tapeflow/rnn';
import * as tfc from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';

export const LSTM = { B: 32, T: 50, D: 128, U: 256 };
export const LSTM_NAME = `LSTM fwd+bwd step (batch ${LSTM.B}, input ${LSTM.D}, units ${LSTM.U}, time ${LSTM.T})`;

export const uniform = (n: number, seed: number): Float32Array =>
  Float32Array.from({ length: n }, (_, i) => Math.sin(i * 12.9898 + seed) * 0.5);

/** max |a - b| / max |b|: how far tapeflow's result is from tfjs's. */
export function relDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let d = 0,
    m = 0;
  for (let i = 0; i < a.length; i++) {
    d = Math.max(d, Math.abs(a[i] - b[i]));
    m = Math.max(m, Math.abs(b[i]));
  }
  return m === 0 ? d : d / m;
}

/** The step's input and kernel values (the bias starts at 0 on both sides). */
export function lstmValues(): { xv: Float32Array; kv: Float32Array } {
  const { B, T, D, U } = LSTM;
  return { xv: uniform(B * T * D, 3), kv: uniform((D + U) * 4 * U, 4).map((v) => v * 0.1) };
}

export interface Step {
  run: () => Promise<void>;
  /** [loss, kernel gradient] of the last run. */ result: () => Float32Array[];
}

/** tapeflow's step on the active backend, with its own cell under `scope`, the kernel set to `kv`. */
export async function tapeflowLstm(
  scope: string,
  { xv, kv }: { xv: Float32Array; kv: Float32Array },
): Promise<Step & { dispose: () => void }> {
  const { B, T, D, U } = LSTM;
  const x = tf.tensor(xv, [B, T, D]);
  const cell = new BasicLSTMCell(U, { kernelInitializer: initializers.constant(0) });
  let last: Float32Array[] = [];
  const run = async (): Promise<void> => {
    const { value, grads } = variableGrads(() => {
      const [out] = dynamicRnn(cell, x, { dtype: 'float32', scope });
      return tf.mean(tf.square(out as tf.Tensor));
    });
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
  return { run, result: () => last, dispose: () => x.dispose() };
}

/** The same step in TensorFlow.js (its basicLSTMCell over unstacked time steps), on its active backend. */
export function tfjsLstm({ xv, kv }: { xv: Float32Array; kv: Float32Array }): Step & { dispose: () => void } {
  const { B, T, D, U } = LSTM;
  const cx = tfc.tensor(xv, [B, T, D]);
  const xs = tfc.unstack(cx, 1);
  const kernel = tfc.variable(tfc.tensor(kv, [D + U, 4 * U]));
  const bias = tfc.variable(tfc.zeros([4 * U]));
  let last: Float32Array[] = [];
  const run = async (): Promise<void> => {
    const { value, grads } = tfc.variableGrads(() => {
      let c = tfc.zeros<tfc.Rank.R2>([B, U]),
        h = tfc.zeros<tfc.Rank.R2>([B, U]);
      const outs: tfc.Tensor2D[] = [];
      for (let t = 0; t < T; t++) {
        [c, h] = tfc.basicLSTMCell(
          1,
          kernel as unknown as tfc.Tensor2D,
          bias as unknown as tfc.Tensor1D,
          xs[t] as tfc.Tensor2D,
          c,
          h,
        );
        outs.push(h);
      }
      return tfc.mean<tfc.Scalar>(tfc.square(tfc.stack(outs, 1)));
    });
    const names = Object.keys(grads);
    const vals = await Promise.all([value.data(), ...names.map((k) => grads[k].data())]);
    last = [vals[0], vals[1 + names.indexOf(kernel.name)]] as Float32Array[];
    tfc.dispose([value, ...Object.values(grads)]);
  };
  return { run, result: () => last, dispose: () => tfc.dispose([cx, ...xs, kernel, bias]) };
}
