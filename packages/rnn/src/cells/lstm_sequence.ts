/**
 * The LSTM recurrence over a whole sequence as ONE tape node (customGrad), for dynamicRnn's
 * training path. Recorded step by step, the tape would hold ~6 nodes per step, the recurrent
 * weights' gradient would be T small matmuls added up, and every step's slice of the hoisted
 * projection would get a gradient of its own. As one node, backprop through time is a plain
 * loop: per step one fused LSTMBlockGrad and one matmul; then the gates' gradients of all steps
 * leave as one tensor and the recurrent weights get theirs from one [u, T*B] x [T*B, 4u] matmul.
 * Everything is time-major [T, B, ...], so each step's rows are contiguous.
 *
 * Higher-order gradients: when a tape records the backward pass itself, the gradient is the
 * vector-Jacobian product of the same recurrence written with differentiable ops (`recurrence`),
 * so gradients of gradients stay exact.
 */
import {
  ENGINE, add, concat, matmul, mul, reshape, scalar, slice, stack, sum, tidy, where, zeros, type Tensor,
} from '@tapeflow/core';
import { customGrad, grads, type SaveFn } from '@tapeflow/autograd';
import { fastPaths } from '../fast_paths.js';
import { lstmBlock, useFused } from './fast_step.js';
import { rowsAt, sequencePlan, type SequencePlan } from './sequence_plan.js';

/** The whole-sequence node applies: the switch is on, a tape records, the backend has both fused kernels. */
export const lstmSequenceApplies = (): boolean =>
  fastPaths.fusedSequence && ENGINE.recorder !== null && useFused('LSTMBlock') && useFused('LSTMBlockGrad');

interface Plan extends SequencePlan {
  forgetBias: number;
}

/**
 * projected: every step's x W_x + b, time-major [T, B, 4u]; wh: the recurrent rows W_h [u, 4u];
 * (c0, h0) the state; lengths as dynamicRnn read them. Returns the outputs [T, B, u] (zeros past
 * each row's length) and the final (c, h), as the step loop gives them.
 */
export function lstmSequence(projected: Tensor, wh: Tensor, c0: Tensor, h0: Tensor, forgetBias: number,
  lengths?: Int32Array): [outputs: Tensor, c: Tensor, h: Tensor] {
  const [T, B] = projected.shape;
  const plan: Plan = { ...sequencePlan(T, B, lengths), forgetBias };
  const node = customGrad((p: Tensor, w: Tensor, c: Tensor, h: Tensor, save: SaveFn) => fastForward(plan, p, w, c, h, save));
  // The node's one output packs [outputs (T steps), c, h] along time.
  const packed = node(projected, wh, c0, h0);
  const u = wh.shape[0];
  const row = (t: number): Tensor => reshape(slice(packed, [t, 0, 0], [1, B, u]), [B, u]);
  return [slice(packed, [0, 0, 0], [T, B, u]), row(T), row(T + 1)];
}

/**
 * The recurrence with ops: what the fast backward must equal and what the higher-order path
 * differentiates. Returns the packed [outputs, c, h]; `keepStep` sees each step's block output c'
 * (what LSTMBlockGrad reads besides the gates, which backprop recomputes).
 */
function recurrence(plan: Plan, p: Tensor, wh: Tensor, c0: Tensor, h0: Tensor, keepStep?: (cBlock: Tensor) => void): Tensor {
  const { T, bound, finished, forgetBias } = plan;
  let c = c0, h = h0;
  const outs: Tensor[] = [];
  for (let t = 0; t < bound; t++) {
    // One scope per step: only its output, state and c' outlive it (as in the step loop).
    let out: Tensor, cn: Tensor;
    [out, c, h, cn] = tidy(() => {
      const [cb, hb] = lstmBlock(add(rowsAt(p, t), matmul(h, wh)), c, forgetBias);
      const done = finished[t];
      // TF1's masking: finished rows output zeros and keep their state.
      if (!done) return [hb, cb, hb, cb];
      return [where(done, scalar(0, hb.dtype), hb), where(done, c, cb), where(done, h, hb), cb];
    });
    keepStep?.(cn);
    outs.push(out);
  }
  const after = bound < T ? Array<Tensor>(T - bound).fill(zeros(h0.shape, h0.dtype)) : [];
  const packed = stack([...outs, ...after, c, h], 0);
  // The packed copy replaces the steps' outputs (the tape, if any, holds what it needs).
  for (const o of new Set(outs)) if (o !== c && o !== h) o.dispose();
  return packed;
}

/** customGrad's forward: the recurrence run once, keeping what backprop through time reads. */
function fastForward(plan: Plan, p: Tensor, wh: Tensor, c0: Tensor, h0: Tensor, save: SaveFn) {
  const cBlocks: Tensor[] = [];
  const value = recurrence(plan, p, wh, c0, h0, (cn) => cBlocks.push(cn));
  // Saved: the inputs, the packed value (its rows are the h each step read) and each step's c':
  // 6 numbers per unit, row and step (p has 4), the activations an LSTM's backprop needs. The gates
  // are recomputed from them (one matmul per step) rather than kept (4 more).
  save([p, wh, c0, h0, value, ...cBlocks, ...plan.masks]);
  return {
    value,
    gradFunc: (dy: Tensor, saved: Tensor[]): Tensor[] => {
      const [sp, sw, sc, sh, packed] = saved;
      if (ENGINE.recorder !== null) {
        // A tape records this backward pass: differentiate the reference, so it can be differentiated again.
        return grads((a: Tensor, b: Tensor, c: Tensor, d: Tensor) => sum(mul(recurrence(plan, a, b, c, d), dy)))(sp, sw, sc, sh);
      }
      return backpropThroughTime(plan, dy, sp, sw, sc, sh, packed, saved.slice(5, 5 + plan.bound));
    },
  };
}

/**
 * The fast backward: per step (last to first) the gates again (one matmul), one LSTMBlockGrad and
 * the matmul carrying dh back through W_h; finished rows pass their state gradient through and
 * take none from their zero outputs. Returns [dp, dW_h, dc0, dh0].
 *
 * What a step read is recovered from the saved outputs: for a row still running at step t, the
 * state it read is the previous step's unmasked output h and block c' (or h0, c0 at t = 0). For
 * a finished row the state is something else, but its gradients are all zero there, so what it
 * is multiplied with does not matter.
 */
function backpropThroughTime(plan: Plan, dy: Tensor, p: Tensor, wh: Tensor, c0: Tensor, h0: Tensor, packed: Tensor,
  cBlocks: Tensor[]): Tensor[] {
  const { T, bound, finished, forgetBias } = plan;
  const [, B, u] = packed.shape;
  let dc = rowsAt(dy, T), dh = rowsAt(dy, T + 1);
  const dGates: Tensor[] = new Array(bound);
  const zero = scalar(0, dy.dtype);
  for (let t = bound - 1; t >= 0; t--) {
    const cBlock = cBlocks[t];
    const cPrev = t === 0 ? c0 : cBlocks[t - 1];
    [dc, dh, dGates[t]] = tidy(() => {
      const gates = add(rowsAt(p, t), matmul(t === 0 ? h0 : rowsAt(packed, t - 1), wh));
      const done = finished[t];
      let dhBlock = add(rowsAt(dy, t), dh), dcBlock = dc;
      if (done) {
        dhBlock = where(done, zero, dhBlock);
        dcBlock = where(done, zero, dc);
      }
      const out = [gates.shape, cPrev.shape].map((shape) => ({ shape, dtype: gates.dtype }));
      const [dG, dcPrev] = ENGINE.runFused('LSTMBlockGrad', [gates, cPrev, cBlock, dcBlock, dhBlock], { forgetBias }, out);
      if (!done) return [dcPrev, matmul(dG, wh, false, true), dG];
      return [add(dcPrev, where(done, dc, zero)), add(matmul(dG, wh, false, true), where(done, dh, zero)), dG];
    });
  }
  // Every step's gates against the h it read: [h0, h_1 .. h_{bound-1}] are rows of `packed`.
  const dG = stack(dGates, 0);
  for (const g of dGates) g.dispose();
  const h0Row = reshape(h0, [1, B, u]);
  const hRead = bound === 1 ? h0Row : concat([h0Row, slice(packed, [0, 0, 0], [bound - 1, B, u])], 0);
  const dWh = matmul(reshape(hRead, [bound * B, u]), reshape(dG, [bound * B, 4 * u]), true, false);
  const dp = bound === T ? dG : concat([dG, zeros([T - bound, B, 4 * u], dy.dtype)], 0);
  return [dp, dWh, dc, dh];
}
