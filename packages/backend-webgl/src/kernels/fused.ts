/** The fused kernels (all but AdamUpdate, which core composes from ops here) of the webgl backend (optional in core: without them core composes ops). */
import type { FusedKernelTable } from '@tapeflow/core';
import type { WebGLBackend } from '../backend.js';
import { gruKernels } from './gru.js';
import { lstmKernels } from './lstm.js';

/** The one-step kernels; the whole-sequence ones (LSTMSequence, GRUSequence) are the CPU backend's only, for now. */
export function makeFused(
  b: WebGLBackend,
): Pick<FusedKernelTable, 'LSTMBlock' | 'LSTMBlockGrad' | 'GRUBlock' | 'GRUBlockGrad'> {
  return { ...lstmKernels(b), ...gruKernels(b) };
}
