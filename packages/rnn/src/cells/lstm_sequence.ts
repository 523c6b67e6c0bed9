/**
 * The LSTM recurrence over a whole sequence as ONE tape node (customGrad), for dynamicRnn's
 * training path. Recorded step by step, the tape would hold ~6 nodes per step, and the slices
 * that read each step's rows of the hoisted projection would each get a gradient as large as the
 * whole projection (so backprop would add T full-size tensors); the recurrent weights' gradient
 * would be T small matmuls added up. As one node, backprop through time runs as a plain loop:
 * per step one fused LSTMBlockGrad and one matmul, then the gradients of every step's gates go
 * out as one tensor and the recurrent weights get theirs from one [u, T*B] x [T*B, 4u] matmul.
 *
 * Higher-order gradients: when a tape records the backward pass itself, the gradient is instead
 * the vector-Jacobian product of the same recurrence written with differentiable ops (the
 * reference), so gradients of gradients stay exact.
 *
 * Inputs: every step's projected inputs p = x W_x + b [d0, d1, 4u] (time on axis tAxis), the
 * recurrent rows W_h [u, 4u], the state (c0, h0) and the host lengths as dynamicRnn read them.
 * Result: outputs [d0, d1, u] (zeros past each row's length) and the final (c, h), as the
 * step-by-step unroll gives them.
 */
import {
  ENGINE, add, concat, matmul, mul, pad, reshape, scalar, slice, stack, sum, tensor, tidy, where, type Tensor,
} from '@tapeflow/core';
import { customGrad, grads, type SaveFn } from '@tapeflow/autograd';
import { fastPaths } from '../fast_paths.js';
import { lstmBlock, useFused } from './fast_step.js';

/** The whole-sequence node applies: the switch is on, a tape records, the backend has both fused kernels. */
export const lstmSequenceApplies = (): boolean =>
  fastPaths.fusedSequence && ENGINE.recorder !== null && useFused('LSTMBlock') && useFused('LSTMBlockGrad');

interface Plan {
  tAxis: 0 | 1;
  T: number;
  B: number;
  /** Steps that run: T, or up to the longest length (TF1's loop bound min(T, max(1, max(len)))). */
  bound: number;
  /** Per step, the rows already finished (bool [B, 1]), or null when every row is still running. */
  finished: (Tensor | null)[];
  /** The distinct masks of `finished` (saved with the node, so backprop can still read them). */
  masks: Tensor[];
  forgetBias: number;
}

export function lstmSequence(projected: Tensor, tAxis: 0 | 1, wh: Tensor, c0: Tensor, h0: Tensor, forgetBias: number,
  lengths?: Int32Array): [outputs: Tensor, c: Tensor, h: Tensor] {
  const T = projected.shape[tAxis], B = projected.shape[1 - tAxis];
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
  const plan: Plan = { tAxis, T, B, bound, finished, masks: [...masks.values()], forgetBias };
  const packed = customGrad((p: Tensor, w: Tensor, c: Tensor, h: Tensor, save: SaveFn) => fastForward(plan, p, w, c, h, save))(projected, wh, c0, h0);
  // The node's one output packs [outputs (T steps), c, h] along the time axis.
  const u = wh.shape[0];
  const at = (t: number, n: number): Tensor => slice(packed, tAxis === 0 ? [t, 0, 0] : [0, t, 0], tAxis === 0 ? [n, B, u] : [B, n, u]);
  return [at(0, T), reshape(at(T, 1), [B, u]), reshape(at(T + 1, 1), [B, u])];
}

/** Step 0's rows [B, k] of a [d0, d1, k] tensor with time on tAxis (what the state is checked against). */
export const rowsOf = (x: Tensor, tAxis: 0 | 1): Tensor => rowsAt(x, tAxis, 0);

/** Step t's rows [B, k] of a [d0, d1, k] tensor with time on tAxis. */
function rowsAt(x: Tensor, tAxis: 0 | 1, t: number): Tensor {
  const [d0, d1, k] = x.shape;
  const s = tAxis === 0 ? slice(x, [t, 0, 0], [1, d1, k]) : slice(x, [0, t, 0], [d0, 1, k]);
  return reshape(s, [tAxis === 0 ? d1 : d0, k]);
}

/**
 * The recurrence with ops: the reference the fast backward must equal, and what the
 * higher-order path differentiates. Returns the packed [outputs, c, h]; `keepStep` sees each
 * step's tensors the fast backward needs.
 */
function recurrence(plan: Plan, p: Tensor, wh: Tensor, c0: Tensor, h0: Tensor,
  keepStep?: (gates: Tensor, cPrev: Tensor, cBlock: Tensor, hPrev: Tensor) => void): Tensor {
  const { tAxis, T, bound, finished, forgetBias } = plan;
  let c = c0, h = h0;
  const outs: Tensor[] = [];
  for (let t = 0; t < bound; t++) {
    const gates = add(rowsAt(p, tAxis, t), matmul(h, wh));
    const [cn, hn] = lstmBlock(gates, c, forgetBias);
    keepStep?.(gates, c, cn, h);
    const done = finished[t];
    // TF1's masking: finished rows output zeros and keep their state.
    if (done) {
      outs.push(where(done, scalar(0, hn.dtype), hn));
      c = where(done, c, cn);
      h = where(done, h, hn);
    } else {
      outs.push(hn);
      c = cn;
      h = hn;
    }
  }
  const o = stack(outs, tAxis);
  const all = bound === T ? o : pad(o, tAxis === 0 ? [[0, T - bound], [0, 0], [0, 0]] : [[0, 0], [0, T - bound], [0, 0]]);
  return concat([all, stack([c, h], tAxis)], tAxis);
}

/** customGrad's forward: the recurrence run once, keeping what backprop through time reads. */
function fastForward(plan: Plan, p: Tensor, wh: Tensor, c0: Tensor, h0: Tensor, save: SaveFn) {
  const steps: Tensor[][] = [];
  const value = recurrence(plan, p, wh, c0, h0, (...kept) => steps.push(kept));
  // Saved: the inputs (for the higher-order path), each step's gates, c, block c' and h, the masks.
  save([p, wh, c0, h0, ...steps.flat(), ...plan.masks]);
  return {
    value,
    gradFunc: (dy: Tensor, saved: Tensor[]): Tensor[] => {
      const [sp, sw, sc, sh] = saved;
      if (ENGINE.recorder !== null) {
        // A tape records this backward pass: differentiate the reference so it can be differentiated again.
        return grads((a: Tensor, b: Tensor, c: Tensor, d: Tensor) => sum(mul(recurrence(plan, a, b, c, d), dy)))(sp, sw, sc, sh);
      }
      const kept = Array.from({ length: plan.bound }, (_, t) => saved.slice(4 + 4 * t, 8 + 4 * t));
      return backpropThroughTime(plan, dy, sw, kept);
    },
  };
}

/**
 * The fast backward: per step (last to first) one LSTMBlockGrad and the matmul carrying dh back
 * through W_h; finished rows pass their state gradient through unchanged and take none from
 * their zero outputs. Returns [dp, dW_h, dc0, dh0].
 */
function backpropThroughTime(plan: Plan, dy: Tensor, wh: Tensor, kept: Tensor[][]): Tensor[] {
  const { tAxis, T, B, bound, finished, forgetBias } = plan;
  const u = wh.shape[0];
  let dc = rowsAt(dy, tAxis, T), dh = rowsAt(dy, tAxis, T + 1);
  const dGates: Tensor[] = new Array(bound);
  for (let t = bound - 1; t >= 0; t--) {
    const [gates, cPrev, cBlock] = kept[t];
    [dc, dh, dGates[t]] = tidy(() => {
      const done = finished[t];
      let dhBlock = add(rowsAt(dy, tAxis, t), dh), dcBlock = dc;
      if (done) {
        dhBlock = where(done, scalar(0, dh.dtype), dhBlock);
        dcBlock = where(done, scalar(0, dc.dtype), dc);
      }
      const out = [gates.shape, cPrev.shape].map((shape) => ({ shape, dtype: gates.dtype }));
      const [dG, dcPrev] = ENGINE.runFused('LSTMBlockGrad', [gates, cPrev, cBlock, dcBlock, dhBlock], { forgetBias }, out);
      let dhPrev = matmul(dG, wh, false, true), dcNext = dcPrev;
      if (done) {
        dhPrev = add(dhPrev, where(done, dh, scalar(0, dh.dtype)));
        dcNext = add(dcPrev, where(done, dc, scalar(0, dc.dtype)));
      }
      return [dcNext, dhPrev, dG];
    });
  }
  // Time-major rows of every step: gates' gradients against the h each step read.
  const dG = concat(dGates, 0);
  const dWh = matmul(concat(kept.map((k) => k[3]), 0), dG, true, false);
  let dp: Tensor;
  if (tAxis === 0) dp = reshape(dG, [bound, B, 4 * u]);
  else dp = stack(dGates, 1);
  if (bound < T) dp = pad(dp, tAxis === 0 ? [[0, T - bound], [0, 0], [0, 0]] : [[0, 0], [0, T - bound], [0, 0]]);
  return [dp, dWh, dc, dh];
}
