/** The fused kernels (all but AdamUpdate, which core composes from ops here) of the webgpu backend (optional in core: without them core composes ops). */
import type { FusedKernelTable } from '@tapeflow/core';
import type { WebGPUBackend } from '../backend.js';
import { gruKernels } from './gru.js';
import { lstmKernels } from './lstm.js';

export function makeFused(b: WebGPUBackend): Omit<FusedKernelTable, 'AdamUpdate'> {
  return { ...lstmKernels(b), ...gruKernels(b) };
}
