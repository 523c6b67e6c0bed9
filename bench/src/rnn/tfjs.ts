/** TensorFlow.js set up as the peer: its wasm backend loaded from node_modules, single-threaded, and its cpu backend. */
import { createRequire } from 'node:module';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { setThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';

let ready: Promise<void> | undefined;

/**
 * tfjs-layers calls chained ops (x.flatten(), x.asType(d)), which the tfjs union package
 * registers on Tensor.prototype; its CommonJS tfjs-core build alone does not. Registered here the
 * way tfjs-core's public/chained_ops files do it: x.op(...args) = tf.op(x, ...args), plus the
 * few that differ.
 */
function registerChainedOps(): void {
  type Fn = (...a: unknown[]) => unknown;
  const proto = tf.Tensor.prototype as unknown as Record<string, Fn>;
  const ops = tf as unknown as Record<string, unknown>;
  for (const [name, op] of Object.entries(ops)) {
    if (typeof op !== 'function' || !/^[a-z]/.test(name) || name in proto) continue;
    proto[name] = function (this: tf.Tensor, ...a: unknown[]) {
      return (op as Fn)(this, ...a);
    };
  }
  const reshape = (x: tf.Tensor, shape: number[]): tf.Tensor => tf.reshape(x, shape);
  Object.assign(proto, {
    flatten(this: tf.Tensor) {
      return reshape(this, [this.size]);
    },
    as1D(this: tf.Tensor) {
      return reshape(this, [this.size]);
    },
    as2D(this: tf.Tensor, ...s: number[]) {
      return reshape(this, s);
    },
    as3D(this: tf.Tensor, ...s: number[]) {
      return reshape(this, s);
    },
    as4D(this: tf.Tensor, ...s: number[]) {
      return reshape(this, s);
    },
    as5D(this: tf.Tensor, ...s: number[]) {
      return reshape(this, s);
    },
    asScalar(this: tf.Tensor) {
      return reshape(this, []);
    },
    asType(this: tf.Tensor, d: tf.DataType) {
      return tf.cast(this, d);
    },
    toFloat(this: tf.Tensor) {
      return tf.cast(this, 'float32');
    },
    toInt(this: tf.Tensor) {
      return tf.cast(this, 'int32');
    },
    toBool(this: tf.Tensor) {
      return tf.cast(this, 'bool');
    },
    concat(this: tf.Tensor, x: tf.Tensor | tf.Tensor[], axis?: number) {
      return tf.concat([this, ...(x instanceof tf.Tensor ? [x] : x)], axis);
    },
    stack(this: tf.Tensor, x: tf.Tensor | tf.Tensor[], axis?: number) {
      return tf.stack([this, ...(x instanceof tf.Tensor ? [x] : x)], axis);
    },
    where(this: tf.Tensor, cond: tf.Tensor, x: tf.Tensor) {
      return tf.where(cond, this, x);
    },
  });
}

export function initTfjs(): Promise<void> {
  ready ??= (async () => {
    const wasmDir = path.dirname(
      createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'),
    );
    setWasmPaths(wasmDir + path.sep);
    setThreadsCount(1);
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    registerChainedOps();
    tf.enableProdMode(); // as deployed tfjs runs (it also silences the tfjs-node suggestion)
    if (!(await tf.setBackend('wasm'))) throw new Error('tfjs wasm backend failed to initialize');
    if (!(await tf.setBackend('cpu'))) throw new Error('tfjs cpu backend failed to initialize');
  })();
  return ready;
}

export async function useTfjs(backend: 'wasm' | 'cpu'): Promise<void> {
  await initTfjs();
  await tf.setBackend(backend);
  if (tf.getBackend() !== backend) throw new Error(`tfjs did not switch to ${backend}`);
}

export const wasmSimd = async (): Promise<boolean> => Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'));
