/**
 * Node: the GPU lives in a worker thread and this side forwards commands to it. A thread that
 * owns a Dawn device cannot block on its own readback (mapAsync resolves only on its event
 * loop), but another thread can: readSync posts the request and waits with Atomics.wait on a
 * SharedArrayBuffer the worker fills once the staging buffer is mapped. Commands are posted in
 * order and the worker runs them in order, so a read sees every dispatch before it.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Dispatch, Gpu, GpuStats } from '../gpu.js';
import type { Acquired } from '../device.js';
import type { Reply, Request } from './protocol.js';

const READ_TIMEOUT_MS = 120_000;

class RemoteGpu implements Gpu {
  /** Shader sources already sent, by their number on the worker side. */
  private programs = new Map<string, number>();
  private reads = new Map<number, { resolve(b: ArrayBuffer): void; reject(e: Error): void }>();
  private nextRead = 1;
  private last: GpuStats = { numBuffersAllocated: 0, numBytesAllocated: 0, numBytesPooled: 0, numPipelines: 0 };

  constructor(private worker: Worker) {
    worker.on('message', (m: Reply) => {
      if (m.t === 'data') {
        const r = this.reads.get(m.req)!;
        this.reads.delete(m.req);
        if (!this.reads.size) this.worker.unref();
        if (m.error) r.reject(new Error(m.error));
        else r.resolve(m.data!);
      } else if (m.t === 'error') {
        console.error(m.message);
      }
    });
  }

  private post(m: Request, transfer?: ArrayBuffer[]): void {
    this.worker.postMessage(m, transfer);
  }

  alloc(id: number, bytes: number): void {
    this.post({ t: 'alloc', id, bytes });
  }
  free(id: number): void {
    this.post({ t: 'free', id });
  }
  write(id: number, data: ArrayBufferView): void {
    const copy = new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice().buffer;
    this.post({ t: 'write', id, data: copy }, [copy]);
  }

  run(d: Dispatch): void {
    let program = this.programs.get(d.source);
    let source: string | undefined;
    if (program === undefined) {
      program = this.programs.size;
      this.programs.set(d.source, program);
      source = d.source;
    }
    this.post({
      t: 'run',
      program,
      source,
      buffers: d.buffers as number[],
      meta: d.meta,
      groups: d.groups as [number, number, number],
    });
  }

  readSync(id: number, bytes: number): ArrayBuffer {
    // Words: [state (0 pending, 1 done, 2 failed), byte length], then the data (or an error text).
    const sab = new SharedArrayBuffer(8 + Math.max(bytes, 1024));
    const head = new Int32Array(sab, 0, 2);
    this.post({ t: 'readSync', id, bytes, sab });
    if (Atomics.wait(head, 0, 0, READ_TIMEOUT_MS) === 'timed-out') {
      throw new Error(`webgpu: the GPU worker did not answer a read within ${READ_TIMEOUT_MS} ms`);
    }
    const n = head[1];
    const payload = new Uint8Array(sab, 8, n).slice();
    if (head[0] === 2) throw new Error(new TextDecoder().decode(payload));
    return payload.buffer;
  }

  read(id: number, bytes: number): Promise<ArrayBuffer> {
    const req = this.nextRead++;
    if (!this.reads.size) this.worker.ref(); // keep the process alive until the answer comes
    return new Promise((resolve, reject) => {
      this.reads.set(req, { resolve, reject });
      this.post({ t: 'read', id, bytes, req });
    });
  }

  stats(): GpuStats {
    const sab = new SharedArrayBuffer(8 + 32);
    const head = new Int32Array(sab, 0, 2);
    this.post({ t: 'stats', sab });
    if (Atomics.wait(head, 0, 0, READ_TIMEOUT_MS) !== 'timed-out') {
      const [numBuffersAllocated, numBytesAllocated, numBytesPooled, numPipelines] = new Float64Array(sab, 8, 4);
      this.last = { numBuffersAllocated, numBytesAllocated, numBytesPooled, numPipelines };
    }
    return this.last;
  }

  destroy(): void {
    this.post({ t: 'destroy' });
    void this.worker.terminate();
  }
}

export async function startRemote(): Promise<Acquired> {
  // The worker always runs the built module: a worker thread does not inherit a TypeScript
  // loader, so from the source tree (tests run it) it takes dist/, which `pnpm build` makes.
  const fromSource = import.meta.url.endsWith('.ts');
  const url = new URL(fromSource ? '../../dist/node/worker.js' : './worker.js', import.meta.url);
  if (fromSource && !existsSync(url))
    throw new Error(`webgpu: ${fileURLToPath(url)} is missing; run \`pnpm build\` first`);
  const worker = new Worker(url);
  const ready = await new Promise<Reply>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  if (ready.t !== 'ready') {
    await worker.terminate();
    throw new Error(ready.t === 'unavailable' ? ready.reason : 'webgpu: the GPU worker did not start');
  }
  worker.unref();
  return { gpu: new RemoteGpu(worker), info: ready.info };
}
