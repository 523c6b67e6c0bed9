/**
 * The GRU recurrence over a whole sequence as one tape node: lstm_sequence.ts's idea for TF1's
 * GRUCell (tanh). Per step, with p = [x Wg + bg | x Wc + bc] (2n + n columns):
 *   gates = p_g + h Gh,  r = sig(gates[:, :n]),  cPre = p_c + (r h) Ch,  h' = GRUBlock(gates, h, cPre).
 * Backprop through time per step: the gates and cPre again (two matmuls), GRUBlockGrad, and the
 * two matmuls carrying the gradient back through Ch and Gh; the recurrent weights get theirs from
 * one matmul each over all steps. Saved: p, the packed outputs (the h each step read) and the
 * inputs; higher orders differentiate the op-level recurrence, as for the LSTM.
 */
import {
  ENGINE, add, concat, matmul, mul, reshape, scalar, sigmoid, slice, stack, sub, sum, tidy, where, zeros, type Tensor,
} from '@tapeflow/core';
import { customGrad, grads, type SaveFn } from '@tapeflow/autograd';
import { fastPaths } from '../fast_paths.js';
import { gruBlock, useFused } from './fast_step.js';
import { rowsAt, sequencePlan, type SequencePlan } from './sequence_plan.js';

/** The whole-sequence node applies: the switch is on, a tape records, the backend has both fused kernels. */
export const gruSequenceApplies = (): boolean =>
  fastPaths.fusedSequence && ENGINE.recorder !== null && useFused('GRUBlock') && useFused('GRUBlockGrad');

/**
 * projected: time-major [T, B, 3n]; gh [n, 2n] and ch [n, n] the recurrent rows of the gate and
 * candidate kernels; h0 the state. Returns the outputs [T, B, n] (zeros past each row's length)
 * and the final h, as the step loop gives them.
 */
export function gruSequence(projected: Tensor, gh: Tensor, ch: Tensor, h0: Tensor, lengths?: Int32Array): [outputs: Tensor, h: Tensor] {
  const [T, B] = projected.shape;
  const n = h0.shape[1];
  const plan = sequencePlan(T, B, lengths);
  const node = customGrad((p: Tensor, g: Tensor, c: Tensor, h: Tensor, save: SaveFn) => fastForward(plan, p, g, c, h, save));
  // The node's one output packs [outputs (T steps), h] along time.
  const packed = node(projected, gh, ch, h0);
  return [slice(packed, [0, 0, 0], [T, B, n]), reshape(slice(packed, [T, 0, 0], [1, B, n]), [B, n])];
}

/** One step's gate pre-activations, r and candidate pre-activation from its projections and the h it read. */
function stepParts(pt: Tensor, h: Tensor, gh: Tensor, ch: Tensor): { gates: Tensor; r: Tensor; cPre: Tensor } {
  const n = h.shape[1];
  const gates = add(slice(pt, [0, 0], [-1, 2 * n]), matmul(h, gh));
  const r = sigmoid(slice(gates, [0, 0], [-1, n]));
  const cPre = add(slice(pt, [0, 2 * n], [-1, n]), matmul(mul(r, h), ch));
  return { gates, r, cPre };
}

/** The recurrence with ops (the reference; what the higher-order path differentiates). Returns the packed value. */
function recurrence(plan: SequencePlan, p: Tensor, gh: Tensor, ch: Tensor, h0: Tensor): Tensor {
  const { T, bound, finished } = plan;
  let h = h0;
  const outs: Tensor[] = [];
  for (let t = 0; t < bound; t++) {
    // One scope per step: only its output and state outlive it (as in the step loop).
    let out: Tensor;
    [out, h] = tidy(() => {
      const { gates, cPre } = stepParts(rowsAt(p, t), h, gh, ch);
      const hn = gruBlock(gates, h, cPre);
      const done = finished[t];
      // TF1's masking: finished rows output zeros and keep their state.
      return done ? [where(done, scalar(0, hn.dtype), hn), where(done, h, hn)] : [hn, hn];
    });
    outs.push(out);
  }
  const after = bound < T ? Array<Tensor>(T - bound).fill(zeros(h0.shape, h0.dtype)) : [];
  const packed = stack([...outs, ...after, h], 0);
  // The packed copy replaces the steps' outputs (the tape, if any, holds what it needs).
  for (const o of new Set(outs)) if (o !== h) o.dispose();
  return packed;
}

function fastForward(plan: SequencePlan, p: Tensor, gh: Tensor, ch: Tensor, h0: Tensor, save: SaveFn) {
  const value = recurrence(plan, p, gh, ch, h0);
  save([p, gh, ch, h0, value, ...plan.masks]);
  return {
    value,
    gradFunc: (dy: Tensor, saved: Tensor[]): Tensor[] => {
      const [sp, sg, sc, sh, packed] = saved;
      if (ENGINE.recorder !== null) {
        // A tape records this backward pass: differentiate the reference, so it can be differentiated again.
        return grads((a: Tensor, b: Tensor, c: Tensor, d: Tensor) => sum(mul(recurrence(plan, a, b, c, d), dy)))(sp, sg, sc, sh);
      }
      return backpropThroughTime(plan, dy, sp, sg, sc, sh, packed);
    },
  };
}

/**
 * The fast backward, last step to first. As for the LSTM, a running row read the previous step's
 * unmasked output (a row of `packed`), and a finished row gets all-zero gradients. Returns
 * [dp, dGh, dCh, dh0].
 */
function backpropThroughTime(plan: SequencePlan, dy: Tensor, p: Tensor, gh: Tensor, ch: Tensor, h0: Tensor, packed: Tensor): Tensor[] {
  const { T, bound, finished } = plan;
  const [, B, n] = packed.shape;
  let dh = rowsAt(dy, T);
  const dps: Tensor[] = new Array(bound), rhs: Tensor[] = new Array(bound);
  const zero = scalar(0, dy.dtype);
  for (let t = bound - 1; t >= 0; t--) {
    [dh, dps[t], rhs[t]] = tidy(() => {
      const hPrev = t === 0 ? h0 : rowsAt(packed, t - 1);
      const { gates, r, cPre } = stepParts(rowsAt(p, t), hPrev, gh, ch);
      const done = finished[t];
      let dhBlock = add(rowsAt(dy, t), dh);
      if (done) dhBlock = where(done, zero, dhBlock);
      const shapes = [gates.shape, hPrev.shape, cPre.shape];
      const [dG, dhDirect, dcPre] = ENGINE.runFused('GRUBlockGrad', [gates, hPrev, cPre, dhBlock], {},
        shapes.map((shape) => ({ shape, dtype: gates.dtype })));
      // r reaches h' through cPre = p_c + (r h) Ch.
      const dRh = matmul(dcPre, ch, false, true);
      const dR = mul(mul(dRh, hPrev), mul(r, sub(1, r)));
      const dGates = concat([dR, slice(dG, [0, n], [-1, n])], 1);
      let dhPrev = add(add(dhDirect, mul(dRh, r)), matmul(dGates, gh, false, true));
      if (done) dhPrev = add(dhPrev, where(done, dh, zero));
      return [dhPrev, concat([dGates, dcPre], 1), mul(r, hPrev)];
    });
  }
  const dP = stack(dps, 0);
  const rh = stack(rhs, 0);
  for (const q of [...dps, ...rhs]) q.dispose();
  // Each step's gate gradients against the h it read, the candidate's against the r h it read.
  const h0Row = reshape(h0, [1, B, n]);
  const hRead = bound === 1 ? h0Row : concat([h0Row, slice(packed, [0, 0, 0], [bound - 1, B, n])], 0);
  const rows = bound * B;
  const dGh = matmul(reshape(hRead, [rows, n]), reshape(slice(dP, [0, 0, 0], [bound, B, 2 * n]), [rows, 2 * n]), true, false);
  const dCh = matmul(reshape(rh, [rows, n]), reshape(slice(dP, [0, 0, 2 * n], [bound, B, n]), [rows, n]), true, false);
  const dp = bound === T ? dP : concat([dP, zeros([T - bound, B, 3 * n], dy.dtype)], 0);
  return [dp, dGh, dCh, dh];
}
