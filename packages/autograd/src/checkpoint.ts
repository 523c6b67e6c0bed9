/**
 * checkpoint(f): trade compute for memory. f runs with no tape recording, so none of its
 * intermediate tensors is kept for backprop; the tape gets one node whose inputs are f's
 * arguments and every float tensor f read from outside (weights, trainable Variables). When the
 * backward pass reaches that node it runs f again, this time under a tape of its own, and
 * backpropagates through the rerun. Only the arguments stay alive in between.
 *
 * Chaining checkpointed segments of a long computation (dynamicRnn's `recompute`: segments of
 * sqrt(T) time steps) keeps O(sqrt T) activations alive instead of O(T), for about one more
 * forward pass of work. f must compute the same values when run again (no unseeded randomness).
 */
import { ENGINE, Tensor, ValueError, Variable, isFloat, nextTensorId } from '@tapeflow/core';
import { vjp } from './api.js';
import { readsOf, recordCustom } from './recording.js';

/** f(...xs) -> its outputs (a Tensor or an array of Tensors), recomputed in the backward pass. */
export function checkpoint<R extends Tensor | Tensor[]>(f: (...xs: Tensor[]) => R): (...xs: Tensor[]) => R {
  if (typeof f !== 'function') throw new TypeError(`checkpoint: f must be a function, got ${typeof f}`);
  return (...xs: Tensor[]): R => {
    xs.forEach((x, i) => ENGINE.assertUsable(x, 'checkpoint', `xs[${i}]`));
    const firstNew = nextTensorId();
    const { result, reads } = ENGINE.tidy(() => readsOf(() => f(...xs)));
    const single = result instanceof Tensor;
    const ys = single ? [result] : result;
    if (!Array.isArray(ys) || !ys.every((y) => y instanceof Tensor)) {
      throw new TypeError('checkpoint: f must return a Tensor or an array of Tensors');
    }
    // What a rerun depends on: the arguments, and what f captured (not constants it made itself).
    // Variables count even when f created them (a layer building its weights on first call).
    const captured = reads.filter(
      (t) => !xs.includes(t) && isFloat(t.dtype) && (t instanceof Variable ? t.trainable : t.id < firstNew),
    );
    const inputs = [...xs, ...captured];
    // Outputs must be tensors of their own (f may return an argument as it is).
    const outs = ys.map((y) => (inputs.includes(y) ? ENGINE.share(y) : y));
    recordCustom(inputs, outs, (dys) => recompute(f, xs, inputs, dys), inputs);
    return (single ? outs[0] : outs) as R;
  };
}

/** The backward step: rerun f under a tape and take the vector-Jacobian product with dys. */
function recompute(
  f: (...xs: Tensor[]) => Tensor | Tensor[],
  xs: Tensor[],
  inputs: Tensor[],
  dys: Tensor[],
): (Tensor | null)[] {
  const grads = vjp(
    (...all: Tensor[]) => {
      const r = f(...all.slice(0, xs.length));
      const ys = r instanceof Tensor ? [r] : r;
      if (ys.length !== dys.length)
        throw new ValueError(`checkpoint: f returned ${ys.length} outputs when rerun, ${dys.length} the first time`);
      return ys;
    },
    inputs,
    dys,
  );
  return inputs.map((x, i) => (isFloat(x.dtype) ? grads[i] : (grads[i].dispose(), null)));
}
