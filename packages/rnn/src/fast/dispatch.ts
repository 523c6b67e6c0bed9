/**
 * Which path dynamicRnn runs: decided here and nowhere else, from the switches (switches.ts),
 * the cell's declared fast traits (RNNCell.fastTraits), the inputs, whether a tape records and
 * which fused kernels the backend has. Every path computes what the TF1 step loop computes; the
 * rnn conformance suites run each one against it.
 */
import { isRecording } from '@tapeflow/autograd';
import { ENGINE, Tensor, type FusedKernelName } from '@tapeflow/core';
import type { Nest } from '../nest.js';
import { RNNCell, type RNNCellLike } from '../cells/rnn_cell.js';
import { fastPaths } from './switches.js';

/**
 * - 'steps': the TF1 loop (unroll.ts) calls cell.call on each step's input slice. Any cell, any
 *   nest of inputs; the only path when fastPaths.hoistInputs is off.
 * - 'hoisted': the same loop, with x K[:depth] + b of every step computed in one matmul first
 *   (projection.ts): one [.., .., depth] Tensor input and a cell whose step splits.
 * - 'sequence': the whole recurrence as one tape node (lstm_sequence.ts, gru_sequence.ts): when,
 *   besides, a tape records (the node only pays off for backprop), swapMemory is off (only the
 *   loop offloads activations), fastPaths.fusedSequence and fusedKernels are on, the cell declares
 *   a sequence node and the backend has that node's fused forward and backward kernels.
 * - 'layers': a MultiRNNCell with tuple state whose every cell would take 'sequence' runs layer
 *   by layer, each layer one such node over all steps.
 */
export type RnnPath = 'steps' | 'hoisted' | 'sequence' | 'layers';

const KERNELS: Record<'lstm' | 'gru', FusedKernelName[]> = {
  lstm: ['LSTMBlock', 'LSTMBlockGrad'],
  gru: ['GRUBlock', 'GRUBlockGrad'],
};

/** The cell's whole-sequence node can run now (switches, kernels; not whether a tape records). */
function sequenceNodeRuns(cell: RNNCellLike): boolean {
  if (!(cell instanceof RNNCell)) return false;
  const kind = cell.fastTraits.sequence;
  return kind !== null && fastPaths.fusedKernels && KERNELS[kind].every((k) => ENGINE.hasFused(k));
}

export function rnnPath(cell: RNNCellLike, inputs: Nest<Tensor>, opts: { swapMemory?: boolean }): RnnPath {
  if (!fastPaths.hoistInputs || !(inputs instanceof Tensor) || inputs.rank !== 3) return 'steps';
  if (!(cell instanceof RNNCell) || !cell.fastTraits.splits) return 'steps';
  if (fastPaths.fusedSequence && !opts.swapMemory && isRecording()) {
    if (sequenceNodeRuns(cell)) return 'sequence';
    const layers = cell.fastTraits.layers;
    if (layers && layers.every(sequenceNodeRuns)) return 'layers';
  }
  return 'hoisted';
}
