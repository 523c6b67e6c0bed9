/**
 * Pieces of the cells' fast paths: the fused LSTM and GRU step tails (the backend's LSTMBlock and
 * GRUBlock kernels, or the same equations composed from ops) and the per-call split of a TF1
 * kernel into its input rows and its recurrent rows.
 */
import {
  ENGINE, gruBlock as coreGruBlock, lstmBlock as coreLstmBlock, slice, type FusedKernelName, type Tensor, type Variable,
} from '@tapeflow/core';
import { fastPaths } from '../fast/switches.js';

/** Whether the cells should call the backend's fused kernel `k` (it has it and the switch is on). */
export const useFused = (k: FusedKernelName): boolean => fastPaths.fusedKernels && ENGINE.hasFused(k);

/** One LSTM step's tail (core's lstmBlock), fused when the backend has it and the switch is on. */
export const lstmBlock = (gates: Tensor, c: Tensor, forgetBias: number): [Tensor, Tensor] =>
  coreLstmBlock(gates, c, forgetBias, fastPaths.fusedKernels);

/** The end of a GRU step (core's gruBlock), fused when the backend has it and the switch is on. */
export const gruBlock = (gates: Tensor, h: Tensor, cPre: Tensor): Tensor => coreGruBlock(gates, h, cPre, fastPaths.fusedKernels);

/**
 * kernel [depth + h, k] (TF1's layout, kept for checkpoints) -> [rows 0..depth, rows depth..]:
 * the input weights and the recurrent weights, sliced once per unroll. The slices are recorded,
 * so their gradients flow back to the one Variable.
 */
export function splitKernelRows(kernel: Variable, depth: number): [Tensor, Tensor] {
  const [rows, k] = kernel.shape;
  return [slice(kernel, [0, 0], [depth, k]), slice(kernel, [depth, 0], [rows - depth, k])];
}
