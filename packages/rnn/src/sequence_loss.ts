/**
 * sequenceLoss: tf.contrib.seq2seq.sequence_loss. The weighted cross-entropy of logits
 * [batch, time, classes] against int32 targets [batch, time], with weights [batch, time] (a mask
 * of the real steps, usually sequenceMask(lengths)), averaged or summed as the options say:
 * - averageAcrossTimesteps and averageAcrossBatch (the default): sum(w ce) / sum(w), a scalar;
 * - one of them: the weighted mean over that axis only ([batch] or [time]);
 * - sumOverTimesteps / sumOverBatch: TF's variant dividing by the count of nonzero weights;
 * - none: the [batch, time] weighted losses.
 * Divisions by a zero total give 0 (TF's div_no_nan), with a gradient of 0 there too.
 */
import {
  cast,
  div,
  equal,
  tidy,
  mul,
  notEqual,
  reshape,
  sparseSoftmaxCrossEntropyWithLogits,
  sum,
  where,
  Tensor,
  ValueError,
} from '@tapeflow/core';
import { describe } from './nest.js';

export interface SequenceLossOptions {
  averageAcrossTimesteps?: boolean;
  averageAcrossBatch?: boolean;
  sumOverTimesteps?: boolean;
  sumOverBatch?: boolean;
  /** Replaces sparseSoftmaxCrossEntropyWithLogits: ({labels [n], logits [n, classes]}) => losses [n]. */
  softmaxLossFunction?: (args: { labels: Tensor; logits: Tensor }) => Tensor;
}

/** n / d, and 0 where d is 0 (with a zero gradient there: the division never sees the 0). */
function divNoNan(n: Tensor, d: Tensor): Tensor {
  const zero = equal(d, 0);
  return where(zero, 0, div(n, where(zero, 1, d)));
}

export function sequenceLoss(logits: Tensor, targets: Tensor, weights: Tensor, opts: SequenceLossOptions = {}): Tensor {
  const op = 'sequenceLoss';
  for (const [arg, t] of [
    ['logits', logits],
    ['targets', targets],
    ['weights', weights],
  ] as const) {
    if (!(t instanceof Tensor)) throw new TypeError(`${op}: ${arg} must be a Tensor, got ${describe(t)}`);
  }
  if (logits.rank !== 3)
    throw new ValueError(
      `${op}: Logits must be a [batch_size x sequence_length x logits] tensor, got shape [${logits.shape}]`,
    );
  if (targets.rank !== 2)
    throw new ValueError(
      `${op}: Targets must be a [batch_size x sequence_length] tensor, got shape [${targets.shape}]`,
    );
  if (weights.rank !== 2)
    throw new ValueError(
      `${op}: Weights must be a [batch_size x sequence_length] tensor, got shape [${weights.shape}]`,
    );
  const [B, T] = logits.shape;
  for (const [arg, t] of [
    ['targets', targets],
    ['weights', weights],
  ] as const) {
    if (t.shape[0] !== B || t.shape[1] !== T) {
      throw new ValueError(`${op}: ${arg} [${t.shape}] must match the batch and time of logits [${logits.shape}]`);
    }
  }
  const {
    averageAcrossTimesteps = true,
    averageAcrossBatch = true,
    sumOverTimesteps = false,
    sumOverBatch = false,
    softmaxLossFunction,
  } = opts;
  if (averageAcrossTimesteps && sumOverTimesteps)
    throw new ValueError(`${op}: averageAcrossTimesteps and sumOverTimesteps cannot be set to true at the same time`);
  if (averageAcrossBatch && sumOverBatch)
    throw new ValueError(`${op}: averageAcrossBatch and sumOverBatch cannot be set to true at the same time`);
  return tidy(() =>
    reduced(logits, targets, weights, {
      averageAcrossTimesteps,
      averageAcrossBatch,
      sumOverTimesteps,
      sumOverBatch,
      softmaxLossFunction,
    }),
  );
}

function reduced(
  logits: Tensor,
  targets: Tensor,
  weights: Tensor,
  opts: Required<Omit<SequenceLossOptions, 'softmaxLossFunction'>> & Pick<SequenceLossOptions, 'softmaxLossFunction'>,
): Tensor {
  const { averageAcrossTimesteps, averageAcrossBatch, sumOverTimesteps, sumOverBatch, softmaxLossFunction } = opts;
  const [B, T, C] = logits.shape;
  const w = weights.dtype === logits.dtype ? weights : cast(weights, logits.dtype);
  const args = { labels: reshape(targets, [-1]), logits: reshape(logits, [-1, C]) };
  const ce = softmaxLossFunction ? softmaxLossFunction(args) : sparseSoftmaxCrossEntropyWithLogits(args);
  const weighted = mul(ce, reshape(w, [-1]));
  const nonzero = (axis?: number): Tensor => sum(cast(notEqual(w, 0), logits.dtype), axis);
  if (averageAcrossTimesteps && averageAcrossBatch) return divNoNan(sum(weighted), sum(w));
  if (sumOverTimesteps && sumOverBatch) return divNoNan(sum(weighted), nonzero());
  const perStep = reshape(weighted, [B, T]);
  if (averageAcrossTimesteps || averageAcrossBatch) {
    const axis = averageAcrossBatch ? 0 : 1;
    return divNoNan(sum(perStep, axis), sum(w, axis));
  }
  if (sumOverTimesteps || sumOverBatch) {
    const axis = sumOverBatch ? 0 : 1;
    return divNoNan(sum(perStep, axis), nonzero(axis));
  }
  return perStep;
}
