/**
 * Pieces of the cells' fast paths: the fused LSTM and GRU step tails (the backend's LSTMBlock and
 * GRUBlock kernels, or the same equations composed from ops) and the per-call split of a TF1
 * kernel into its input rows and its recurrent rows.
 */
import {
  ENGINE, add, mul, sigmoid, slice, split, sub, tanh, type FusedKernelName, type Tensor, type Variable,
} from '@tapeflow/core';
import { fastPaths } from '../fast_paths.js';

/** Whether the cells should call the backend's fused kernel `k` (it has it and the switch is on). */
export const useFused = (k: FusedKernelName): boolean => fastPaths.fusedKernels && ENGINE.hasFused(k);

/**
 * One LSTM step from the gate pre-activations [batch, 4u] (TF1 order i, j, f, o) and c [batch, u]:
 * c' = c sig(f + forgetBias) + sig(i) tanh(j), h' = tanh(c') sig(o). Returns [c', h'].
 */
export function lstmBlock(gates: Tensor, c: Tensor, forgetBias: number): [Tensor, Tensor] {
  if (useFused('LSTMBlock')) {
    const out = { shape: c.shape, dtype: c.dtype };
    const [c2, h2] = ENGINE.runFused('LSTMBlock', [gates, c], { forgetBias }, [out, out]);
    return [c2, h2];
  }
  const [i, j, f, o] = split(gates, 4, 1);
  const c2 = add(mul(c, sigmoid(add(f, forgetBias))), mul(sigmoid(i), tanh(j)));
  return [c2, mul(tanh(c2), sigmoid(o))];
}

/**
 * The end of a GRU step (tanh activation): gates [batch, 2u] are the r, u pre-activations, cPre
 * [batch, u] the candidate's; h' = u h + (1 - u) tanh(cPre) with u = sig(gates[:, u:]).
 */
export function gruBlock(gates: Tensor, h: Tensor, cPre: Tensor): Tensor {
  if (useFused('GRUBlock')) return ENGINE.runFused('GRUBlock', [gates, h, cPre], {}, [{ shape: h.shape, dtype: h.dtype }])[0];
  const n = h.shape[1];
  const u = sigmoid(slice(gates, [0, n], [-1, n]));
  return add(mul(u, h), mul(sub(1, u), tanh(cPre)));
}

/**
 * kernel [depth + h, k] (TF1's layout, kept for checkpoints) -> [rows 0..depth, rows depth..]:
 * the input weights and the recurrent weights, sliced once per unroll. The slices are recorded,
 * so their gradients flow back to the one Variable.
 */
export function splitKernelRows(kernel: Variable, depth: number): [Tensor, Tensor] {
  const [rows, k] = kernel.shape;
  return [slice(kernel, [0, 0], [depth, k]), slice(kernel, [depth, 0], [rows - depth, k])];
}
