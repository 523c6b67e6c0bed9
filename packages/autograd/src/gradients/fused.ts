/**
 * Fused kernels. Each forward kernel's gradient is the chain rule through its composed
 * definition (kernels.ts), written with ops so it can be differentiated again. When the backend
 * also has the fused backward kernel (LSTMBlockGrad, GRUBlockGrad) and no outer tape records the
 * backward pass (so nothing will differentiate the gradient itself), that kernel computes the
 * same gradients in one pass instead.
 *
 * The backward kernels are kernels too, so they have rules: the vector-Jacobian product of the
 * composed gradient (ctx.vjp), which keeps every order of gradient possible.
 */
import { ENGINE, add, concat, mul, sigmoid, split, square, sub, tanh, zerosLike, type Tensor } from '@tapeflow/core';
import { isRecording } from '../recording.js';
import type { FusedGradTable, Vjp } from './types.js';

const sigmoidGrad = (s: Tensor): Tensor => mul(s, sub(1, s));
const info = (t: Tensor) => ({ shape: t.shape, dtype: t.dtype });

/** The fused backward kernel applies: the backend has it and no tape records this backward pass. */
const fastBackward = (kernel: 'LSTMBlockGrad' | 'GRUBlockGrad'): boolean => !isRecording() && ENGINE.hasFused(kernel);

/** [dGates, dc] of LSTMBlock, composed (see kernels.ts for the forward equations). */
function lstmBlockGrad(gates: Tensor, c: Tensor, cNext: Tensor, dcNext: Tensor, dh: Tensor, forgetBias: number): [Tensor, Tensor] {
  const [i, j, f, o] = split(gates, 4, 1);
  const si = sigmoid(i), tj = tanh(j), sf = sigmoid(add(f, forgetBias)), so = sigmoid(o);
  const tc = tanh(cNext);
  // h' = tanh(c') * sig(o): dh reaches c' through tanh, joining the c' gradient from the next step.
  const dc = add(dcNext, mul(mul(dh, so), sub(1, square(tc))));
  const dGates = concat([
    mul(mul(dc, tj), sigmoidGrad(si)),
    mul(mul(dc, si), sub(1, square(tj))),
    mul(mul(dc, c), sigmoidGrad(sf)),
    mul(mul(dh, tc), sigmoidGrad(so)),
  ], 1);
  return [dGates, mul(dc, sf)];
}

/** [dGates, dh, dcPre] of GRUBlock, composed: h' = u h + (1 - u) tanh(cPre), u = sig(gates[:, n:]). */
function gruBlockGrad(gates: Tensor, h: Tensor, cPre: Tensor, dhNext: Tensor): [Tensor, Tensor, Tensor] {
  const [r, uPre] = split(gates, 2, 1);
  const u = sigmoid(uPre), c = tanh(cPre);
  const du = mul(dhNext, sub(h, c));
  return [
    concat([zerosLike(r), mul(du, sigmoidGrad(u))], 1),
    mul(dhNext, u),
    mul(mul(dhNext, sub(1, u)), sub(1, square(c))),
  ];
}

/**
 * The gradients of a backward kernel: the VJP of its composed definition `g` (inputs -> outputs)
 * with the outputs' gradients dys, one thunk per input (computed together on first use).
 */
function vjpThunks(vjp: Vjp, g: (...xs: Tensor[]) => Tensor[], inputs: readonly Tensor[], dys: readonly Tensor[]): (() => Tensor)[] {
  let all: Tensor[] | undefined;
  const get = (): Tensor[] => (all ??= vjp(g, inputs, dys));
  return inputs.map((_, k) => () => get()[k]);
}

export const fusedGrads: FusedGradTable = {
  LSTMBlock: {
    saveInputs: true,
    saveOutputs: true,
    grad: ([dcNext, dh], { inputs: [gates, c], outputs: [cNext], attrs: { forgetBias } }) => {
      let res: Tensor[] | undefined;
      const both = (): Tensor[] => (res ??= fastBackward('LSTMBlockGrad')
        ? ENGINE.runFused('LSTMBlockGrad', [gates, c, cNext, dcNext, dh], { forgetBias }, [info(gates), info(c)])
        : lstmBlockGrad(gates, c, cNext, dcNext, dh, forgetBias));
      return [() => both()[0], () => both()[1]];
    },
  },
  LSTMBlockGrad: {
    saveInputs: true,
    grad: (dys, { inputs, attrs: { forgetBias }, vjp }) => {
      const [a, b, c, d, e] = vjpThunks(vjp, (g, cc, cn, dc, dh) => lstmBlockGrad(g, cc, cn, dc, dh, forgetBias), inputs, dys);
      return [a, b, c, d, e];
    },
  },
  GRUBlock: {
    saveInputs: true,
    grad: ([dhNext], { inputs: [gates, h, cPre] }) => {
      let res: Tensor[] | undefined;
      const all = (): Tensor[] => (res ??= fastBackward('GRUBlockGrad')
        ? ENGINE.runFused('GRUBlockGrad', [gates, h, cPre, dhNext], {}, [info(gates), info(h), info(cPre)])
        : gruBlockGrad(gates, h, cPre, dhNext));
      return [() => all()[0], () => all()[1], () => all()[2]];
    },
  },
  GRUBlockGrad: {
    saveInputs: true,
    grad: (dys, { inputs, vjp }) => {
      const [a, b, c, d] = vjpThunks(vjp, (g, h, cp, dh) => gruBlockGrad(g, h, cp, dh), inputs, dys);
      return [a, b, c, d];
    },
  },
};
