/** Helpers for the webgl-only cases: the active WebGLBackend and its GPU memory counters. */
import { ENGINE, memory } from '@tapeflow/core';
import { WebGLBackend } from '../../src/index.js';

export function webgl(): WebGLBackend {
  const b = ENGINE.backend;
  if (!(b instanceof WebGLBackend)) throw new Error(`these cases need the webgl backend, active is ${b.name}`);
  return b;
}

/** In-use textures and bytes as reported through tf.memory(). */
export function gpu(): { textures: number; bytes: number; allocated: number; host: number } {
  const m = memory();
  if (m.numTextures === undefined || m.numBytesInGPU === undefined)
    throw new Error('memory() does not report GPU usage');
  return {
    textures: m.numTextures,
    bytes: m.numBytesInGPU,
    allocated: m.numBytesInGPUAllocated ?? NaN,
    host: m.numBytesOnHost ?? NaN,
  };
}
