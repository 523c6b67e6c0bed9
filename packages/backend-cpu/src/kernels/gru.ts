/**
 * Fused GRU kernels: the end of TF1's GRUCell step in one pass. gates [batch, 2u] holds the r and
 * u pre-activations (only u is read: r enters cPre through a matmul, outside), h and cPre
 * [batch, u]:  u = sigmoid(gates[:, u:]),  h' = u h + (1 - u) tanh(cPre).
 */
import type { FusedKernelTable } from '@tapeflow/core';
import { contiguousOf, makeArray, store } from '../storage.js';
import { sigmoidRow, tanhRow } from './fast_math.js';

const gruBlock: FusedKernelTable['GRUBlock'] = ([gates, h, cPre], _attrs, outs) => {
  const { data: g, offset: go } = contiguousOf(gates);
  const { data: hs, offset: ho } = contiguousOf(h);
  const { data: cp, offset: cpo } = contiguousOf(cPre);
  const [batch, units] = h.shape;
  // float32 outputs take fast_math's activations (within 1 float32 ulp), float64 Math.exp.
  const f32 = outs[0].dtype === 'float32';
  const hNew = makeArray(outs[0].dtype, batch * units);
  const us = new Float64Array(units),
    cs = new Float64Array(units);
  for (let b = 0; b < batch; b++) {
    const k0 = b * units;
    sigmoidRow(us, 0, g, go + b * 2 * units + units, units, 0, f32);
    tanhRow(cs, 0, cp, cpo + k0, units, f32);
    for (let j = 0; j < units; j++) hNew[k0 + j] = us[j] * hs[ho + k0 + j] + (1 - us[j]) * cs[j];
  }
  return [store(hNew, outs[0].shape, outs[0].dtype)];
};

/**
 * The chain rule through h' = u h + (1 - u) c, c = tanh(cPre), per element:
 *   dU = dh' (h - c) u(1-u) (the r columns of dGates stay 0), dh = dh' u, dcPre = dh' (1-u)(1-c^2).
 */
const gruBlockGrad: FusedKernelTable['GRUBlockGrad'] = ([gates, h, cPre, dhNext], _attrs, outs) => {
  const { data: g, offset: go } = contiguousOf(gates);
  const { data: hs, offset: ho } = contiguousOf(h);
  const { data: cp, offset: cpo } = contiguousOf(cPre);
  const { data: dn, offset: dno } = contiguousOf(dhNext);
  const [batch, units] = h.shape;
  const f32 = outs[0].dtype === 'float32';
  const dGates = makeArray(outs[0].dtype, batch * 2 * units);
  const dh = makeArray(outs[1].dtype, batch * units);
  const dcPre = makeArray(outs[2].dtype, batch * units);
  const us = new Float64Array(units),
    cs = new Float64Array(units);
  for (let b = 0; b < batch; b++) {
    const uRow = b * 2 * units + units;
    const k0 = b * units;
    sigmoidRow(us, 0, g, go + uRow, units, 0, f32);
    tanhRow(cs, 0, cp, cpo + k0, units, f32);
    for (let j = 0; j < units; j++) {
      const k = k0 + j;
      const u = us[j],
        c = cs[j];
      const d = dn[dno + k];
      dGates[uRow + j] = d * (hs[ho + k] - c) * u * (1 - u);
      dh[k] = d * u;
      dcPre[k] = d * (1 - u) * (1 - c * c);
    }
  }
  return [
    store(dGates, outs[0].shape, outs[0].dtype),
    store(dh, outs[1].shape, outs[1].dtype),
    store(dcPre, outs[2].shape, outs[2].dtype),
  ];
};

export const gruKernels: Partial<FusedKernelTable> = { GRUBlock: gruBlock, GRUBlockGrad: gruBlockGrad };
