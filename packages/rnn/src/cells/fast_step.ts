/**
 * Pieces of the cells' fast paths: the fused LSTM step (the backend's LSTMBlock kernel, or the
 * same equations composed from ops) and the per-call split of a TF1 kernel into its input rows
 * and its recurrent rows.
 */
import { ENGINE, add, mul, sigmoid, slice, split, tanh, type Tensor, type Variable } from '@tapeflow/core';

/**
 * One LSTM step from the gate pre-activations [batch, 4u] (TF1 order i, j, f, o) and c [batch, u]:
 * c' = c sig(f + forgetBias) + sig(i) tanh(j), h' = tanh(c') sig(o). Returns [c', h'].
 */
export function lstmBlock(gates: Tensor, c: Tensor, forgetBias: number): [Tensor, Tensor] {
  if (ENGINE.hasFused('LSTMBlock')) {
    const out = { shape: c.shape, dtype: c.dtype };
    const [c2, h2] = ENGINE.runFused('LSTMBlock', [gates, c], { forgetBias }, [out, out]);
    return [c2, h2];
  }
  const [i, j, f, o] = split(gates, 4, 1);
  const c2 = add(mul(c, sigmoid(add(f, forgetBias))), mul(sigmoid(i), tanh(j)));
  return [c2, mul(tanh(c2), sigmoid(o))];
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
