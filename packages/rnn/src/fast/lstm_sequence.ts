/**
 * The LSTM recurrence over a whole sequence as ONE tape node (customGrad), for dynamicRnn's
 * training path. Recorded step by step, the tape would hold ~6 nodes per step, the recurrent
 * weights' gradient would be T small matmuls added up, and every step's slice of the hoisted
 * projection would get a gradient of its own. As one node, backprop through time is a plain
 * loop: per step one fused LSTMBlockGrad and one matmul carrying dh back; everything else is done
 * for a chunk of steps at once (about fastPaths.sequenceChunkRows rows: the gates recomputed, the weights'
 * gradients added up), so the working memory is one chunk's, not the whole sequence's.
 * Everything is time-major [T, B, ...], so each step's rows are contiguous.
 *
 * Memory: from the inputs (lstmSequence with {x, wx, b}) the node projects x W_x + b itself,
 * chunk by chunk, and keeps only the outputs h and each step's block output c' (2 numbers per
 * unit, row and step); backprop recomputes a chunk's projection (one matmul) with its gates. So
 * neither pass ever holds the projection of every step, nor its gradient. Given projections
 * (MultiRNNCell's layers), it keeps them (4 more numbers) and returns their gradient whole.
 *
 * With the backend's sequence kernels (LSTMSequence, LSTMSequenceGrad: core's sequence_fused.ts;
 * float32, fastPaths.sequenceKernels) the node's forward and backprop through time are one kernel
 * call each. The forward kernel keeps the gate activations of every step and c' at chunk ends (5
 * numbers per unit, row and step with the outputs); its backward recomputes a chunk's other c'
 * from them (elementwise, no matmul) and nothing else: faster, for more memory than the loops
 * below, which stay the path for float64 and other backends.
 *
 * Higher-order gradients: when a tape records the backward pass itself, the gradient is the
 * vector-Jacobian product of the same recurrence written with differentiable ops (`recurrence`),
 * so gradients of gradients stay exact.
 */
import {
  ENGINE,
  add,
  lstmBlock,
  lstmSequenceGradKernel,
  lstmSequenceKernel,
  lstmBlockGrad,
  matmul,
  reshape,
  scalar,
  stack,
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

interface Plan extends NodePlan {
  readonly forgetBias: number;
}

/**
 * source: every step's x W_x + b, time-major [T, B, 4u], or the inputs to project; wh: the
 * recurrent rows W_h [u, 4u]; (c0, h0) the state; lengths as dynamicRnn read them. Returns the
 * outputs [T, B, u] (zeros past each row's length) and the final (c, h), as the step loop gives them.
 */
export function lstmSequence(
  source: Tensor | SequenceInputs,
  wh: Tensor,
  c0: Tensor,
  h0: Tensor,
  forgetBias: number,
  lengths?: Int32Array,
): [outputs: Tensor, c: Tensor, h: Tensor] {
  const src = sourceTensors(source);
  const [T, B] = src[0].shape;
  const seq = new SequencePlan(T, lengths);
  try {
    const plan: Plan = { ...nodePlan(seq, B, src.length), forgetBias };
    if (kernelRuns(src, h0)) {
      const opts = { lengths: lengths ?? null, chunk: plan.chunk };
      const n = src.length;
      const [outputs, c, h] = runNode(
        plan,
        [...src, wh, c0, h0],
        (ins) => {
          const r = lstmSequenceKernel(
            ins.slice(0, n) as SequenceSource,
            ins[n],
            ins[n + 1],
            ins[n + 2],
            forgetBias,
            opts,
          );
          return { outputs: [r.outputs, r.c, r.h], kept: [r.acts, r.cs] };
        },
        (ins) => recurrence(plan, ins),
        ([dy, dc, dh], ins, outs, [acts, cs]) =>
          lstmSequenceGradKernel(
            ins.slice(0, n) as SequenceSource,
            ins[n],
            ins[n + 1],
            ins[n + 2],
            { outputs: outs, acts, cs },
            dy,
            dc,
            dh,
            opts,
          ),
      );
      return [outputs, c, h];
    }
    // Saved besides the inputs: the outputs (the h each step read) and each step's c'. The gates
    // are recomputed from them (the projection and one matmul per chunk) rather than kept.
    const forward = (ins: Tensor[]): { outputs: Tensor[]; kept: Tensor[] } => {
      const kept: Tensor[] = [];
      return { outputs: recurrence(plan, ins, (cn) => kept.push(cn)), kept };
    };
    const [outputs, c, h] = runNode(
      plan,
      [...src, wh, c0, h0],
      forward,
      (ins) => recurrence(plan, ins),
      (dys, ins, outs, cBlocks) => backpropThroughTime(plan, dys, ins, outs, cBlocks),
    );
    return [outputs, c, h];
  } finally {
    seq.dispose(); // the masks the node saved stay until its tape lets go
  }
}

/** Whether the backend's LSTMSequence kernels run this node (switch, kernels, float32, non-empty state). */
function kernelRuns(src: Tensor[], h0: Tensor): boolean {
  return (
    fastPaths.sequenceKernels &&
    ENGINE.hasFused('LSTMSequence') &&
    ENGINE.hasFused('LSTMSequenceGrad') &&
    h0.dtype === 'float32' &&
    src.every((t) => t.dtype === 'float32') &&
    h0.shape[0] > 0 &&
    h0.shape[1] > 0
  );
}

/**
 * The recurrence with ops: what the fast backward must equal and what the higher-order path
 * differentiates. ins are the node's inputs. Returns [outputs, c, h]; `keepStep` sees
 * each step's block output c' (what LSTMBlockGrad reads besides the gates, which backprop recomputes).
 */
function recurrence(plan: Plan, ins: Tensor[], keepStep?: (cBlock: Tensor) => void): Tensor[] {
  const { T, bound, forgetBias, chunk } = plan;
  const [wh, c0, h0] = ins.slice(plan.numSource);
  let c = c0,
    h = h0;
  const outs: Tensor[] = [];
  for (let t0 = 0; t0 < bound; t0 += chunk) {
    const t1 = Math.min(bound, t0 + chunk);
    const p = tidy(() => projectedSteps(ins, plan.numSource, t0, t1));
    for (let t = t0; t < t1; t++) {
      // One scope per step: only its output, state and c' outlive it (as in the step loop).
      let out: Tensor, cn: Tensor;
      [out, c, h, cn] = tidy(() => {
        const [cb, hb] = lstmBlock(add(rowsAt(p, t - t0), matmul(h, wh)), c, forgetBias);
        const [[o], [cm, hm]] = maskStep(finishedAt(plan, t), [hb], [cb, hb], [c, h]);
        return [o, cm, hm, cb];
      });
      keepStep?.(cn);
      outs.push(out);
    }
    p.dispose();
  }
  const after = bound < T ? Array<Tensor>(T - bound).fill(zeros(h0.shape, h0.dtype)) : [];
  const outputs = stack([...outs, ...after], 0);
  // The stacked copy replaces the steps' outputs (the tape, if any, holds what it needs).
  for (const o of new Set(outs)) if (o !== c && o !== h) o.dispose();
  return [outputs, c, h];
}

/** Frees the tensors of `old` that are not in `kept`. */
const disposeReplaced = (old: (Tensor | null)[], kept: Tensor[]): void => {
  for (const t of old) if (t && !kept.includes(t)) t.dispose();
};

/**
 * The fast backward, chunk by chunk (last to first): the chunk's gates again (its projection and
 * one matmul against the h its steps read), then per step one LSTMBlockGrad and the matmul carrying
 * dh back through W_h; finished rows pass their state gradient through and take none from their
 * zero outputs. The chunk's gate gradients then give W_h's (and W_x's, b's, x's) share at once.
 * Returns the gradients of the node's inputs.
 *
 * What a step read is recovered from the saved outputs: for a row still running at step t, the
 * state it read is the previous step's unmasked output h and block c' (or h0, c0 at t = 0). For
 * a finished row the state is something else, but its gradients are all zero there, so what it
 * is multiplied with does not matter.
 */
function backpropThroughTime(
  plan: Plan,
  [dy, dcLast, dhLast]: Tensor[],
  ins: Tensor[],
  outputs: Tensor,
  cBlocks: Tensor[],
): Tensor[] {
  const { T, bound, finished, forgetBias, chunk, numSource } = plan;
  const [wh, c0, h0] = ins.slice(numSource);
  const [, B, u] = outputs.shape;
  const zero = scalar(0, dy.dtype);
  let dc = dcLast,
    dh = dhLast;
  // W_h's gradient and the source's (W_x's, b's) so far; per chunk, a piece of the first source input's.
  let dWh: Tensor | null = null,
    sums: Tensor[] = [];
  const pieces: Tensor[] = [];
  for (let t0 = Math.floor((bound - 1) / chunk) * chunk; t0 >= 0; t0 -= chunk) {
    const t1 = Math.min(bound, t0 + chunk),
      k = t1 - t0;
    const kept = tidy(() => {
      const hRead = hReadOfChunk(h0, outputs, t0, k);
      // In a scope of its own: only the gates outlive their temporaries.
      const gates = tidy(() => add(projectedSteps(ins, numSource, t0, t1), reshape(matmul(hRead, wh), [k, B, 4 * u])));
      const dGs = new Array<Tensor>(k);
      for (let t = t1 - 1; t >= t0; t--) {
        const cPrev = t === 0 ? c0 : cBlocks[t - 1];
        const next = tidy(() => {
          const g = rowsAt(gates, t - t0);
          const done = finished[t];
          let dhBlock = add(rowsAt(dy, t), dh),
            dcBlock = dc;
          if (done) {
            dhBlock = where(done, zero, dhBlock);
            dcBlock = where(done, zero, dc);
          }
          const [dG, dcPrev] = lstmBlockGrad(g, cPrev, cBlocks[t], dcBlock, dhBlock, forgetBias);
          if (!done) return [dcPrev, matmul(dG, wh, false, true), dG];
          return [add(dcPrev, where(done, dc, zero)), add(matmul(dG, wh, false, true), where(done, dh, zero)), dG];
        });
        disposeReplaced([dc, dh], next);
        [dc, dh, dGs[t - t0]] = next;
      }
      gates.dispose();
      const dG = reshape(stack(dGs, 0), [k * B, 4 * u]);
      const w = matmul(hRead, dG, true, false);
      return [dc, dh, dWh ? add(dWh, w) : w, ...chunkSourceGrads(ins, numSource, t0, k, dG, sums)];
    });
    disposeReplaced([dc, dh, dWh, ...sums], kept);
    [dc, dh, dWh] = kept;
    pieces.unshift(kept[3]);
    sums = kept.slice(4);
  }
  // Steps past the loop bound get no gradient.
  return [...sourceGrads(ins, pieces, sums, T, bound), dWh!, dc, dh];
}
