/**
 * customGrad(f): f computes a value and says how to differentiate it. Its own ops are not
 * recorded; the tape gets a single node whose gradient is the user's gradFunc.
 */
import { ENGINE, Tensor, ValueError, identity, zeros, type TensorLike } from '@tapeflow/core';
import { notRecording, recordCustom } from './tape.js';

export interface CustomGradResult {
  value: Tensor;
  /** dy -> the gradient of each input (a Tensor when there is one input). */
  gradFunc: (dy: Tensor, saved: Tensor[]) => Tensor | (Tensor | null)[];
}

/** Passed to f as its last argument: tensors handed to gradFunc as `saved`. */
export type SaveFn = (tensors: Tensor[]) => void;

/** f(...xs, save) -> {value, gradFunc}; e.g. customGrad((x: Tensor, save: SaveFn) => ...). */
export function customGrad(f: (...args: never[]) => CustomGradResult): (...xs: Tensor[]) => Tensor {
  if (typeof f !== 'function') throw new TypeError(`customGrad: f must be a function, got ${typeof f}`);
  const fn = f as unknown as (...args: unknown[]) => CustomGradResult;
  return (...xs: Tensor[]): Tensor => {
    xs.forEach((x, i) => ENGINE.assertUsable(x, 'customGrad', `xs[${i}]`));
    const firstNew = nextTensorId();
    let saved: Tensor[] = [];
    const save: SaveFn = (ts) => {
      if (!Array.isArray(ts) || !ts.every((t) => t instanceof Tensor)) throw new TypeError('customGrad: save() takes an array of Tensors');
      saved = [...ts];
    };
    const { value, gradFunc } = ENGINE.tidy(() => notRecording(() => {
      const r = fn(...xs, save);
      if (!r || !(r.value instanceof Tensor)) throw new TypeError('customGrad: f must return {value: Tensor, gradFunc}');
      if (typeof r.gradFunc !== 'function') throw new TypeError('customGrad: f must return {value, gradFunc: (dy, saved) => grads}');
      return { value: r.value, gradFunc: r.gradFunc, saved };
    }));
    // The node's output must be a tensor of its own, or f = x => x would make a cycle.
    const y = xs.includes(value) ? ENGINE.share(value) : value;
    recordCustom(xs, [y], (dys) => callGradFunc(gradFunc, dys[0], saved, xs.length), saved);
    // Saved temporaries belong to the tapes now (held, so disposing only marks them), and
    // without a tape nobody needs them at all.
    for (const t of saved) if (t.id >= firstNew && t !== y) t.dispose();
    return y;
  };
}

function callGradFunc(gradFunc: CustomGradResult['gradFunc'], dy: Tensor, saved: Tensor[], numInputs: number): (Tensor | null)[] {
  // The walk frees gradients once used; a tensor gradFunc did not create here (dy, a saved or
  // captured one) is copied so the walk never frees something it does not own.
  const firstNew = nextTensorId();
  const out = gradFunc(dy, saved);
  const gs = out instanceof Tensor ? [out] : out;
  if (!Array.isArray(gs) || gs.length !== numInputs) {
    throw new ValueError(`customGrad: gradFunc must return ${numInputs} gradient(s), one per input, got ${Array.isArray(gs) ? gs.length : typeof gs}`);
  }
  return gs.map((g: TensorLike | null) => (g instanceof Tensor && g.id < firstNew ? identity(g) : (g as Tensor | null)));
}

/** Tensor ids increase: every tensor created after this call has an id >= the returned one. */
export function nextTensorId(): number {
  const probe = zeros([0]);
  probe.dispose();
  return probe.id + 1;
}
