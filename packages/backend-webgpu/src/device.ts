/**
 * Getting a GPU. In a page (or anywhere `navigator.gpu` exists) the backend drives the device
 * directly and reads synchronously through a canvas. In Node there is no navigator.gpu: the
 * `webgpu` package (Dawn) provides one, inside a worker thread (node/remote.ts says why).
 */
import { canReadSync, canvasReadSync } from './canvas_read.js';
import { DirectGpu, type Gpu } from './gpu.js';

export interface Acquired {
  gpu: Gpu;
  info: string;
}

/** Limits the kernels want beyond the defaults, where the adapter has them. */
export function requiredLimits(adapter: GPUAdapter): Record<string, number> {
  return {
    maxStorageBuffersPerShaderStage: Math.min(adapter.limits.maxStorageBuffersPerShaderStage, 10),
    maxComputeWorkgroupStorageSize: adapter.limits.maxComputeWorkgroupStorageSize,
  };
}

export function describe(adapter: GPUAdapter): string {
  const i = adapter.info;
  return [i?.vendor, i?.architecture, i?.description].filter(Boolean).join(' ') || 'unknown adapter';
}

/** Reports validation errors loudly: a kernel bug must not read back as silent zeros. */
export function watchErrors(device: GPUDevice, report: (msg: string) => void): void {
  device.addEventListener('uncapturederror', (e) => report(`webgpu: ${e.error.message}`));
}

export async function acquireDirect(gpu: GPU): Promise<{ device: GPUDevice; info: string }> {
  const adapter = await gpu.requestAdapter();
  if (!adapter) throw new Error('webgpu: navigator.gpu.requestAdapter() found no adapter');
  const device = await adapter.requestDevice({ requiredLimits: requiredLimits(adapter) });
  return { device, info: describe(adapter) };
}

export async function acquire(): Promise<Acquired> {
  const nav = (globalThis as { navigator?: { gpu?: GPU } }).navigator;
  if (nav?.gpu) {
    const { device, info } = await acquireDirect(nav.gpu);
    watchErrors(device, (m) => console.error(m));
    return { gpu: new DirectGpu(device, canReadSync() ? canvasReadSync : null), info };
  }
  const isNode = typeof process !== 'undefined' && !!process.versions?.node;
  if (!isNode)
    throw new Error(
      'webgpu: this environment has no navigator.gpu (WebGPU needs a secure context: https or localhost)',
    );
  // Not a literal specifier: bundlers for the browser must not follow it into node:worker_threads.
  const remote = './node/remote.js';
  const { startRemote } = (await import(remote)) as typeof import('./node/remote.js');
  return startRemote();
}
