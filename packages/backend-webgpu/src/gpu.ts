/// <reference types="@webgpu/types" preserve="true" />
// (preserve: the .d.ts keeps this line, so a consumer with `types: ["node"]` gets the GPU* names too)
/**
 * The device side of the backend: what kernels ask of a GPU, as a narrow command interface over
 * numbered buffers. `DirectGpu` runs the commands on a GPUDevice (in a page, or inside the Node
 * worker); in Node the backend talks to a worker through `RemoteGpu` (node/remote.ts), because a
 * thread that owns a Dawn device cannot block on its own readback.
 */

/** One compute shader run: bindings are the meta words first, then `buffers` in order. */
export interface Dispatch {
  /** WGSL source; it names the shape class (rank, layout flags), never the sizes (those are meta). */
  source: string;
  buffers: readonly number[];
  meta: Int32Array;
  /** Workgroup counts. */
  groups: readonly [number, number, number];
}

export interface Gpu {
  /** A fresh (or pooled) storage buffer of at least `bytes` under the caller's id. */
  alloc(id: number, bytes: number): void;
  free(id: number): void;
  write(id: number, data: ArrayBufferView): void;
  run(d: Dispatch): void;
  /** The first `bytes` of buffer `id`, synchronously; throws where the platform cannot. */
  readSync(id: number, bytes: number): ArrayBuffer;
  read(id: number, bytes: number): Promise<ArrayBuffer>;
  stats(): GpuStats;
  destroy(): void;
}

export interface GpuStats {
  numBuffersAllocated: number;
  numBytesAllocated: number;
  numBytesPooled: number;
  numPipelines: number;
}

/** Storage buffers are allocated in multiples of this many bytes (and never empty). */
const ALIGN = 16;
/** Pooled buffers beyond this many bytes are destroyed instead of kept for reuse. */
const POOL_LIMIT_BYTES = 256 * 1024 * 1024;
/** Meta words of one batch of dispatches live in one buffer; each dispatch gets a slot. */
const META_SLOT = 256;
const META_SLOTS = 256;

export const roundBytes = (bytes: number): number => Math.max(ALIGN, Math.ceil(bytes / ALIGN) * ALIGN);

/** Synchronous readback for where mapAsync is the only way (a page: see canvas_read.ts). */
export type SyncReader = (device: GPUDevice, buffer: GPUBuffer, bytes: number) => ArrayBuffer;

export class DirectGpu implements Gpu {
  private buffers = new Map<number, GPUBuffer>();
  private pool = new Map<number, GPUBuffer[]>();
  private pooledBytes = 0;
  private allocatedBytes = 0;
  private numAllocated = 0;
  private pipelines = new Map<string, GPUComputePipeline>();
  private encoder: GPUCommandEncoder | null = null;
  private pass: GPUComputePassEncoder | null = null;
  private metaBuffer: GPUBuffer;
  private metaHost = new Int32Array((META_SLOT * META_SLOTS) / 4);
  private metaUsed = 0;
  /**
   * Buffers the open batch uses that were freed and may be handed out again. A dispatch may reuse
   * one (it is encoded after the earlier uses), but an upload would overtake them (queue writes
   * land before the batch is submitted), so writing to one submits the batch first.
   */
  private dirty = new Set<GPUBuffer>();
  private flushQueued = false;
  private staging: GPUBuffer[] = [];

  constructor(
    readonly device: GPUDevice,
    private readonly syncReader: SyncReader | null,
  ) {
    this.metaBuffer = device.createBuffer({
      size: this.metaHost.byteLength,
      usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST,
    });
  }

  alloc(id: number, bytes: number): void {
    const size = roundBytes(bytes);
    const free = this.pool.get(size);
    let buf = free?.pop();
    if (buf) {
      this.pooledBytes -= size;
    } else {
      buf = this.device.createBuffer({
        size,
        usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
      });
      this.allocatedBytes += size;
      this.numAllocated++;
    }
    this.buffers.set(id, buf);
  }

  free(id: number): void {
    const buf = this.buffers.get(id);
    if (!buf) return;
    this.buffers.delete(id);
    if (this.encoder) this.dirty.add(buf);
    this.toPool(buf);
  }

  private toPool(buf: GPUBuffer): void {
    if (this.pooledBytes + buf.size > POOL_LIMIT_BYTES) {
      // Destroying a buffer the open batch uses is fine: it is kept alive until the batch is done.
      this.allocatedBytes -= buf.size;
      this.numAllocated--;
      buf.destroy();
      return;
    }
    const list = this.pool.get(buf.size) ?? [];
    list.push(buf);
    this.pool.set(buf.size, list);
    this.pooledBytes += buf.size;
  }

  write(id: number, data: ArrayBufferView): void {
    const buf = this.buffers.get(id)!;
    if (this.dirty.has(buf)) this.flush();
    // Sizes are multiples of 4 bytes (32-bit elements), as writeBuffer requires.
    this.device.queue.writeBuffer(buf, 0, data.buffer, data.byteOffset, data.byteLength);
  }

  private pipeline(source: string): GPUComputePipeline {
    let p = this.pipelines.get(source);
    if (!p) {
      const module = this.device.createShaderModule({ code: source });
      p = this.device.createComputePipeline({ layout: 'auto', compute: { module, entryPoint: 'main' } });
      this.pipelines.set(source, p);
    }
    return p;
  }

  run(d: Dispatch): void {
    if (d.meta.length * 4 > META_SLOT) throw new Error(`webgpu: ${d.meta.length} meta words exceed a slot`);
    if (this.metaUsed === META_SLOTS) this.flush();
    const pipeline = this.pipeline(d.source);
    if (!this.encoder) {
      this.encoder = this.device.createCommandEncoder();
      this.pass = this.encoder.beginComputePass();
      if (!this.flushQueued) {
        // Let the GPU start on what a synchronous stretch of JS queued, without waiting for a read.
        this.flushQueued = true;
        queueMicrotask(() => {
          this.flushQueued = false;
          this.flush();
        });
      }
    }
    const slot = this.metaUsed++;
    this.metaHost.set(d.meta, (slot * META_SLOT) / 4);
    const entries: GPUBindGroupEntry[] = [
      { binding: 0, resource: { buffer: this.metaBuffer, offset: slot * META_SLOT, size: META_SLOT } },
    ];
    d.buffers.forEach((id, k) => {
      const buffer = this.buffers.get(id);
      if (!buffer) throw new Error(`webgpu: buffer ${id} is not allocated`);
      entries.push({ binding: k + 1, resource: { buffer } });
    });
    const bindGroup = this.device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries });
    this.pass!.setPipeline(pipeline);
    this.pass!.setBindGroup(0, bindGroup);
    this.pass!.dispatchWorkgroups(d.groups[0], d.groups[1], d.groups[2]);
  }

  /** Submits the open batch: its meta words first (a queue write lands before the submit that follows it). */
  flush(): void {
    if (!this.encoder) return;
    this.pass!.end();
    this.device.queue.writeBuffer(this.metaBuffer, 0, this.metaHost.buffer, 0, this.metaUsed * META_SLOT);
    this.device.queue.submit([this.encoder.finish()]);
    this.encoder = null;
    this.pass = null;
    this.metaUsed = 0;
    this.dirty.clear();
  }

  readSync(id: number, bytes: number): ArrayBuffer {
    if (!this.syncReader) {
      throw new Error(
        'webgpu: this platform cannot read GPU memory synchronously; use `await tensor.data()` (or array()) instead of dataSync()',
      );
    }
    this.flush();
    return this.syncReader(this.device, this.buffers.get(id)!, bytes);
  }

  async read(id: number, bytes: number): Promise<ArrayBuffer> {
    this.flush();
    const size = roundBytes(bytes);
    const i = this.staging.findIndex((s) => s.size === size);
    const staging =
      i >= 0
        ? this.staging.splice(i, 1)[0]
        : this.device.createBuffer({ size, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    const enc = this.device.createCommandEncoder();
    enc.copyBufferToBuffer(this.buffers.get(id)!, 0, staging, 0, size);
    this.device.queue.submit([enc.finish()]);
    await staging.mapAsync(GPUMapMode.READ);
    const out = staging.getMappedRange(0, size).slice(0, bytes);
    staging.unmap();
    if (this.staging.length < 8) this.staging.push(staging);
    else staging.destroy();
    return out;
  }

  stats(): GpuStats {
    return {
      numBuffersAllocated: this.numAllocated,
      numBytesAllocated: this.allocatedBytes,
      numBytesPooled: this.pooledBytes,
      numPipelines: this.pipelines.size,
    };
  }

  destroy(): void {
    this.flush();
    for (const b of this.buffers.values()) b.destroy();
    for (const list of this.pool.values()) for (const b of list) b.destroy();
    for (const s of this.staging) s.destroy();
    this.metaBuffer.destroy();
    this.buffers.clear();
    this.pool.clear();
    this.device.destroy();
  }
}
