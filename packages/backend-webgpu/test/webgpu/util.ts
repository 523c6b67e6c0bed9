/** Helpers for the webgpu-only cases: the active WebGPUBackend and its GPU memory counters. */
import { ENGINE, memory } from '@tapeflow/core';
import { WebGPUBackend } from '../../src/index.js';

export function webgpu(): WebGPUBackend {
  const b = ENGINE.backend;
  if (!(b instanceof WebGPUBackend)) throw new Error(`these cases need the webgpu backend, active is ${b.name}`);
  return b;
}

/** In-use buffers and bytes as reported through tf.memory(). */
export function gpu(): { buffers: number; bytes: number; allocated: number; host: number; pipelines: number } {
  const m = memory();
  if (m.numBuffers === undefined || m.numBytesInGPU === undefined)
    throw new Error('memory() does not report GPU usage');
  return {
    buffers: m.numBuffers,
    bytes: m.numBytesInGPU,
    allocated: m.numBuffersAllocated ?? NaN,
    host: m.numBytesOnHost ?? NaN,
    pipelines: m.numPipelines ?? NaN,
  };
}
