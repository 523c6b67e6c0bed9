/** Backend registry, memory and variables: the engine's public face. */
import type { DType } from './dtypes.js';
import { ENGINE, collectTensors, type BackendFactory, type MemoryInfo } from './engine.js';
import { Tensor, type Variable } from './tensor.js';
import { toTensor, type TensorLike } from './ops/creation.js';

export function registerBackend(name: string, factory: BackendFactory, priority = 1): boolean {
  if (typeof name !== 'string' || !name) throw new TypeError('registerBackend: name must be a non-empty string');
  if (typeof factory !== 'function') throw new TypeError(`registerBackend: factory for '${name}' must be a function`);
  return ENGINE.registerBackend(name, factory, priority);
}
/** Switches the active backend, initializing it if needed; false if it failed to initialize. */
export const setBackend = (name: string): Promise<boolean> => ENGINE.setBackend(name);
export const getBackend = (): string => ENGINE.backendName;
export const ready = (): Promise<void> => ENGINE.ready();
export const removeBackend = (name: string): void => ENGINE.removeBackend(name);

/** Runs fn and disposes every tensor it created except those it returns (in any nest) or `keep`s. */
export function tidy<T>(fn: () => T): T;
export function tidy<T>(name: string, fn: () => T): T;
export function tidy<T>(a: string | (() => T), b?: () => T): T {
  const fn = typeof a === 'function' ? a : b;
  if (typeof fn !== 'function') throw new TypeError('tidy: fn must be a function');
  return ENGINE.tidy(fn);
}
/**
 * Keeps a tensor, or every tensor in a nest (arrays, plain objects, Maps, LSTMStateTuples), out
 * of the enclosing tidy's cleanup: e.g. an RNN's final state carried to the next batch.
 */
export function keep<T>(x: T): T {
  keepNest(x, 'x');
  return x;
}
function keepNest(x: unknown, path: string): void {
  if (x instanceof Tensor) ENGINE.keep(x);
  else if (Array.isArray(x)) x.forEach((v, i) => keepNest(v, `${path}[${i}]`));
  else if (x instanceof Map) for (const [k, v] of x) keepNest(v, `${path}.get(${JSON.stringify(k)})`);
  else if (x !== null && typeof x === 'object') for (const [k, v] of Object.entries(x)) keepNest(v, `${path}.${k}`);
  else {
    const got = x === null || x === undefined ? String(x) : `${typeof x} ${JSON.stringify(x)}`;
    throw new TypeError(
      `keep: argument ${path} must be a Tensor or a nest (array, object, LSTMStateTuple) of Tensors, got ${got}`,
    );
  }
}
/** Disposes a tensor or every tensor in a nest of arrays and objects. */
export function dispose(x: unknown): void {
  const ts = new Set<Tensor>();
  collectTensors(x, ts);
  for (const t of ts) t.dispose();
}
export const memory = (): MemoryInfo => ENGINE.memory();

export interface VariableOptions {
  name?: string;
  trainable?: boolean;
  dtype?: DType;
}
/** A Variable holding (a reference to) `initial`'s value. */
export function variable(initial: TensorLike, opts: VariableOptions = {}): Variable {
  const t = toTensor(initial, 'variable', 'initial', opts.dtype);
  const v = ENGINE.makeVariable(t, opts.name, opts.trainable ?? true, opts.dtype ?? t.dtype);
  if (!(initial instanceof Tensor)) t.dispose();
  return v;
}
