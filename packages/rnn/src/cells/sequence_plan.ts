/**
 * What the whole-sequence nodes (lstm_sequence.ts, gru_sequence.ts) share: the loop bound and
 * the masks of TF1's sequence lengths, and time-major row access.
 */
import { reshape, slice, tensor, type Tensor } from '@tapeflow/core';

export interface SequencePlan {
  T: number;
  /** Steps that run: T, or up to the longest length (TF1's loop bound min(T, max(1, max(len)))). */
  bound: number;
  /** Per step, the rows already finished (bool [B, 1]), or null while every row runs. */
  finished: (Tensor | null)[];
  /** The distinct masks of `finished` (saved with the node, so backprop can still read them). */
  masks: Tensor[];
}

export function sequencePlan(T: number, B: number, lengths?: Int32Array): SequencePlan {
  const bound = lengths ? Math.min(T, Math.max(1, Math.max(...lengths))) : T;
  // One mask per distinct set of finished rows, shared by the steps.
  const masks = new Map<string, Tensor>();
  const finished = Array.from({ length: bound }, (_, t) => {
    if (!lengths || lengths.every((n) => t < n)) return null;
    const rows = Array.from(lengths, (n) => t >= n);
    const key = rows.map(Number).join('');
    if (!masks.has(key)) masks.set(key, tensor(rows, [B, 1], 'bool'));
    return masks.get(key)!;
  });
  return { T, bound, finished, masks: [...masks.values()] };
}

/** Step t's rows [B, k] of a time-major [T, B, k] tensor (a view: no copy). */
export const rowsAt = (x: Tensor, t: number): Tensor => reshape(slice(x, [t, 0, 0], [1, x.shape[1], x.shape[2]]), x.shape.slice(1));

/** Step 0's rows [B, k] (what a cell checks the state against). */
export const rowsOf = (x: Tensor): Tensor => rowsAt(x, 0);
