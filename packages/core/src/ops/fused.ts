/**
 * The fused kernels' front-ends (FusedKernelDefs in kernels.ts): each runs the backend's fused
 * kernel when it has one (and `useKernel` allows), and otherwise the same equations composed from
 * ops, written here once. So a backend may leave any of them out, and every caller (the RNN
 * cells, the whole-sequence nodes, the gradient rules) gets the same values either way.
 *
 * The composed versions are made of differentiable ops, so under a tape they can be
 * differentiated again (autograd's rules for the fused kernels use them for that).
 */
import { ENGINE } from '../engine.js';
import { ValueError } from '../errors.js';
import type { AdamAttrs, FusedKernelName } from '../kernels.js';
import { fmt, shapesEqual } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { add, div, mul, square, sub } from './binary.js';
import { zerosLike } from './creation.js';
import { concat, slice, split } from './movement.js';
import { sigmoid, sqrt, tanh } from './unary.js';

const runs = (k: FusedKernelName, useKernel: boolean): boolean => useKernel && ENGINE.hasFused(k);
const like = (t: Tensor) => ({ shape: t.shape, dtype: t.dtype });
const sigmoidGrad = (s: Tensor): Tensor => mul(s, sub(1, s));

/** gates must be [batch, cols * units] and every state [batch, units], all of one float dtype. */
function check(op: string, gates: Tensor, cols: number, states: Record<string, Tensor>): void {
  const [name0, s0] = Object.entries(states)[0];
  const [b, u] = s0.shape;
  if (gates.rank !== 2 || s0.rank !== 2 || !shapesEqual(gates.shape, [b, cols * u])) {
    throw new ValueError(
      `${op}: gates must be [batch, ${cols} * units] for ${name0} [batch, units], got gates ${fmt(gates.shape)} and ${name0} ${fmt(s0.shape)}`,
    );
  }
  for (const [name, t] of Object.entries(states)) {
    if (!shapesEqual(t.shape, s0.shape) || t.dtype !== gates.dtype) {
      throw new ValueError(
        `${op}: ${name} must be ${gates.dtype} ${fmt(s0.shape)} like ${name0}, got ${t.dtype} ${fmt(t.shape)}`,
      );
    }
  }
}

/**
 * One LSTM step's tail (TF1's BasicLSTMCell, gate order i, j, f, o), from the gate
 * pre-activations [batch, 4u] and c [batch, u]: c' = c sig(f + forgetBias) + sig(i) tanh(j),
 * h' = tanh(c') sig(o). Returns [c', h'].
 */
export function lstmBlock(gates: Tensor, c: Tensor, forgetBias: number, useKernel = true): [Tensor, Tensor] {
  check('lstmBlock', gates, 4, { c });
  if (runs('LSTMBlock', useKernel)) {
    const [c2, h2] = ENGINE.runFused('LSTMBlock', [gates, c], { forgetBias }, [like(c), like(c)]);
    return [c2, h2];
  }
  return ENGINE.tidy(() => {
    const [i, j, f, o] = split(gates, 4, 1);
    const c2 = add(mul(c, sigmoid(add(f, forgetBias))), mul(sigmoid(i), tanh(j)));
    return [c2, mul(tanh(c2), sigmoid(o))];
  });
}

/**
 * lstmBlock's backward pass: from its inputs, its output c' and the gradients dc' and dh' of its
 * two outputs, [dGates, dc] (the chain rule through the equations above).
 */
export function lstmBlockGrad(
  gates: Tensor,
  c: Tensor,
  cNext: Tensor,
  dcNext: Tensor,
  dh: Tensor,
  forgetBias: number,
  useKernel = true,
): [Tensor, Tensor] {
  check('lstmBlockGrad', gates, 4, { c, cNext, dcNext, dh });
  if (runs('LSTMBlockGrad', useKernel)) {
    const [dG, dc] = ENGINE.runFused('LSTMBlockGrad', [gates, c, cNext, dcNext, dh], { forgetBias }, [
      like(gates),
      like(c),
    ]);
    return [dG, dc];
  }
  return ENGINE.tidy(() => {
    const [i, j, f, o] = split(gates, 4, 1);
    const si = sigmoid(i),
      tj = tanh(j),
      sf = sigmoid(add(f, forgetBias)),
      so = sigmoid(o);
    const tc = tanh(cNext);
    // h' = tanh(c') sig(o): dh reaches c' through tanh, joining the c' gradient from the next step.
    const dc = add(dcNext, mul(mul(dh, so), sub(1, square(tc))));
    const dGates = concat(
      [
        mul(mul(dc, tj), sigmoidGrad(si)),
        mul(mul(dc, si), sub(1, square(tj))),
        mul(mul(dc, c), sigmoidGrad(sf)),
        mul(mul(dh, tc), sigmoidGrad(so)),
      ],
      1,
    );
    return [dGates, mul(dc, sf)];
  });
}

/**
 * The end of one GRU step (TF1's GRUCell, tanh): gates [batch, 2u] are the r, u
 * pre-activations, cPre [batch, u] the candidate's; h' = u h + (1 - u) tanh(cPre) with
 * u = sig(gates[:, u:]). (r enters cPre through a matmul, so it stays outside.)
 */
export function gruBlock(gates: Tensor, h: Tensor, cPre: Tensor, useKernel = true): Tensor {
  check('gruBlock', gates, 2, { h, cPre });
  if (runs('GRUBlock', useKernel)) return ENGINE.runFused('GRUBlock', [gates, h, cPre], {}, [like(h)])[0];
  return ENGINE.tidy(() => {
    const n = h.shape[1];
    const u = sigmoid(slice(gates, [0, n], [-1, n]));
    return add(mul(u, h), mul(sub(1, u), tanh(cPre)));
  });
}

/** gruBlock's backward pass: [dGates (zero in the r columns), dh, dcPre] from its inputs and dh'. */
export function gruBlockGrad(
  gates: Tensor,
  h: Tensor,
  cPre: Tensor,
  dhNext: Tensor,
  useKernel = true,
): [Tensor, Tensor, Tensor] {
  check('gruBlockGrad', gates, 2, { h, cPre, dhNext });
  if (runs('GRUBlockGrad', useKernel)) {
    const [dG, dh, dcPre] = ENGINE.runFused('GRUBlockGrad', [gates, h, cPre, dhNext], {}, [
      like(gates),
      like(h),
      like(cPre),
    ]);
    return [dG, dh, dcPre];
  }
  return ENGINE.tidy(() => {
    const [r, uPre] = split(gates, 2, 1);
    const u = sigmoid(uPre),
      c = tanh(cPre);
    const du = mul(dhNext, sub(h, c));
    return [
      concat([zerosLike(r), mul(du, sigmoidGrad(u))], 1),
      mul(dhNext, u),
      mul(mul(dhNext, sub(1, u)), sub(1, square(c))),
    ];
  });
}

/**
 * One Adam step of variable p with slots m, v and gradient g (AdamUpdate in kernels.ts): returns
 * [p', m', v'] for the optimizer to assign. The backend's fused kernel (one pass over the four
 * arrays) where it has one, else the composed ops; both round alike, so they agree bit for bit.
 */
export function adamUpdate(
  p: Tensor,
  m: Tensor,
  v: Tensor,
  g: Tensor,
  attrs: AdamAttrs,
  useKernel = true,
): [Tensor, Tensor, Tensor] {
  for (const [name, t] of [
    ['m', m],
    ['v', v],
    ['g', g],
  ] as const) {
    if (!shapesEqual(t.shape, p.shape) || t.dtype !== p.dtype) {
      throw new ValueError(
        `adamUpdate: ${name} must be ${p.dtype} ${fmt(p.shape)} like p, got ${t.dtype} ${fmt(t.shape)}`,
      );
    }
  }
  if (runs('AdamUpdate', useKernel)) {
    const [p2, m2, v2] = ENGINE.runFused('AdamUpdate', [p, m, v, g], attrs, [like(p), like(p), like(p)]);
    return [p2, m2, v2];
  }
  const { beta1, beta2, lrT, epsilon } = attrs;
  return ENGINE.tidy(() => {
    const m2 = add(mul(m, beta1), mul(g, 1 - beta1));
    const v2 = add(mul(v, beta2), mul(square(g), 1 - beta2));
    return [sub(p, mul(div(m2, add(sqrt(v2), epsilon)), lrT)), m2, v2];
  });
}
