/**
 * The GRU recurrence over a whole sequence as one tape node: lstm_sequence.ts's idea for TF1's
 * GRUCell (tanh). Per step, with p = [x Wg + bg | x Wc + bc] (2n + n columns):
 *   gates = p_g + h Gh,  r = sig(gates[:, :n]),  cPre = p_c + (r h) Ch,  h' = GRUBlock(gates, h, cPre).
 * Backprop through time, a chunk of steps at a time as for the LSTM: the chunk's gates, r and
 * cPre again (its projection and two matmuls against the h its steps read), then per step
 * GRUBlockGrad and the two matmuls carrying the gradient back through Ch and Gh; the chunk's
 * gradients then give the weights' share at once. Saved: the inputs (from the inputs, the node
 * projects them itself, chunk by chunk, and never keeps the projection) and the outputs
 * (the h each step read); higher orders differentiate the op-level recurrence, as for the LSTM.
 * With the backend's GRUSequence kernels (float32, fastPaths.sequenceKernels), forward and
 * backward are one kernel call each; the forward then also keeps r, u and the candidate of every
 * step, so backprop recomputes nothing.
 */
import {
  ENGINE,
  add,
  concat,
  gruBlock,
  gruSequenceGradKernel,
  gruSequenceKernel,
  gruBlockGrad,
  matmul,
  mul,
  reshape,
  scalar,
  sigmoid,
  slice,
  stack,
  sub,
  tidy,
  where,
  zeros,
  type SequenceSource,
  type Tensor,
} from '@tapeflow/core';
import { fastPaths } from './switches.js';
import { SequencePlan, maskStep } from '../unroll.js';
import {
  chunkSourceGrads,
  finishedAt,
  hReadOfChunk,
  nodePlan,
  projectedSteps,
  rowsAt,
  runNode,
  sourceGrads,
  sourceTensors,
  type NodePlan,
  type SequenceInputs,
} from './sequence_node.js';

type Plan = NodePlan;

/**
 * source: time-major projections [T, B, 3n], or the inputs to project; gh [n, 2n] and ch [n, n]
 * the recurrent rows of the gate and candidate kernels; h0 the state. Returns the outputs
 * [T, B, n] (zeros past each row's length) and the final h, as the step loop gives them.
 */
export function gruSequence(
  source: Tensor | SequenceInputs,
  gh: Tensor,
  ch: Tensor,
  h0: Tensor,
  lengths?: Int32Array,
): [outputs: Tensor, h: Tensor] {
  const src = sourceTensors(source);
  const [T, B] = src[0].shape;
  const seq = new SequencePlan(T, lengths);
  try {
    const plan = nodePlan(seq, B, src.length);
    if (kernelRuns(src, h0)) {
      // The backend's GRUSequence kernels: forward keeps r, u and c of every step; bptt reads them.
      const opts = { lengths: lengths ?? null, chunk: plan.chunk };
      const n = src.length;
      const source = (ins: Tensor[]) => ins.slice(0, n) as SequenceSource;
      const [outputs, h] = runNode(
        plan,
        [...src, gh, ch, h0],
        (ins) => {
          const r = gruSequenceKernel(source(ins), ins[n], ins[n + 1], ins[n + 2], opts);
          return { outputs: [r.outputs, r.h], kept: [r.acts] };
        },
        (ins) => recurrence(plan, ins),
        ([dy, dh], ins, outs, [acts]) =>
          gruSequenceGradKernel(source(ins), ins[n], ins[n + 1], ins[n + 2], { outputs: outs, acts }, dy, dh, opts),
      );
      return [outputs, h];
    }
    const [outputs, h] = runNode(
      plan,
      [...src, gh, ch, h0],
      (ins) => ({ outputs: recurrence(plan, ins), kept: [] }),
      (ins) => recurrence(plan, ins),
      (dys, ins, outs) => backpropThroughTime(plan, dys, ins, outs),
    );
    return [outputs, h];
  } finally {
    seq.dispose(); // the masks the node saved stay until its tape lets go
  }
}

/** Whether the backend's GRUSequence kernels run this node (switch, kernels, float32, non-empty state). */
function kernelRuns(src: Tensor[], h0: Tensor): boolean {
  return (
    fastPaths.sequenceKernels &&
    ENGINE.hasFused('GRUSequence') &&
    ENGINE.hasFused('GRUSequenceGrad') &&
    h0.dtype === 'float32' &&
    src.every((t) => t.dtype === 'float32') &&
    h0.shape[0] > 0 &&
    h0.shape[1] > 0
  );
}

/** Gate pre-activations, r and candidate pre-activation from projections [rows, 3n] and the h read [rows, n]. */
function stepParts(pt: Tensor, h: Tensor, gh: Tensor, ch: Tensor): { gates: Tensor; r: Tensor; cPre: Tensor } {
  const n = h.shape[1];
  const gates = add(slice(pt, [0, 0], [-1, 2 * n]), matmul(h, gh));
  const r = sigmoid(slice(gates, [0, 0], [-1, n]));
  const cPre = add(slice(pt, [0, 2 * n], [-1, n]), matmul(mul(r, h), ch));
  return { gates, r, cPre };
}

/** The recurrence with ops (the reference; what the higher-order path differentiates). Returns [outputs, h]. */
function recurrence(plan: Plan, ins: Tensor[]): Tensor[] {
  const { T, bound, chunk, numSource } = plan;
  const [gh, ch, h0] = ins.slice(numSource);
  let h = h0;
  const outs: Tensor[] = [];
  for (let t0 = 0; t0 < bound; t0 += chunk) {
    const t1 = Math.min(bound, t0 + chunk);
    const p = tidy(() => projectedSteps(ins, numSource, t0, t1));
    for (let t = t0; t < t1; t++) {
      // One scope per step: only its output and state outlive it (as in the step loop).
      let out: Tensor;
      [out, h] = tidy(() => {
        const { gates, cPre } = stepParts(rowsAt(p, t - t0), h, gh, ch);
        const hn = gruBlock(gates, h, cPre);
        const [[o], [hm]] = maskStep(finishedAt(plan, t), [hn], [hn], [h]);
        return [o, hm];
      });
      outs.push(out);
    }
    p.dispose();
  }
  const after = bound < T ? Array<Tensor>(T - bound).fill(zeros(h0.shape, h0.dtype)) : [];
  const outputs = stack([...outs, ...after], 0);
  // The stacked copy replaces the steps' outputs (the tape, if any, holds what it needs).
  for (const o of new Set(outs)) if (o !== h) o.dispose();
  return [outputs, h];
}

/**
 * The fast backward, last chunk to first, each last step to first. As for the LSTM, a running
 * row read the previous step's unmasked output (a row of `outputs`), and a finished row gets
 * all-zero gradients. Returns the gradients of the node's inputs.
 */
function backpropThroughTime(plan: Plan, [dy, dhLast]: Tensor[], ins: Tensor[], outputs: Tensor): Tensor[] {
  const { T, bound, finished, chunk, numSource } = plan;
  const [gh, ch, h0] = ins.slice(numSource);
  const [, B, n] = outputs.shape;
  const zero = scalar(0, dy.dtype);
  let dh = dhLast;
  // The recurrent weights' gradients and the source's (W_x's, b's) so far; per chunk, a piece of the first source input's.
  let dGh: Tensor | null = null,
    dCh: Tensor | null = null,
    sums: Tensor[] = [];
  const pieces: Tensor[] = [];
  for (let t0 = Math.floor((bound - 1) / chunk) * chunk; t0 >= 0; t0 -= chunk) {
    const t1 = Math.min(bound, t0 + chunk),
      k = t1 - t0;
    const kept = tidy(() => {
      const hRead = hReadOfChunk(h0, outputs, t0, k),
        before = reshape(hRead, [k, B, n]);
      // The chunk's gates, r and cPre at once (rows of all its steps), in a scope of their own.
      const parts = tidy(() => {
        const { gates, r, cPre } = stepParts(
          reshape(projectedSteps(ins, numSource, t0, t1), [k * B, 3 * n]),
          hRead,
          gh,
          ch,
        );
        return [gates, r, cPre, mul(r, hRead)];
      });
      const [gatesC, rC, cPreC] = parts.map((q) => reshape(q, [k, B, q.shape[1]]));
      const dps = new Array<Tensor>(k);
      for (let t = t1 - 1; t >= t0; t--) {
        const next = tidy(() => {
          const hPrev = rowsAt(before, t - t0),
            gates = rowsAt(gatesC, t - t0),
            r = rowsAt(rC, t - t0),
            cPre = rowsAt(cPreC, t - t0);
          const done = finished[t];
          let dhBlock = add(rowsAt(dy, t), dh);
          if (done) dhBlock = where(done, zero, dhBlock);
          const [dG, dhDirect, dcPre] = gruBlockGrad(gates, hPrev, cPre, dhBlock);
          // r reaches h' through cPre = p_c + (r h) Ch.
          const dRh = matmul(dcPre, ch, false, true);
          const dR = mul(mul(dRh, hPrev), mul(r, sub(1, r)));
          const dGates = concat([dR, slice(dG, [0, n], [-1, n])], 1);
          let dhPrev = add(add(dhDirect, mul(dRh, r)), matmul(dGates, gh, false, true));
          if (done) dhPrev = add(dhPrev, where(done, dh, zero));
          return [dhPrev, concat([dGates, dcPre], 1)];
        });
        if (dh !== next[0]) dh.dispose();
        [dh, dps[t - t0]] = next;
      }
      const dP = reshape(stack(dps, 0), [k * B, 3 * n]);
      // Each step's gate gradients against the h it read, the candidate's against the r h it read.
      const g = matmul(hRead, slice(dP, [0, 0], [-1, 2 * n]), true, false);
      const c = matmul(parts[3], slice(dP, [0, 2 * n], [-1, n]), true, false);
      return [dh, dGh ? add(dGh, g) : g, dCh ? add(dCh, c) : c, ...chunkSourceGrads(ins, numSource, t0, k, dP, sums)];
    });
    for (const q of [dGh, dCh, ...sums]) if (q && !kept.includes(q)) q.dispose();
    [dh, dGh, dCh] = kept;
    pieces.unshift(kept[3]);
    sums = kept.slice(4);
  }
  // Steps past the loop bound get no gradient.
  return [...sourceGrads(ins, pieces, sums, T, bound), dGh!, dCh!, dh];
}
