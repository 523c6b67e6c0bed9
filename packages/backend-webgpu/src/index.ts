/**
 * @tapeflow/backend-webgpu: importing this registers the 'webgpu' backend. Its factory asks for
 * a WebGPU adapter (navigator.gpu in a page; Dawn, the `webgpu` package, in Node), so it only
 * succeeds where one exists; elsewhere setBackend('webgpu') resolves false and
 * `webgpuInitError()` says why.
 */
import { registerBackend } from '@tapeflow/core';
import { WebGPUBackend } from './backend.js';
import { acquire } from './device.js';

export { WebGPUBackend, GpuData, type OutSpec, type RawSpec, type RunSpec } from './backend.js';
export type { Dispatch, Gpu, GpuStats } from './gpu.js';

/** Above webgl (2) and cpu (1): where WebGPU works it is the default. */
export const WEBGPU_PRIORITY = 3;

let initError: string | null = null;

/** Why the last attempt to start the 'webgpu' backend failed (null if it did not). */
export function webgpuInitError(): string | null {
  return initError;
}

/** Makes a backend on this environment's GPU; rejects with the reason when there is none. */
export async function createWebGPUBackend(): Promise<WebGPUBackend> {
  try {
    const { gpu, info } = await acquire();
    initError = null;
    return new WebGPUBackend(gpu, info);
  } catch (e) {
    initError = (e as Error).message;
    throw e;
  }
}

registerBackend('webgpu', createWebGPUBackend, WEBGPU_PRIORITY);
