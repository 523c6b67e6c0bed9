/**
 * The engine: which backend runs kernels, who owns each tensor's storage, tidy scopes, and the
 * hook through which @tapeflow/autograd records executed kernels (core never imports autograd).
 */
import { bytesPerElement, type DType, type TypedArray } from './dtypes.js';
import { ValueError } from './errors.js';
import type {
  Backend,
  DataId,
  FusedKernelDefs,
  FusedKernelName,
  KernelAttrs,
  KernelName,
  OutInfo,
  TensorInfo,
} from './kernels.js';
import { fmt, sizeOf } from './shape.js';
import { Tensor, Variable, setTensorHost } from './tensor.js';

export type BackendFactory = () => Backend | Promise<Backend>;

/** One executed kernel, as the autograd tape sees it. */
export interface KernelRecord {
  readonly kernel: string;
  readonly inputs: readonly Tensor[];
  readonly attrs: Readonly<Record<string, unknown>>;
  readonly outputs: readonly Tensor[];
}

export interface MemoryInfo {
  numTensors: number;
  numDataBuffers: number;
  numBytes: number;
  /** The most numBytes has been since the engine started or since resetPeakBytes(). */
  peakBytes: number;
  numBytesInGPU?: number;
  numTextures?: number;
  [key: string]: number | undefined;
}

interface DataRef {
  refs: number;
  bytes: number;
  backend: Backend;
}
interface Scope {
  tracked: Tensor[];
}

export class Engine {
  private registry = new Map<string, { factory: BackendFactory; priority: number }>();
  private instances = new Map<string, Backend>();
  private pending = new Map<string, Promise<Backend | null>>();
  /** Why a registered backend's factory failed, for the error when no backend is left. */
  private failures = new Map<string, string>();
  private current: Backend | null = null;
  private data = new Map<DataId, DataRef>();
  private scopes: Scope[] = [];
  private numTensors = 0;
  private varCount = 0;
  /** Bytes of all live storage, kept up to date by addRef/decRef (memory() is then O(1)). */
  private liveBytes = 0;
  private peak = 0;
  /**
   * Set by autograd only, while something listens to kernels (a tape, a listener scope). Other
   * packages ask autograd (isRecording, withKernelListener) instead of touching it.
   */
  recorder: ((rec: KernelRecord) => void) | null = null;
  /** @internal > 0 while a backward pass runs (see duringBackward). */
  backwardDepth = 0;

  // ---- backends -------------------------------------------------------------------------------

  registerBackend(name: string, factory: BackendFactory, priority = 1): boolean {
    if (this.registry.has(name)) return false;
    this.registry.set(name, { factory, priority });
    return true;
  }

  async setBackend(name: string): Promise<boolean> {
    if (!this.registry.has(name)) {
      throw new ValueError(
        `setBackend: unknown backend '${name}'; registered: ${[...this.registry.keys()].join(', ') || 'none'}`,
      );
    }
    const b = await this.init(name);
    if (b) this.current = b;
    return b !== null;
  }

  private init(name: string): Promise<Backend | null> {
    const have = this.instances.get(name);
    if (have) return Promise.resolve(have);
    let p = this.pending.get(name);
    if (!p) {
      p = (async () => {
        try {
          const b = await this.registry.get(name)!.factory();
          this.instances.set(name, b);
          return b;
        } catch (e) {
          this.failures.set(name, (e as Error)?.message ?? String(e));
          return null;
        }
      })();
      this.pending.set(name, p);
    }
    return p;
  }

  /** The active backend; without setBackend, the highest-priority one whose factory is synchronous. */
  get backend(): Backend {
    if (this.current) return this.current;
    const ranked = [...this.registry.entries()].sort((a, b) => b[1].priority - a[1].priority);
    for (const [name, { factory }] of ranked) {
      const have = this.instances.get(name);
      if (have) return (this.current = have);
      try {
        const b = factory();
        if (b instanceof Promise) {
          // Started here, finished by setBackend: record the instance like init() does.
          this.pending.set(
            name,
            b.then(
              (x) => {
                this.instances.set(name, x);
                return x;
              },
              () => null,
            ),
          );
          continue;
        }
        this.instances.set(name, b);
        return (this.current = b);
      } catch (e) {
        this.failures.set(name, (e as Error)?.message ?? String(e)); /* try the next one */
      }
    }
    if (ranked.length === 0)
      throw new ValueError('No backend is registered: import @tapeflow/backend-cpu (or another backend) first');
    const why = ranked.map(([name]) =>
      this.failures.has(name)
        ? `'${name}' failed to start: ${this.failures.get(name)}`
        : `'${name}' starts asynchronously (await setBackend('${name}') or ready() first)`,
    );
    throw new ValueError(
      `No backend could start: ${why.join('; ')}. Import @tapeflow/backend-cpu for a backend that runs anywhere`,
    );
  }

  get backendName(): string {
    return this.backend.name;
  }

  async ready(): Promise<void> {
    if (this.current) return;
    const ranked = [...this.registry.entries()].sort((a, b) => b[1].priority - a[1].priority);
    for (const [name] of ranked) if (await this.setBackend(name)) return;
    void this.backend; // throws the no-backend error
  }

  findBackend(name: string): Backend | undefined {
    return this.instances.get(name);
  }

  removeBackend(name: string): void {
    const b = this.instances.get(name);
    if (b && this.current === b) this.current = null;
    this.instances.delete(name);
    this.pending.delete(name);
    this.registry.delete(name);
    b?.dispose?.();
  }

  // ---- storage ownership --------------------------------------------------------------------

  private addRef(dataId: DataId, bytes: number, backend: Backend): void {
    const r = this.data.get(dataId);
    if (r) {
      r.refs++;
      return;
    }
    this.data.set(dataId, { refs: 1, bytes, backend });
    if ((this.liveBytes += bytes) > this.peak) this.peak = this.liveBytes;
  }

  private decRef(dataId: DataId): void {
    const r = this.data.get(dataId);
    if (!r) return;
    if (--r.refs === 0) {
      this.data.delete(dataId);
      this.liveBytes -= r.bytes;
      r.backend.disposeData(dataId);
    }
  }

  /** Wraps a backend's storage in a new tracked Tensor. */
  makeTensor(dataId: DataId, shape: readonly number[], dtype: DType, backend = this.backend): Tensor {
    const t = new Tensor(dataId, shape, dtype, backend);
    this.adopt(t);
    return t;
  }

  private adopt(t: Tensor): void {
    this.addRef(t.dataId, t.size * bytesPerElement(t.dtype), t.backend);
    this.numTensors++;
    const n = this.scopes.length;
    if (n > 0 && !(t instanceof Variable)) this.scopes[n - 1].tracked.push(t);
  }

  /** A second Tensor over the same storage (no copy, no kernel, nothing recorded). */
  share(t: Tensor, shape: readonly number[] = t.shape): Tensor {
    this.assertUsable(t, 'share', 'x');
    return this.makeTensor(t.dataId, shape, t.dtype, t.backend);
  }

  write(values: TypedArray, shape: readonly number[], dtype: DType): Tensor {
    const b = this.backend;
    if (!b.supportsDType(dtype)) throw new TypeError(`backend '${b.name}' does not support dtype ${dtype}`);
    return this.makeTensor(b.write(values, shape, dtype), shape, dtype, b);
  }

  /** Storage info of `t` on the active backend, moving its data over if it lives elsewhere. */
  info(t: Tensor): TensorInfo {
    const b = this.backend;
    if (t.backend !== b) {
      const values = t.backend.readSync(t);
      const dataId = b.write(values, t.shape, t.dtype);
      this.decRef(t.dataId);
      t.dataId = dataId;
      t.backend = b;
      this.addRef(dataId, values.byteLength, b);
    }
    return t;
  }

  assertUsable(t: unknown, op: string, arg: string): asserts t is Tensor {
    if (!(t instanceof Tensor)) throw new TypeError(`${op}: argument '${arg}' must be a Tensor, got ${describe(t)}`);
    if (t.freed || (t.pendingDispose && this.backwardDepth === 0)) {
      throw new ValueError(`${op}: argument '${arg}' (${t.dtype} ${fmt(t.shape)}, id ${t.id}) is disposed`);
    }
  }

  // ---- running kernels ----------------------------------------------------------------------

  // The hot path of every op: no closures, no copies of the inputs (a Tensor is its own
  // TensorInfo), and nothing built for the recorder unless a tape is listening.
  runKernel<K extends KernelName>(kernel: K, inputs: readonly Tensor[], attrs: KernelAttrs<K>, out: OutInfo): Tensor {
    const b = this.current ?? this.backend;
    for (let i = 0; i < inputs.length; i++) if (inputs[i].backend !== b) this.info(inputs[i]);
    const impl = b.kernels[kernel] as (i: readonly TensorInfo[], a: unknown, o: OutInfo) => DataId;
    const y = this.makeTensor(impl(inputs, attrs, out), out.shape, out.dtype, b);
    if (this.recorder !== null) this.recorder({ kernel, inputs, attrs: attrs, outputs: [y] });
    return y;
  }

  hasFused(kernel: FusedKernelName): boolean {
    return this.backend.fused?.[kernel] !== undefined;
  }

  runFused<K extends FusedKernelName>(
    kernel: K,
    inputs: readonly Tensor[],
    attrs: FusedKernelDefs[K]['attrs'],
    outs: OutInfo[],
  ): Tensor[] {
    const b = this.backend;
    const impl = b.fused?.[kernel] as unknown as (i: TensorInfo[], a: unknown, o: OutInfo[]) => DataId[];
    if (!impl) throw new ValueError(`backend '${b.name}' has no fused kernel ${kernel}`);
    const ids = impl(
      inputs.map((t) => this.info(t)),
      attrs,
      outs,
    );
    const ys = ids.map((id, i) => this.makeTensor(id, outs[i].shape, outs[i].dtype, b));
    this.recorder?.({ kernel, inputs, attrs: attrs, outputs: ys });
    return ys;
  }

  readSync(t: Tensor): TypedArray {
    this.assertUsable(t, 'dataSync', 'tensor');
    return t.backend.readSync(t);
  }

  read(t: Tensor): Promise<TypedArray> {
    this.assertUsable(t, 'data', 'tensor');
    return t.backend.read(t);
  }

  // ---- disposal, tidy, tape holds -----------------------------------------------------------

  disposeTensor(t: Tensor): void {
    if (t.freed || t.pendingDispose) return;
    if (t.holds > 0) {
      t.pendingDispose = true;
      return;
    }
    this.free(t);
  }

  private free(t: Tensor): void {
    t.freed = true;
    this.numTensors--;
    this.decRef(t.dataId);
  }

  /** Whether the active backend can move storage to host memory (offload). */
  canOffload(): boolean {
    return this.backend.offload !== undefined;
  }

  /**
   * Moves t's storage to host memory until it is next used, if a tape holds it for a backward
   * pass and its backend can (dynamicRnn's swapMemory); otherwise does nothing.
   */
  offloadHeld(t: Tensor): void {
    if (!t.freed && t.holds > 0) t.backend.offload?.(t.dataId);
  }

  /** Runs fn as (part of) a backward pass: it may read saved tensors that were disposed meanwhile (pendingDispose). */
  duringBackward<T>(fn: () => T): T {
    this.backwardDepth++;
    try {
      return fn();
    } finally {
      this.backwardDepth--;
    }
  }

  /** A tape keeps `t` alive for its backward pass even if it is disposed meanwhile. */
  hold(t: Tensor): void {
    t.holds++;
  }

  release(t: Tensor): void {
    if (--t.holds === 0 && t.pendingDispose && !t.freed) this.free(t);
  }

  tidy<T>(fn: () => T): T {
    const scope: Scope = { tracked: [] };
    this.scopes.push(scope);
    let result: T;
    try {
      result = fn();
      if (result instanceof Promise) {
        throw new TypeError(
          'tidy: fn returned a Promise; tidy cannot wrap async work (dispose tensors explicitly instead)',
        );
      }
    } catch (e) {
      // A failed scope leaks nothing either.
      this.scopes.pop();
      for (const t of scope.tracked) if (!t.kept) this.disposeTensor(t);
      throw e;
    }
    this.scopes.pop();
    const parent = this.scopes[this.scopes.length - 1];
    // Most scopes are one op returning one tensor: no set needed to tell the survivor.
    const single = result instanceof Tensor ? result : null;
    let survivors: Set<Tensor> | null = null;
    if (single === null) collectTensors(result, (survivors = new Set<Tensor>()));
    for (const t of scope.tracked) {
      if (t === single || t.kept || (survivors !== null && survivors.has(t))) parent?.tracked.push(t);
      else this.disposeTensor(t);
    }
    return result;
  }

  keep<T extends Tensor>(t: T): T {
    t.kept = true;
    return t;
  }

  // ---- variables ----------------------------------------------------------------------------

  makeVariable(initial: Tensor, name: string | undefined, trainable: boolean, dtype: DType): Variable {
    this.assertUsable(initial, 'variable', 'initial');
    const src = initial.dtype === dtype ? initial : null;
    if (!src) throw new ValueError(`variable: initial value is ${initial.dtype}, dtype asks for ${dtype}`);
    const info = this.info(initial);
    const v = new Variable(
      info.dataId,
      initial.shape,
      dtype,
      initial.backend,
      name ?? `Variable_${this.varCount++}`,
      trainable,
    );
    this.adopt(v);
    return v;
  }

  assign(v: Variable, value: Tensor): void {
    this.assertUsable(value, 'assign', 'value');
    this.info(value);
    this.addRef(value.dataId, sizeOf(value.shape) * bytesPerElement(value.dtype), value.backend);
    this.decRef(v.dataId);
    v.dataId = value.dataId;
    v.backend = value.backend;
  }

  /**
   * numBytes counts each live storage buffer once (views sharing a buffer through share()
   * count once); peakBytes is its high-water mark, for measuring what a computation needs.
   */
  memory(): MemoryInfo {
    const extra = this.current?.memory?.() ?? {};
    return {
      ...extra,
      numTensors: this.numTensors,
      numDataBuffers: this.data.size,
      numBytes: this.liveBytes,
      peakBytes: this.peak,
    };
  }

  /** Starts a new peak measurement from the current numBytes; returns the previous peak. */
  resetPeakBytes(): number {
    const old = this.peak;
    this.peak = this.liveBytes;
    return old;
  }
}

function describe(x: unknown): string {
  if (x === null) return 'null';
  if (Array.isArray(x)) return 'an array';
  return typeof x === 'object' ? (x.constructor?.name ?? 'object') : typeof x;
}

/** Tensors anywhere in a nest of arrays, plain objects and Maps. */
export function collectTensors(x: unknown, into: Set<Tensor>): void {
  if (x instanceof Tensor) into.add(x);
  else if (Array.isArray(x)) for (const v of x) collectTensors(v, into);
  else if (x instanceof Map) for (const v of x.values()) collectTensors(v, into);
  else if (x !== null && typeof x === 'object') for (const v of Object.values(x)) collectTensors(v, into);
}

export const ENGINE: Engine = new Engine();
setTensorHost({
  readSync: (t) => ENGINE.readSync(t),
  read: (t) => ENGINE.read(t),
  disposeTensor: (t) => ENGINE.disposeTensor(t),
  assign: (v, value) => ENGINE.assign(v, value),
});
