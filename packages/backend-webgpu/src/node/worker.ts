/** The GPU worker in Node: owns a Dawn device and runs the commands remote.ts posts, in order. */
import { parentPort } from 'node:worker_threads';
import { DirectGpu } from '../gpu.js';
import { acquireDirect, watchErrors } from '../device.js';
import type { Reply, Request } from './protocol.js';

const port = parentPort!;
const reply = (m: Reply, transfer?: ArrayBuffer[]): void => port.postMessage(m, transfer);

/** Why Dawn gave no adapter, in terms of what to install or set. */
const NO_ADAPTER =
  'webgpu: Dawn (the `webgpu` package) found no GPU adapter. Without a GPU it needs a Vulkan ' +
  "driver: install libvulkan1 and point VK_ICD_FILENAMES at a SwiftShader ICD (Debian's chromium ships " +
  '/usr/lib/chromium/vk_swiftshader_icd.json)';

async function main(): Promise<void> {
  let gpu: DirectGpu;
  try {
    const { create, globals } = await import('webgpu');
    Object.assign(globalThis, globals); // GPUBufferUsage and friends
    const { device, info } = await acquireDirect(create([])).catch((e: Error) => {
      throw new Error(/no adapter/.test(e.message) ? NO_ADAPTER : e.message);
    });
    watchErrors(device, (message) => reply({ t: 'error', message }));
    gpu = new DirectGpu(device, null);
    reply({ t: 'ready', info });
  } catch (e) {
    reply({ t: 'unavailable', reason: (e as Error).message });
    return;
  }
  const programs: string[] = [];
  const fill = (sab: SharedArrayBuffer, state: number, bytes: Uint8Array): void => {
    const head = new Int32Array(sab, 0, 2);
    new Uint8Array(sab, 8, bytes.length).set(bytes);
    head[1] = bytes.length;
    Atomics.store(head, 0, state);
    Atomics.notify(head, 0);
  };
  port.on('message', (m: Request) => {
    switch (m.t) {
      case 'alloc':
        gpu.alloc(m.id, m.bytes);
        break;
      case 'free':
        gpu.free(m.id);
        break;
      case 'write':
        gpu.write(m.id, new Uint8Array(m.data));
        break;
      case 'run':
        if (m.source !== undefined) programs[m.program] = m.source;
        gpu.run({ source: programs[m.program], buffers: m.buffers, meta: m.meta, groups: m.groups });
        break;
      case 'readSync':
        gpu.read(m.id, m.bytes).then(
          (data) => fill(m.sab, 1, new Uint8Array(data)),
          (e: Error) => fill(m.sab, 2, new TextEncoder().encode(String(e.message).slice(0, 1000))),
        );
        break;
      case 'read':
        gpu.read(m.id, m.bytes).then(
          (data) => reply({ t: 'data', req: m.req, data }, [data]),
          (e: Error) => reply({ t: 'data', req: m.req, error: e.message }),
        );
        break;
      case 'stats': {
        const s = gpu.stats();
        fill(
          m.sab,
          1,
          new Uint8Array(
            new Float64Array([s.numBuffersAllocated, s.numBytesAllocated, s.numBytesPooled, s.numPipelines]).buffer,
          ),
        );
        break;
      }
      case 'destroy':
        gpu.destroy();
        port.close();
        break;
    }
  });
}

void main();
