/**
 * customGrad(f): f computes a value and says how to differentiate it. Its own ops are not
 * recorded; the tape gets a single node whose gradient is the user's gradFunc. The value may be
 * one Tensor or several (then gradFunc gets one dy per output, zeros for outputs nobody used).
 */
import { ENGINE, Tensor, ValueError, identity, nextTensorId, type TensorLike } from '@tapeflow/core';
import { notRecording, recordCustom } from './recording.js';

export interface CustomGradResult<V extends Tensor | Tensor[] = Tensor> {
  value: V;
  /** dy (dys, one per output, when value is an array) -> the gradient of each input (a Tensor when there is one input). */
  gradFunc: (dy: V, saved: Tensor[]) => Tensor | (Tensor | null)[];
}

/** Passed to f as its last argument: tensors handed to gradFunc as `saved`. */
export type SaveFn = (tensors: Tensor[]) => void;

/** f(...xs, save) -> {value, gradFunc}; e.g. customGrad((x: Tensor, save: SaveFn) => ...). */
export function customGrad<V extends Tensor | Tensor[] = Tensor>(
  f: (...args: never[]) => CustomGradResult<V>,
): (...xs: Tensor[]) => V {
  if (typeof f !== 'function') throw new TypeError(`customGrad: f must be a function, got ${typeof f}`);
  const fn = f as unknown as (...args: unknown[]) => CustomGradResult<V>;
  return (...xs: Tensor[]): V => {
    xs.forEach((x, i) => ENGINE.assertUsable(x, 'customGrad', `xs[${i}]`));
    const firstNew = nextTensorId();
    let saved: Tensor[] = [];
    const save: SaveFn = (ts) => {
      if (!Array.isArray(ts) || !ts.every((t) => t instanceof Tensor))
        throw new TypeError('customGrad: save() takes an array of Tensors');
      saved = [...ts];
    };
    const { value, gradFunc } = ENGINE.tidy(() =>
      notRecording(() => {
        const r = fn(...xs, save);
        const ok =
          r &&
          (r.value instanceof Tensor ||
            (Array.isArray(r.value) && r.value.length > 0 && r.value.every((v) => v instanceof Tensor)));
        if (!ok) throw new TypeError('customGrad: f must return {value: Tensor | Tensor[], gradFunc}');
        if (typeof r.gradFunc !== 'function')
          throw new TypeError('customGrad: f must return {value, gradFunc: (dy, saved) => grads}');
        return { value: r.value, gradFunc: r.gradFunc, saved };
      }),
    );
    // Widened from the generic V so instanceof narrows the union both ways.
    const outs: Tensor | Tensor[] = value;
    const single = outs instanceof Tensor;
    // Each output must be a tensor of its own, or f = x => x would make a cycle.
    const seen = new Set<Tensor>(xs);
    const ys = (outs instanceof Tensor ? [outs] : outs).map((v) => {
      const y = seen.has(v) ? ENGINE.share(v) : v;
      seen.add(y);
      return y;
    });
    recordCustom(xs, ys, (dys) => callGradFunc(gradFunc, (single ? dys[0] : dys) as V, saved, xs.length), saved);
    // Saved temporaries belong to the tapes now (held, so disposing only marks them), and
    // without a tape nobody needs them at all.
    for (const t of saved) if (t.id >= firstNew && !ys.includes(t)) t.dispose();
    return (single ? ys[0] : ys) as V;
  };
}

function callGradFunc<V extends Tensor | Tensor[]>(
  gradFunc: CustomGradResult<V>['gradFunc'],
  dy: V,
  saved: Tensor[],
  numInputs: number,
): (Tensor | null)[] {
  // The walk frees gradients once used; a tensor gradFunc did not create here (dy, a saved or
  // captured one) is copied so the walk never frees something it does not own.
  const firstNew = nextTensorId();
  const out = gradFunc(dy, saved);
  const gs = out instanceof Tensor ? [out] : out;
  if (!Array.isArray(gs) || gs.length !== numInputs) {
    throw new ValueError(
      `customGrad: gradFunc must return ${numInputs} gradient(s), one per input, got ${Array.isArray(gs) ? gs.length : typeof gs}`,
    );
  }
  return gs.map((g: TensorLike | null) =>
    g instanceof Tensor && g.id < firstNew ? identity(g) : (g as Tensor | null),
  );
}
