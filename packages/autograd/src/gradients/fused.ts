/**
 * Fused kernels. Each forward kernel's gradient is its backward front-end in core
 * (ops/fused.ts): the backend's fused backward kernel (LSTMBlockGrad, GRUBlockGrad) when no tape
 * records the backward pass (so nothing will differentiate the gradient itself), else the same
 * chain rule composed from ops, which can be differentiated again.
 *
 * The backward kernels are kernels too, so they have rules: the vector-Jacobian product of the
 * composed backward (ctx.vjp), which keeps every order of gradient possible.
 */
import { ValueError, adamUpdate, gruBlockGrad, lstmBlockGrad, type Tensor } from '@tapeflow/core';
import { isRecording } from '../recording.js';
import type { FusedGradTable, Vjp } from './types.js';

/** Every input's gradient from one vjp of the composed backward g, computed on first use. */
function vjpThunks(
  vjp: Vjp,
  g: (...xs: Tensor[]) => Tensor[],
  inputs: readonly Tensor[],
  dys: readonly Tensor[],
): (() => Tensor)[] {
  let all: Tensor[] | undefined;
  const get = (): Tensor[] => (all ??= vjp(g, inputs, dys));
  return inputs.map((_, k) => () => get()[k]);
}

/** The input gradients of a forward kernel, computed together on first use. */
function together(n: number, compute: () => Tensor[]): (() => Tensor)[] {
  let res: Tensor[] | undefined;
  return Array.from({ length: n }, (_, k) => () => (res ??= compute())[k]);
}

export const fusedGrads: FusedGradTable = {
  LSTMBlock: {
    saveInputs: true,
    saveOutputs: true,
    grad: ([dcNext, dh], { inputs: [gates, c], outputs: [cNext], attrs: { forgetBias } }) => {
      const [a, b] = together(2, () => lstmBlockGrad(gates, c, cNext, dcNext, dh, forgetBias, !isRecording()));
      return [a, b];
    },
  },
  LSTMBlockGrad: {
    saveInputs: true,
    grad: (dys, { inputs, attrs: { forgetBias }, vjp }) => {
      const [a, b, c, d, e] = vjpThunks(
        vjp,
        (g, cc, cn, dc, dh) => lstmBlockGrad(g, cc, cn, dc, dh, forgetBias, false),
        inputs,
        dys,
      );
      return [a, b, c, d, e];
    },
  },
  GRUBlock: {
    saveInputs: true,
    grad: ([dhNext], { inputs: [gates, h, cPre] }) => {
      const [a, b, c] = together(3, () => gruBlockGrad(gates, h, cPre, dhNext, !isRecording()));
      return [a, b, c];
    },
  },
  GRUBlockGrad: {
    saveInputs: true,
    grad: (dys, { inputs, vjp }) => {
      const [a, b, c, d] = vjpThunks(vjp, (g, h, cp, dh) => gruBlockGrad(g, h, cp, dh, false), inputs, dys);
      return [a, b, c, d];
    },
  },
  // An optimizer step is not recorded, but a tape that sees one gets the composed update's gradient.
  AdamUpdate: {
    saveInputs: true,
    grad: (dys, { inputs, attrs, vjp }) => {
      const [a, b, c, d] = vjpThunks(vjp, (p, m, v, g) => adamUpdate(p, m, v, g, attrs, false), inputs, dys);
      return [a, b, c, d];
    },
  },
  // The whole-sequence kernels run inside @tapeflow/rnn's sequence node (a customGrad, which
  // records nothing inside): its own backward is LSTMSequenceGrad, its higher orders the vjp of
  // its op-level recurrence. Called directly under a tape, they say so rather than guess.
  LSTMSequence: { grad: () => noDirectGrad('LSTMSequence') },
  LSTMSequenceGrad: { grad: () => noDirectGrad('LSTMSequenceGrad') },
  GRUSequence: { grad: () => noDirectGrad('GRUSequence') },
  GRUSequenceGrad: { grad: () => noDirectGrad('GRUSequenceGrad') },
};

function noDirectGrad(kernel: string): never {
  throw new ValueError(
    `${kernel}: no gradient rule of its own; differentiate through @tapeflow/rnn's dynamicRnn (its whole-sequence node owns this kernel's backward)`,
  );
}
