/**
 * The whole GRU recurrence as one kernel (GRUSequence, GRUSequenceGrad; float32; semantics in
 * core's kernels.ts), built like lstm_sequence.ts: one region of the wasm memory per call, the
 * recurrent weights gh [n, 2n] and ch [n, n] packed once, each step's two products on the
 * module's gemm, the gate math in JS over Float32Array views. Per step, with p = [p_g | p_c]:
 *   r, u = sig(p_g + h gh),  c = tanh(p_c + (r h) ch),  h' = u h + (1 - u) c.
 * The forward keeps r, u and c of every step (and h, the outputs), so backprop recomputes
 * nothing. Backward per step, last first (dh' = dy + dh for a running row):
 *   dU = dh' (h - c) u(1-u),  dcPre = dh' (1-u)(1-c^2),  dRh = dcPre ch^T,  dR = dRh h r(1-r),
 *   dh = dh' u + dRh r + [dR | dU] gh^T;
 * per chunk of steps, dgh += h^T [dR | dU] and dch += (r h)^T dcPre in one gemm each.
 */
import type { FusedKernelTable } from '@tapeflow/core';
import { store } from '../storage.js';
import { elementwiseRuntime, matmulRuntime } from '../wasm/runtime.js';
import { MR, NR, gemmAt, packInto, packedFloats } from './matmul_wasm.js';
import {
  Projection,
  SourceGrads,
  addProduct,
  copyOf,
  f32,
  outputCopy,
  packHere,
  projectionSizes,
  region,
  running,
  sourceGradSizes,
  zeroedOutput,
} from './sequence_wasm.js';

// The hot loops, one running row each, as functions of their own on typed arrays only (so each is
// optimized once, whatever the kernel around it does).

/** A row's gate pre-activations p_g + h gh (the product's row at gr), into the module's memory at zr. */
function gruPreGates(
  mem: Float32Array,
  zr: number,
  gr: number,
  ps: Float32Array,
  pr: number,
  bias: Float32Array,
  n: number,
): void {
  for (let j = 0; j < 2 * n; j++) mem[zr + j] = ps[pr + j] + bias[j] + mem[gr + j];
}

/** r, u from their sigmoids at sr into acts at ab; r h into mem at rhAt. */
function gruGates(
  mem: Float32Array,
  sr: number,
  acts: Float32Array,
  ab: number,
  rhAt: number,
  hAt: number,
  n: number,
): void {
  for (let j = 0; j < 2 * n; j++) acts[ab + j] = mem[sr + j];
  for (let j = 0; j < n; j++) mem[rhAt + j] = acts[ab + j] * mem[hAt + j];
}

/** A row's candidate pre-activation p_c + (r h) ch (the product's row at cr), into the module's memory at zr. */
function gruPreCandidate(
  mem: Float32Array,
  zr: number,
  cr: number,
  ps: Float32Array,
  pr: number,
  bias: Float32Array,
  n: number,
): void {
  for (let j = 0; j < n; j++) mem[zr + j] = ps[pr + 2 * n + j] + bias[2 * n + j] + mem[cr + j];
}

/** c (its tanh at tr) into acts, h' = u h + (1 - u) c into outputs and the module's h. */
function gruOut(
  mem: Float32Array,
  tr: number,
  acts: Float32Array,
  ab: number,
  outputs: Float32Array,
  sb: number,
  hAt: number,
  n: number,
): void {
  for (let j = 0; j < n; j++) {
    const u = acts[ab + n + j],
      c = mem[tr + j];
    acts[ab + 2 * n + j] = c;
    const h = u * mem[hAt + j] + (1 - u) * c;
    outputs[sb + j] = h;
    mem[hAt + j] = h;
  }
}

/** dU, dcPre into the row's dP at g, dh' u into dhAcc, r h (for dch) at rhAt; hp: the h the row read. */
function gruRowGrad(
  mem: Float32Array,
  g: number,
  hp: number,
  rhAt: number,
  acts: Float32Array,
  ab: number,
  dy: Float32Array,
  yi: number,
  dh: Float32Array,
  dhAcc: Float32Array,
  hb: number,
  n: number,
): void {
  for (let j = 0; j < n; j++) {
    const u = acts[ab + n + j],
      c = acts[ab + 2 * n + j];
    const dhk = dy[yi + j] + dh[hb + j];
    mem[g + n + j] = dhk * (mem[hp + j] - c) * u * (1 - u);
    mem[g + 2 * n + j] = dhk * (1 - u) * (1 - c * c);
    dhAcc[hb + j] = dhk * u;
    mem[rhAt + j] = acts[ab + j] * mem[hp + j];
  }
}

/** From dRh = dcPre ch^T (the product's row at cr): dR into dP at g, dRh r into dhAcc. */
function gruRowGradR(
  mem: Float32Array,
  g: number,
  hp: number,
  cr: number,
  acts: Float32Array,
  ab: number,
  dhAcc: Float32Array,
  hb: number,
  n: number,
): void {
  for (let j = 0; j < n; j++) {
    const rr = acts[ab + j],
      dRh = mem[cr + j];
    mem[g + j] = dRh * mem[hp + j] * rr * (1 - rr);
    dhAcc[hb + j] += dRh * rr;
  }
}

const gruSequence: FusedKernelTable['GRUSequence'] = (ins, { lengths, bound, chunk }, outs) => {
  const rt = matmulRuntime()!; // registered only where the runtime loads (index.ts)
  const ns = ins.length - 3;
  const [gh, ch, h0] = ins.slice(ns);
  const projected = ns === 1;
  const [T, B] = ins[0].shape;
  const n = h0.shape[1],
    P = 3 * n,
    d = projected ? 0 : ins[0].shape[2];
  const ldc2 = packedFloats(2 * n, 1, NR),
    ldc1 = packedFloats(n, 1, NR),
    rows = chunk * B;
  const { mem, at } = region('GRUSequence', {
    ghP: packedFloats(2 * n, n, NR),
    chP: packedFloats(n, n, NR),
    hA: packedFloats(B, n, MR),
    gC: packedFloats(B, 1, MR) * ldc2,
    cC: packedFloats(B, 1, MR) * ldc1,
    h: B * n,
    rh: B * n,
    // The step's pre-activations and their sigmoids (gates) or tanh (candidate), whole vectors of 4.
    z: B * 2 * n,
    act: B * 2 * n,
    ...projectionSizes(projected, d, P, rows),
    stage: Math.max(2 * n * n, d * P, rows * d),
  });
  const { ghP, chP, hA, gC, cC, h: hAt, rh, z, act, stage } = at;
  const ew = elementwiseRuntime()!; // over the same memory as the gemm
  const nc = (B * n + 3) & ~3; // the candidates' block in whole vectors
  mem.fill(0, z, z + nc);
  // B operands gh [n, 2n] and ch [n, n]: line j = column j, element (j, p) at p cols + j.
  const ghD = f32(gh),
    chD = f32(ch);
  packInto(rt, mem, ghD.data, ghD.offset, 1, 2 * n, 2 * n, n, NR, ghP, stage);
  packInto(rt, mem, chD.data, chD.offset, 1, n, n, n, NR, chP, stage);
  const proj = new Projection(rt, mem, ins, projected, B, P, at);
  const bias = proj.bias;
  const outputs = zeroedOutput(T * B * n),
    acts = zeroedOutput(bound * B * P);
  const h0D = f32(h0);
  mem.set(h0D.data.subarray(h0D.offset, h0D.offset + B * n), hAt);

  for (let t0 = 0; t0 < bound; t0 += chunk) {
    const t1 = Math.min(bound, t0 + chunk);
    proj.chunk(t0, t1);
    const { ps, base, stride } = proj;
    for (let t = t0; t < t1; t++) {
      packHere(rt, hAt, n, 1, B, n, MR, hA);
      gemmAt(rt, hA, ghP, gC, B, 2 * n, n);
      for (let b = 0; b < B; b++) {
        const zr = z + b * 2 * n;
        if (running(lengths, t, b))
          gruPreGates(mem, zr, gC + b * ldc2, ps, base + ((t - t0) * B + b) * stride, bias, n);
        else mem.fill(0, zr, zr + 2 * n);
      }
      ew.sigmoid(z * 4, act * 4, B * 2 * n + ((B * 2 * n) % 4));
      for (let b = 0; b < B; b++) {
        const hb = b * n;
        if (running(lengths, t, b)) gruGates(mem, act + b * 2 * n, acts, (t * B + b) * P, rh + hb, hAt + hb, n);
        else mem.fill(0, rh + hb, rh + hb + n);
      }
      packHere(rt, rh, n, 1, B, n, MR, hA);
      gemmAt(rt, hA, chP, cC, B, n, n);
      for (let b = 0; b < B; b++) {
        const zr = z + b * n;
        if (running(lengths, t, b))
          gruPreCandidate(mem, zr, cC + b * ldc1, ps, base + ((t - t0) * B + b) * stride, bias, n);
        else mem.fill(0, zr, zr + n);
      }
      ew.tanh(z * 4, act * 4, nc);
      for (let b = 0; b < B; b++) {
        if (!running(lengths, t, b)) continue; // h carried, output 0
        gruOut(mem, act + b * n, acts, (t * B + b) * P, outputs, (t * B + b) * n, hAt + b * n, n);
      }
    }
  }
  return [
    store(outputs, outs[0].shape, 'float32'),
    store(outputCopy(mem, hAt, B * n), outs[1].shape, 'float32'),
    store(acts, outs[2].shape, 'float32'),
  ];
};

const gruSequenceGrad: FusedKernelTable['GRUSequenceGrad'] = (ins, { lengths, bound, chunk }, outs) => {
  const rt = matmulRuntime()!;
  const ns = ins.length - 7;
  const projected = ns === 1;
  const [gh, ch, h0, outputsI, actsI, dyI, dhI] = ins.slice(ns);
  const [T, B] = ins[0].shape;
  const n = h0.shape[1],
    P = 3 * n,
    d = projected ? 0 : ins[0].shape[2];
  const ldc1 = packedFloats(n, 1, NR),
    rows = chunk * B;
  const { mem, at } = region('GRUSequenceGrad', {
    ghT: packedFloats(n, 2 * n, NR),
    chT: packedFloats(n, n, NR),
    dP: rows * P,
    stepA: packedFloats(B, 2 * n, MR),
    stepC: packedFloats(B, 1, MR) * ldc1,
    hR: rows * n,
    rhR: rows * n,
    wA: packedFloats(n, rows, MR),
    wB: packedFloats(2 * n, rows, NR),
    wC: packedFloats(n, 1, MR) * packedFloats(2 * n, 1, NR),
    ...sourceGradSizes(projected, d, P, rows),
    stage: Math.max(2 * n * n, d * P, rows * d),
  });
  const { ghT, chT, dP, stepA, stepC, hR, rhR, wA, wB, wC, stage } = at;
  // B operands of the transposes: gh^T [2n, n] (line l = row l of gh), ch^T [n, n].
  const ghD = f32(gh),
    chD = f32(ch);
  packInto(rt, mem, ghD.data, ghD.offset, 2 * n, 1, n, 2 * n, NR, ghT, stage);
  packInto(rt, mem, chD.data, chD.offset, n, 1, n, n, NR, chT, stage);
  const source = new SourceGrads(rt, mem, ins, projected, T, B, P, at);
  const outputs = f32(outputsI),
    h0D = f32(h0);
  const [actsD, ao] = [f32(actsI).data, f32(actsI).offset];
  const [dyD, yo] = [f32(dyI).data, f32(dyI).offset];
  const dh = copyOf(dhI, B * n);
  const dhAcc = new Float32Array(B * n);
  const dGh = new Float64Array(n * 2 * n),
    dCh = new Float64Array(n * n);

  for (let t0 = Math.floor((bound - 1) / chunk) * chunk; t0 >= 0; t0 -= chunk) {
    const t1 = Math.min(bound, t0 + chunk),
      r = (t1 - t0) * B;
    // The h each step read (h0, then the outputs before it), as rows [r, n].
    if (t0 === 0) {
      mem.set(h0D.data.subarray(h0D.offset, h0D.offset + B * n), hR);
      mem.set(outputs.data.subarray(outputs.offset, outputs.offset + r * n - B * n), hR + B * n);
    } else {
      const o = outputs.offset + (t0 - 1) * B * n;
      mem.set(outputs.data.subarray(o, o + r * n), hR);
    }
    for (let t = t1 - 1; t >= t0; t--) {
      const i = t - t0,
        pBase = dP + i * B * P;
      for (let b = 0; b < B; b++) {
        const g = pBase + b * P,
          hb = b * n,
          hp = hR + (i * B + b) * n;
        if (!running(lengths, t, b)) {
          mem.fill(0, g, g + P);
          mem.fill(0, rhR + (i * B + b) * n, rhR + (i * B + b + 1) * n);
          continue;
        }
        const sb = (t * B + b) * n;
        gruRowGrad(mem, g, hp, rhR + (i * B + b) * n, actsD, ao + (t * B + b) * P, dyD, yo + sb, dh, dhAcc, hb, n);
      }
      // dRh = dcPre ch^T, then dR; dh gathers dRh r.
      packHere(rt, pBase + 2 * n, P, 1, B, n, MR, stepA);
      gemmAt(rt, stepA, chT, stepC, B, n, n);
      for (let b = 0; b < B; b++) {
        if (!running(lengths, t, b)) continue;
        gruRowGradR(
          mem,
          pBase + b * P,
          hR + (i * B + b) * n,
          stepC + b * ldc1,
          actsD,
          ao + (t * B + b) * P,
          dhAcc,
          b * n,
          n,
        );
      }
      // dh = dhAcc + [dR | dU] gh^T; a finished row keeps its dh.
      packHere(rt, pBase, P, 1, B, 2 * n, MR, stepA);
      gemmAt(rt, stepA, ghT, stepC, B, n, 2 * n);
      for (let b = 0; b < B; b++) {
        if (!running(lengths, t, b)) continue;
        const hb = b * n,
          cr = stepC + b * ldc1;
        for (let j = 0; j < n; j++) dh[hb + j] = dhAcc[hb + j] + mem[cr + j];
      }
    }
    // dgh += hRead^T [dR | dU], dch += (r h)^T dcPre: one gemm each for the chunk.
    packHere(rt, hR, 1, n, n, r, MR, wA);
    packHere(rt, dP, 1, P, 2 * n, r, NR, wB);
    gemmAt(rt, wA, wB, wC, n, 2 * n, r);
    addProduct(dGh, mem, wC, n, 2 * n);
    packHere(rt, rhR, 1, n, n, r, MR, wA);
    packHere(rt, dP + 2 * n, 1, P, n, r, NR, wB);
    gemmAt(rt, wA, wB, wC, n, n, r);
    addProduct(dCh, mem, wC, n, n);
    source.add(t0, r, dP);
  }
  return [
    ...source.results(outs),
    store(outputCopy(dGh), outs[ns].shape, 'float32'),
    store(outputCopy(dCh), outs[ns + 1].shape, 'float32'),
    store(dh, outs[ns + 2].shape, 'float32'),
  ];
};

export const gruSequenceKernels: Partial<FusedKernelTable> = {
  GRUSequence: gruSequence,
  GRUSequenceGrad: gruSequenceGrad,
};
