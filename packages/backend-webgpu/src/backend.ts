/**
 * The 'webgpu' backend: tensor storage in GPU storage buffers, uploaded lazily, plus the `run`
 * helper every kernel uses to dispatch one compute shader.
 *
 * Storage states, as in the webgl backend: on the host only (just written, or offloaded by
 * swapMemory), or on the GPU only. The first kernel that reads host values uploads them; an
 * offloaded tensor is uploaded into a transient buffer for each dispatch that reads it, freed
 * right after, so the activations swapMemory moved out come back one step at a time.
 */
import type {
  Backend,
  BackendMemory,
  DataId,
  DType,
  FusedKernelTable,
  KernelTable,
  Shape,
  TensorInfo,
  TypedArray,
} from '@tapeflow/core';
import type { Gpu } from './gpu.js';
import { header, IDX, MAIN, grid, wgslType, type Binding } from './wgsl.js';
import { makeKernels } from './kernels/index.js';
import { makeFused } from './kernels/fused.js';

/** One tensor's storage. Reshape shares it (the engine refcounts DataIds). */
export class GpuData {
  /** Buffer id on the device while on the GPU. */
  buffer: number | null = null;
  constructor(
    readonly size: number,
    readonly dtype: DType,
    /** Host copy while not on the GPU. */
    public values: TypedArray | null,
    public offloaded = false,
  ) {}
  get bytes(): number {
    return this.size * 4;
  }
}

/** A compute shader over explicit bindings (matmul, reductions): the kernel writes the whole module. */
/** An output to allocate, or existing storage to write into (Concat fills one output in several runs). */
export type OutSpec = { shape: Shape; dtype: DType } | GpuData;

export interface RawSpec {
  inputs: readonly TensorInfo[];
  outs: readonly OutSpec[];
  /** The module after its bindings (x0.., y0..) and helpers: must define `main`. */
  source: string;
  meta: readonly number[];
  groups: readonly [number, number, number];
  /** Array element types of the bindings (inputs, then outputs) where not the dtype's scalar. */
  types?: readonly (string | undefined)[];
}

/** One invocation per element (`idx`) of `threads`; the body writes y0[..] (and y1.. for several outputs). */
export interface RunSpec {
  inputs: readonly TensorInfo[];
  outs: readonly OutSpec[];
  /** Statements after `idx` is set; meta words from `meta` are at mt[1 + i]. */
  body: string;
  decls?: string;
  meta?: readonly number[];
  /** Invocations; default: the first output's size. */
  threads?: number;
}

export class WebGPUBackend implements Backend {
  readonly name = 'webgpu';
  readonly kernels: KernelTable;
  readonly fused: Partial<FusedKernelTable>;
  private live = new Set<GpuData>();
  private nextId = 1;
  private bytesInUse = 0;
  private buffersInUse = 0;
  private peakBytes = 0;
  /** Compute dispatches; tests use it to see that work ran on the GPU. */
  numDispatches = 0;

  constructor(
    readonly gpu: Gpu,
    readonly adapterInfo = '',
  ) {
    this.kernels = makeKernels(this);
    this.fused = makeFused(this);
  }

  supportsDType(dtype: DType): boolean {
    return dtype !== 'float64';
  }

  write(values: TypedArray, _shape: Shape, dtype: DType): DataId {
    const d = new GpuData(values.length, dtype, values);
    this.live.add(d);
    return d;
  }

  readSync(info: TensorInfo): TypedArray {
    const d = info.dataId as GpuData;
    if (d.values) return d.values.slice();
    if (d.size === 0) return this.fromGPU(new ArrayBuffer(0), d.dtype);
    return this.fromGPU(this.gpu.readSync(d.buffer!, d.bytes), d.dtype);
  }

  async read(info: TensorInfo): Promise<TypedArray> {
    const d = info.dataId as GpuData;
    if (d.values) return d.values.slice();
    if (d.size === 0) return this.fromGPU(new ArrayBuffer(0), d.dtype);
    return this.fromGPU(await this.gpu.read(d.buffer!, d.bytes), d.dtype);
  }

  private fromGPU(raw: ArrayBuffer, dtype: DType): TypedArray {
    if (dtype === 'float32') return new Float32Array(raw);
    if (dtype === 'int32') return new Int32Array(raw);
    return Uint8Array.from(new Uint32Array(raw), (v) => (v !== 0 ? 1 : 0));
  }

  disposeData(dataId: DataId): void {
    const d = dataId as GpuData;
    if (!this.live.delete(d)) return;
    if (d.buffer !== null) this.freeBuffer(d.buffer, d.bytes);
    d.buffer = null;
    d.values = null;
  }

  /** swapMemory: copy to host memory and free the GPU buffer; uploaded again for each use. */
  offload(dataId: DataId): void {
    const d = dataId as GpuData;
    if (!this.live.has(d) || d.buffer === null) return;
    d.values = this.readSync({ dataId: d, shape: [d.size], dtype: d.dtype });
    this.freeBuffer(d.buffer, d.bytes);
    d.buffer = null;
    d.offloaded = true;
  }

  private allocBuffer(bytes: number): number {
    const id = this.nextId++;
    this.gpu.alloc(id, bytes);
    this.buffersInUse++;
    this.bytesInUse += bytes;
    if (this.bytesInUse > this.peakBytes) this.peakBytes = this.bytesInUse;
    return id;
  }

  private freeBuffer(id: number, bytes: number): void {
    this.gpu.free(id);
    this.buffersInUse--;
    this.bytesInUse -= bytes;
  }

  /** The buffer holding `info` for one dispatch, uploading host values first (transiently if offloaded). */
  private bufferOf(info: TensorInfo, transient: [number, number][]): number {
    const d = info.dataId as GpuData;
    if (d.buffer !== null) return d.buffer;
    const id = this.allocBuffer(d.bytes);
    const v = d.values!;
    this.gpu.write(id, v instanceof Uint8Array ? Uint32Array.from(v) : v);
    if (d.offloaded) {
      transient.push([id, d.bytes]);
    } else {
      d.buffer = id;
      d.values = null;
    }
    return id;
  }

  /** Fresh output storage, registered as live. */
  allocate(o: OutSpec): GpuData {
    if (o instanceof GpuData) return o;
    const size = o.shape.reduce((n, v) => n * v, 1);
    const dtype = o.dtype;
    const d = new GpuData(size, dtype, null);
    d.buffer = this.allocBuffer(d.bytes);
    this.live.add(d);
    return d;
  }

  /** Dispatches a whole module over its inputs and fresh outputs; returns the outputs. */
  runRaw(spec: RawSpec): GpuData[] {
    const outs = spec.outs.map((o) => this.allocate(o));
    if (outs.every((o) => o.size === 0) && spec.outs.length) return outs;
    const bindings: Binding[] = [
      ...spec.inputs.map((x, k) => ({ name: `x${k}`, type: spec.types?.[k] ?? wgslType(x.dtype) })),
      ...spec.outs.map((o, k) => ({
        name: `y${k}`,
        type: spec.types?.[spec.inputs.length + k] ?? wgslType(o.dtype),
        write: true,
      })),
    ];
    const transient: [number, number][] = [];
    const buffers = [...spec.inputs.map((x) => this.bufferOf(x, transient)), ...outs.map((o) => o.buffer!)];
    this.gpu.run({
      source: header(bindings) + spec.source,
      buffers,
      meta: Int32Array.from(spec.meta),
      groups: spec.groups,
    });
    this.numDispatches++;
    for (const [id, bytes] of transient) this.freeBuffer(id, bytes);
    return outs;
  }

  /** One invocation per element: `idx` over `threads`, the body writes the outputs. */
  run(spec: RunSpec): GpuData[] {
    const threads = spec.threads ?? this.sizeOf(spec.outs[0]);
    if (threads === 0) return spec.outs.map((o) => this.allocate(o));
    const source = `${spec.decls ?? ''}\n${MAIN} {\n  ${IDX}\n  ${spec.body}\n}\n`;
    return this.runRaw({
      inputs: spec.inputs,
      outs: spec.outs,
      source,
      meta: [threads, ...(spec.meta ?? [])],
      groups: grid(threads),
    });
  }

  private sizeOf(o: OutSpec): number {
    return o instanceof GpuData ? o.size : o.shape.reduce((n, v) => n * v, 1);
  }

  /** run() with one output. */
  run1(spec: RunSpec): GpuData {
    return this.run(spec)[0];
  }

  memory(): BackendMemory {
    let hostBytes = 0;
    for (const d of this.live) if (d.values) hostBytes += d.values.byteLength;
    const s = this.gpu.stats();
    return {
      numBuffers: this.buffersInUse,
      numBytesInGPU: this.bytesInUse,
      numBuffersAllocated: s.numBuffersAllocated,
      numBytesInGPUAllocated: s.numBytesAllocated,
      numBytesInGPUFree: s.numBytesPooled,
      numBytesInGPUPeak: this.peakBytes,
      numBytesOnHost: hostBytes,
      numPipelines: s.numPipelines,
    };
  }

  /** Starts a new peak measurement at the current in-use bytes. */
  resetPeak(): void {
    this.peakBytes = this.bytesInUse;
  }

  dispose(): void {
    for (const d of [...this.live]) this.disposeData(d);
    this.gpu.destroy();
  }
}
