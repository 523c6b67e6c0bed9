/**
 * TensorFlow's cross-entropy losses and l2Loss, composed from primitives so that every gradient,
 * to the labels too (TF's v2 semantics), and its second order come from the tape. All three
 * stay finite for logits ~ 1e4: logSoftmax shifts by the max, softplus never exponentiates a
 * positive number.
 */
import { ValueError } from '../errors.js';
import { fmt, normalizeAxis, shapesEqual } from '../shape.js';
import { Tensor } from '../tensor.js';
import { assertFloat, toTensor, type TensorLike } from './creation.js';
import { div, greaterEqual, less, logicalAnd, mul, square, sub, where } from './binary.js';
import { neg } from './unary.js';
import { sum } from './reduce.js';
import { logSoftmax, oneHot } from './nn.js';
import { softplus } from './activations.js';
import { op } from './op.js';

export interface CrossEntropyArgs {
  labels: TensorLike;
  logits: TensorLike;
  axis?: number;
}

/** Checks the `{labels, logits}` argument object; labels take the logits' dtype when given as JS values. */
function lossArgs(name: string, args: unknown): { labels: TensorLike; logits: Tensor } {
  if (
    args === null ||
    typeof args !== 'object' ||
    Array.isArray(args) ||
    args instanceof Tensor ||
    !('logits' in args) ||
    !('labels' in args)
  ) {
    throw new TypeError(`${name}: expected one argument {labels, logits}, as in TensorFlow's keyword call`);
  }
  const { labels, logits } = args as { labels: TensorLike; logits: TensorLike };
  const x = toTensor(logits, name, 'logits');
  assertFloat(x, name, 'logits');
  return { labels, logits: x };
}

/** labels and logits of one float dtype and shape (TF raises ValueError otherwise). */
function sameShapeLabels(name: string, labels: TensorLike, x: Tensor): Tensor {
  const z = toTensor(labels, name, 'labels', x.dtype);
  if (z.dtype !== x.dtype)
    throw new TypeError(
      `${name}: labels are ${z.dtype} ${fmt(z.shape)} but logits are ${x.dtype} ${fmt(x.shape)}; they must have the same dtype`,
    );
  if (!shapesEqual(z.shape, x.shape))
    throw new ValueError(`${name}: labels ${fmt(z.shape)} and logits ${fmt(x.shape)} must have the same shape`);
  return z;
}

/**
 * -sum(labels * logSoftmax(logits)) along `axis` (default -1): one loss per row. The labels are
 * distributions and get a gradient too (-logSoftmax), as in tf.nn.softmax_cross_entropy_with_logits (v2).
 */
export const softmaxCrossEntropyWithLogits = op('softmaxCrossEntropyWithLogits', (args: CrossEntropyArgs): Tensor => {
  const name = 'softmaxCrossEntropyWithLogits';
  const { labels, logits: x } = lossArgs(name, args);
  const z = sameShapeLabels(name, labels, x);
  if (x.rank === 0) throw new ValueError(`${name}: logits must have rank >= 1 (a class axis), got a scalar`);
  const a = normalizeAxis(args.axis ?? -1, x.rank, name, 'axis', x.shape);
  return neg(sum(mul(z, logSoftmax(x, a)), a));
});

/**
 * -logSoftmax(logits)[labels] over the last axis; labels are int32 class indices of shape
 * logits.shape[:-1]. An index outside [0, numClasses) gives NaN, as TensorFlow does on a GPU
 * (its CPU kernel raises, which would need the labels read back here).
 */
export const sparseSoftmaxCrossEntropyWithLogits = op(
  'sparseSoftmaxCrossEntropyWithLogits',
  (args: { labels: TensorLike; logits: TensorLike }): Tensor => {
    const name = 'sparseSoftmaxCrossEntropyWithLogits';
    const { labels, logits: x } = lossArgs(name, args);
    const z = toTensor(labels, name, 'labels', 'int32');
    if (z.dtype !== 'int32')
      throw new TypeError(`${name}: labels must be int32 class indices, got ${z.dtype} ${fmt(z.shape)}`);
    if (x.rank === 0 || !shapesEqual(z.shape, x.shape.slice(0, -1))) {
      throw new ValueError(
        `${name}: labels ${fmt(z.shape)} must have the shape of logits ${fmt(x.shape)} without its last (class) axis`,
      );
    }
    const k = x.shape[x.rank - 1];
    if (k === 0) throw new ValueError(`${name}: logits ${fmt(x.shape)} have no classes`);
    const loss = neg(sum(mul(oneHot(z, k, 1, 0, x.dtype), logSoftmax(x, -1)), -1));
    return where(logicalAnd(greaterEqual(z, 0), less(z, k)), loss, NaN);
  },
);

/**
 * Elementwise -z log(sigmoid(x)) - (1 - z) log(1 - sigmoid(x)) = softplus(x) - x z, TF's
 * max(x, 0) - x z + log1p(e^-|x|) written with the smooth softplus: the same values, and at x = 0
 * the gradient is sigmoid(0) - z, where TF's relu and abs kinks give -z.
 */
export const sigmoidCrossEntropyWithLogits = op(
  'sigmoidCrossEntropyWithLogits',
  (args: { labels: TensorLike; logits: TensorLike }): Tensor => {
    const name = 'sigmoidCrossEntropyWithLogits';
    const { labels, logits: x } = lossArgs(name, args);
    const z = sameShapeLabels(name, labels, x);
    return sub(softplus(x), mul(x, z));
  },
);

/** sum(x^2) / 2, a scalar (TF's l2_loss). */
export const l2Loss = op('l2Loss', (x: TensorLike): Tensor => {
  const t = toTensor(x, 'l2Loss', 'x');
  assertFloat(t, 'l2Loss');
  return div(sum(square(t)), 2);
});
