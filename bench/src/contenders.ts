/**
 * The three contenders behind one interface: tapeflow's cpu backend, TensorFlow.js cpu and
 * TensorFlow.js wasm (single-threaded, SIMD where the machine has it); plus tapeflow with its
 * matmul on a thread pool, for the matmul cases. Each case gets the same
 * input values; `run` does one op and frees its result, `result` reads one result back so the
 * bench can check that everyone computes the same thing.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import * as tp from '@tapeflow/core';
import '@tapeflow/backend-cpu';
import { useThreads } from '@tapeflow/backend-cpu/threads';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { setThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';

export type ElementwiseOp = 'add' | 'mulBroadcast' | 'exp' | 'tanh' | 'sigmoid';

/** Inputs of a case: x is [rows, cols]; y is [rows, cols] for add and [cols] for mulBroadcast. */
export interface Inputs {
  rows: number;
  cols: number;
  x: Float32Array;
  y: Float32Array;
}

export interface Prepared {
  run(): void;
  result(): Float32Array;
  dispose(): void;
}

export interface Contender {
  name: string;
  /** Called before and after each stretch of this contender's calls (e.g. to switch threads on and off). */
  enter?(): Promise<void>;
  leave?(): Promise<void>;
  matmul(n: number, a: Float32Array, b: Float32Array): Prepared;
  elementwise(op: ElementwiseOp, inp: Inputs): Prepared;
}

function tapeflow(): Contender {
  const prepare = (inputs: tp.Tensor[], f: () => tp.Tensor): Prepared => ({
    run: () => f().dispose(),
    result: () => {
      const y = f();
      const v = y.dataSync() as Float32Array;
      y.dispose();
      return v;
    },
    dispose: () => tp.dispose(inputs),
  });
  return {
    name: 'tapeflow-cpu',
    matmul(n, a, b) {
      const ta = tp.tensor(a, [n, n]),
        tb = tp.tensor(b, [n, n]);
      return prepare([ta, tb], () => tp.matmul(ta, tb));
    },
    elementwise(op, { rows, cols, x, y }) {
      const tx = tp.tensor(x, [rows, cols]);
      const ty = op === 'mulBroadcast' ? tp.tensor(y.subarray(0, cols), [cols]) : tp.tensor(y, [rows, cols]);
      const f = {
        add: () => tp.add(tx, ty),
        mulBroadcast: () => tp.mul(tx, ty),
        exp: () => tp.exp(tx),
        tanh: () => tp.tanh(tx),
        sigmoid: () => tp.sigmoid(tx),
      }[op];
      return prepare([tx, ty], f);
    },
  };
}

/** tapeflow's cpu backend with its matmul on `n` threads (`@tapeflow/backend-cpu/threads`); matmul only. */
export function tapeflowThreads(n: number): Contender {
  return {
    ...tapeflow(),
    name: `tapeflow-cpu ${n} threads`,
    enter: () => useThreads(n),
    leave: () => useThreads(1),
    elementwise: () => {
      throw new Error('the threads only serve matmul');
    },
  };
}

function tfjs(name: string, backend: string): Contender {
  // setBackend switches synchronously once a backend is initialized (checked in `result`).
  const use = (): void => void tf.setBackend(backend);
  const prepare = (inputs: tf.Tensor[], f: () => tf.Tensor): Prepared => ({
    run: () => {
      use();
      f().dispose();
    },
    result: () => {
      use();
      if (tf.getBackend() !== backend) throw new Error(`tfjs did not switch to ${backend}`);
      const y = f();
      const v = y.dataSync() as Float32Array;
      y.dispose();
      return v;
    },
    dispose: () => tf.dispose(inputs),
  });
  return {
    name,
    matmul(n, a, b) {
      use();
      const ta = tf.tensor2d(a, [n, n]),
        tb = tf.tensor2d(b, [n, n]);
      return prepare([ta, tb], () => tf.matMul(ta, tb));
    },
    elementwise(op, { rows, cols, x, y }) {
      use();
      const tx = tf.tensor2d(x, [rows, cols]);
      const ty = op === 'mulBroadcast' ? tf.tensor1d(y.subarray(0, cols)) : tf.tensor2d(y, [rows, cols]);
      const f = {
        add: () => tf.add(tx, ty),
        mulBroadcast: () => tf.mul(tx, ty),
        exp: () => tf.exp(tx),
        tanh: () => tf.tanh(tx),
        sigmoid: () => tf.sigmoid(tx),
      }[op];
      return prepare([tx, ty], f);
    },
  };
}

/** Sets up all contenders; tfjs's wasm binary is loaded from node_modules, single-threaded. */
export async function contenders(): Promise<Contender[]> {
  await tp.setBackend('cpu');
  await useThreads(1); // Node starts one thread per core by default; these contenders run one (tapeflowThreads: more)
  const wasmDir = path.dirname(
    createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'),
  );
  setWasmPaths(wasmDir + path.sep);
  setThreadsCount(1);
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  // Production mode, as deployed tfjs runs (it also silences the tfjs-node suggestion).
  tf.enableProdMode();
  if (!(await tf.setBackend('wasm'))) throw new Error('tfjs wasm backend failed to initialize');
  if (!(await tf.setBackend('cpu'))) throw new Error('tfjs cpu backend failed to initialize');
  return [tapeflow(), tfjs('tfjs-cpu', 'cpu'), tfjs('tfjs-wasm', 'wasm')];
}

export const wasmSimd = async (): Promise<boolean> => Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'));
