/**
 * The whole LSTM recurrence as one kernel (LSTMSequence, LSTMSequenceGrad; float32; semantics in
 * core's kernels.ts): per call one region of the wasm module's memory (scratch()), the recurrent
 * weights packed ONCE into the gemm's panel layout, and every step's product run by the module's
 * gemm directly on that memory (on the thread pool when large enough). The gate math runs in JS
 * over Float32Array views, so nothing is allocated per step. The readable reference is the
 * per-step LSTMBlock/LSTMBlockGrad (lstm.ts) with matmuls, which rnn's node composes otherwise.
 *
 * Forward, per chunk of steps: the chunk's projection x W_x + b in one gemm (when given the
 * inputs), then per step h W_h and the gates. It keeps the gate activations, c' and h of every
 * step, so backprop recomputes nothing. Backward, last step first: per step the gate gradients
 * dG and dh = dG W_h^T; per chunk of steps, one gemm each for dW_h += h^T dG (and dW_x, dx).
 *
 * Finished rows (t >= lengths[r]) carry their state through and output zeros; their gradients
 * pass the state gradients through and take none from their (constant) zero outputs.
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
  tanhInto,
  zeroedOutput,
} from './sequence_wasm.js';

/** Floats rounded up to whole vectors of 4 (what the module's elementwise kernels process). */
const padded = (n: number): number => (n + 3) & ~3;

// One running row of one step in three passes around the module's SIMD sigmoid and tanh (each
// pass a function of its own on typed arrays, so it is optimized once, whatever the kernel does).

/**
 * The gate pre-activations p + h W_h (+ forgetBias for f) of a row into the module's memory,
 * gate-major: gate g of row b at z + g S + bu (so each gate's activation is one vector call).
 */
function lstmPre(
  mem: Float32Array,
  z: number,
  S: number,
  bu: number,
  hr: number,
  ps: Float32Array,
  pr: number,
  bias: Float32Array,
  u: number,
  forgetBias: number,
): void {
  for (let g = 0; g < 4; g++) {
    const zr = z + g * S + bu,
      o = g * u,
      fb = g === 2 ? forgetBias : 0;
    for (let j = 0; j < u; j++) mem[zr + j] = ps[pr + o + j] + bias[o + j] + mem[hr + o + j] + fb;
  }
}

/** From the row's activations (gate-major at act, as lstmPre): acts, c' into c and the module's memory at cr. */
function lstmCell(
  mem: Float32Array,
  act: number,
  S: number,
  bu: number,
  cr: number,
  acts: Float32Array,
  ab: number,
  c: Float32Array,
  cb: number,
  u: number,
): void {
  const ar = act + bu;
  for (let j = 0; j < u; j++) {
    const si = mem[ar + j],
      tj = mem[ar + S + j],
      sf = mem[ar + 2 * S + j];
    acts[ab + j] = si;
    acts[ab + u + j] = tj;
    acts[ab + 2 * u + j] = sf;
    acts[ab + 3 * u + j] = mem[ar + 3 * S + j];
    c[cb + j] = c[cb + j] * sf + si * tj;
    mem[cr + j] = c[cb + j]; // h' reads c' rounded to float32, as the per-step kernel does
  }
}

/**
 * The block outputs c' of steps t0..t1-1 into cs (rows [t1 - t0, B, u]), from the state before t0
 * (prev at po) and the kept activations: c' = c sig(f) + sig(i) tanh(j), the forward's expression
 * on the same float32 operands, so bit for bit the forward's c'; a finished row carries its state.
 */
function recomputeCs(
  cs: Float32Array,
  prev: Float32Array,
  po: number,
  acts: Float32Array,
  ao: number,
  lengths: Int32Array | null,
  t0: number,
  t1: number,
  B: number,
  u: number,
): void {
  const G = 4 * u;
  for (let t = t0; t < t1; t++) {
    for (let b = 0; b < B; b++) {
      const sb = ((t - t0) * B + b) * u,
        from = t === t0 ? prev : cs,
        fb = t === t0 ? po + b * u : sb - B * u;
      if (!running(lengths, t, b)) {
        cs.set(from.subarray(fb, fb + u), sb);
        continue;
      }
      const ab = ao + (t * B + b) * G;
      for (let j = 0; j < u; j++) cs[sb + j] = from[fb + j] * acts[ab + 2 * u + j] + acts[ab + j] * acts[ab + u + j];
    }
  }
}

/** h' = tanh(c') sig(o) (tanh(c') at tcr) into outputs and the module's h at hAt. */
function lstmOut(
  mem: Float32Array,
  tcr: number,
  acts: Float32Array,
  ab: number,
  outputs: Float32Array,
  sb: number,
  hAt: number,
  u: number,
): void {
  for (let j = 0; j < u; j++) {
    const h = mem[tcr + j] * acts[ab + 3 * u + j];
    outputs[sb + j] = h;
    mem[hAt + j] = h;
  }
}

/**
 * One running row's gate gradients (into mem at g) and dc (in place), from the kept activations
 * at ab, c' at ci, the state c it read (cPrev at prev), dy at yi and the carried dc, dh at cb.
 */
function lstmRowGrad(
  mem: Float32Array,
  g: number,
  acts: Float32Array,
  ab: number,
  cs: Float32Array,
  ci: number,
  cPrev: Float32Array,
  prev: number,
  dy: Float32Array,
  yi: number,
  dc: Float32Array,
  dh: Float32Array,
  cb: number,
  z: Float64Array,
  tc: Float32Array,
  u: number,
): void {
  for (let j = 0; j < u; j++) z[j] = cs[ci + j];
  tanhInto(tc, 0, z, 0, u);
  for (let j = 0; j < u; j++) {
    const si = acts[ab + j],
      tj = acts[ab + u + j],
      sf = acts[ab + 2 * u + j],
      so = acts[ab + 3 * u + j];
    const dhk = dy[yi + j] + dh[cb + j];
    const dck = dc[cb + j] + dhk * so * (1 - tc[j] * tc[j]);
    mem[g + j] = dck * tj * si * (1 - si);
    mem[g + u + j] = dck * si * (1 - tj * tj);
    mem[g + 2 * u + j] = dck * cPrev[prev + j] * sf * (1 - sf);
    mem[g + 3 * u + j] = dhk * tc[j] * so * (1 - so);
    dc[cb + j] = dck * sf;
  }
}

const lstmSequence: FusedKernelTable['LSTMSequence'] = (ins, { forgetBias, lengths, bound, chunk }, outs) => {
  const rt = matmulRuntime()!; // registered only where the runtime loads (index.ts)
  const n = ins.length;
  const [wh, c0, h0] = ins.slice(n - 3);
  const projected = n === 4;
  const [T, B] = ins[0].shape;
  const u = h0.shape[1],
    G = 4 * u,
    d = projected ? 0 : ins[0].shape[2];
  const ldcG = packedFloats(G, 1, NR),
    rows = chunk * B;
  const { mem, at } = region('LSTMSequence', {
    whP: packedFloats(G, u, NR),
    hA: packedFloats(B, u, MR),
    hC: packedFloats(B, 1, MR) * ldcG,
    h: B * u,
    // The step's gate pre-activations and activations (gate-major blocks of S floats), c' and tanh(c').
    z: 4 * padded(B * u),
    act: 4 * padded(B * u),
    cT: padded(B * u),
    tcT: padded(B * u),
    ...projectionSizes(projected, d, G, rows),
    stage: Math.max(u * G, d * G, rows * d),
  });
  // Plain locals: the region's offsets are read in the inner loops.
  const { whP, hA, hC, h: hAt, z, act, cT, tcT, stage } = at;
  const S = padded(B * u);
  const ew = elementwiseRuntime()!; // over the same memory as the gemm
  mem.fill(0, cT, cT + padded(B * u)); // the padding is read by the vector tanh
  const whD = f32(wh);
  // B operand W_h [u, 4u]: line j = column j, element (j, p) at p 4u + j.
  packInto(rt, mem, whD.data, whD.offset, 1, G, G, u, NR, whP, stage);
  const proj = new Projection(rt, mem, ins, projected, B, G, at);
  const bias = proj.bias;
  const outputs = zeroedOutput(T * B * u),
    acts = zeroedOutput(bound * B * G),
    cs = zeroedOutput(Math.ceil(bound / chunk) * B * u);
  const c = copyOf(c0, B * u);
  const h0D = f32(h0);
  mem.set(h0D.data.subarray(h0D.offset, h0D.offset + B * u), hAt);

  for (let t0 = 0; t0 < bound; t0 += chunk) {
    const t1 = Math.min(bound, t0 + chunk);
    proj.chunk(t0, t1);
    const { ps, base, stride } = proj;
    for (let t = t0; t < t1; t++) {
      packHere(rt, hAt, u, 1, B, u, MR, hA);
      gemmAt(rt, hA, whP, hC, B, G, u);
      for (let b = 0; b < B; b++) {
        if (running(lengths, t, b))
          lstmPre(mem, z, S, b * u, hC + b * ldcG, ps, base + ((t - t0) * B + b) * stride, bias, u, forgetBias);
        else for (let g = 0; g < 4; g++) mem.fill(0, z + g * S + b * u, z + g * S + (b + 1) * u);
      }
      ew.sigmoid(z * 4, act * 4, S); // i
      ew.tanh((z + S) * 4, (act + S) * 4, S); // j
      ew.sigmoid((z + 2 * S) * 4, (act + 2 * S) * 4, 2 * S); // f, o
      for (let b = 0; b < B; b++) {
        const cb = b * u;
        // A finished row carries its state (acts stay 0, the output 0).
        if (running(lengths, t, b)) lstmCell(mem, act, S, cb, cT + cb, acts, (t * B + b) * G, c, cb, u);
      }
      ew.tanh(cT * 4, tcT * 4, S);
      for (let b = 0; b < B; b++) {
        if (!running(lengths, t, b)) continue;
        const cb = b * u;
        lstmOut(mem, tcT + cb, acts, (t * B + b) * G, outputs, (t * B + b) * u, hAt + cb, u);
      }
    }
    cs.set(c, (t0 / chunk) * B * u); // the chunk's last c': where backprop recomputes the next chunk's from
  }
  const hEnd = outputCopy(mem, hAt, B * u);
  return [
    store(outputs, outs[0].shape, 'float32'),
    store(c, outs[1].shape, 'float32'),
    store(hEnd, outs[2].shape, 'float32'),
    store(acts, outs[3].shape, 'float32'),
    store(cs, outs[4].shape, 'float32'),
  ];
};

const lstmSequenceGrad: FusedKernelTable['LSTMSequenceGrad'] = (ins, { lengths, bound, chunk }, outs) => {
  const rt = matmulRuntime()!;
  const ns = ins.length - 9;
  const projected = ns === 1;
  const [wh, c0, h0, outputsI, actsI, csI, dyI, dcI, dhI] = ins.slice(ns);
  const [T, B] = ins[0].shape;
  const u = h0.shape[1],
    G = 4 * u,
    d = projected ? 0 : ins[0].shape[2];
  const ldcU = packedFloats(u, 1, NR),
    rows = chunk * B;
  const { mem, at } = region('LSTMSequenceGrad', {
    whT: packedFloats(u, G, NR),
    dG: rows * G,
    dGA: packedFloats(B, G, MR),
    dhC: packedFloats(B, 1, MR) * ldcU,
    hR: rows * u,
    hRA: packedFloats(u, rows, MR),
    dGB: packedFloats(G, rows, NR),
    wC: packedFloats(u, 1, MR) * packedFloats(G, 1, NR),
    ...sourceGradSizes(projected, d, G, rows),
    stage: Math.max(u * G, d * G, rows * d),
  });
  const { whT, dG, dGA, dhC, hR, hRA, dGB, wC, stage } = at;
  // B operand W_h^T [4u, u]: line l = row l of W_h, element (l, p) at l 4u + p.
  const whD = f32(wh);
  packInto(rt, mem, whD.data, whD.offset, G, 1, u, G, NR, whT, stage);
  const source = new SourceGrads(rt, mem, ins, projected, T, B, G, at);
  const outputs = f32(outputsI),
    c0D = f32(c0),
    h0D = f32(h0);
  const [actsD, csD, dyD] = [f32(actsI).data, f32(csI).data, f32(dyI).data];
  const [ao, co, yo] = [f32(actsI).offset, f32(csI).offset, f32(dyI).offset];
  const dc = copyOf(dcI, B * u),
    dh = copyOf(dhI, B * u);
  const z = new Float64Array(u),
    tc = new Float32Array(u);
  const dWh = new Float64Array(u * G);
  const cl = new Float32Array(chunk * B * u); // the chunk's c', recomputed

  for (let t0 = Math.floor((bound - 1) / chunk) * chunk; t0 >= 0; t0 -= chunk) {
    const t1 = Math.min(bound, t0 + chunk),
      r = (t1 - t0) * B;
    // The state before the chunk: c0, or the c' kept at the end of the previous chunk.
    const [before, bo] = t0 === 0 ? [c0D.data, c0D.offset] : [csD, co + (t0 / chunk - 1) * B * u];
    recomputeCs(cl, before, bo, actsD, ao, lengths, t0, t1, B, u);
    for (let t = t1 - 1; t >= t0; t--) {
      const gBase = dG + (t - t0) * B * G;
      for (let b = 0; b < B; b++) {
        const g = gBase + b * G;
        if (!running(lengths, t, b)) {
          mem.fill(0, g, g + G); // dc and dh pass through unchanged
          continue;
        }
        const sb = (t * B + b) * u,
          cb = b * u,
          lb = ((t - t0) * B + b) * u;
        // The state the row read: the chunk's start, or the previous step's c' (the row ran then too).
        const cPrev = t === t0 ? before : cl,
          prev = t === t0 ? bo + cb : lb - B * u;
        lstmRowGrad(mem, g, actsD, ao + (t * B + b) * G, cl, lb, cPrev, prev, dyD, yo + sb, dc, dh, cb, z, tc, u);
      }
      // dh = dG W_h^T; a finished row's dG is 0, so it keeps its dh.
      packHere(rt, gBase, G, 1, B, G, MR, dGA);
      gemmAt(rt, dGA, whT, dhC, B, u, G);
      for (let b = 0; b < B; b++) {
        if (!running(lengths, t, b)) continue;
        const cb = b * u,
          cr = dhC + b * ldcU;
        for (let j = 0; j < u; j++) dh[cb + j] = mem[cr + j];
      }
    }
    // The h each step read (h0, then the outputs before it), as rows [r, u]; then dW_h += hRead^T dG.
    if (t0 === 0) {
      mem.set(h0D.data.subarray(h0D.offset, h0D.offset + B * u), hR);
      mem.set(outputs.data.subarray(outputs.offset, outputs.offset + r * u - B * u), hR + B * u);
    } else {
      const o = outputs.offset + (t0 - 1) * B * u;
      mem.set(outputs.data.subarray(o, o + r * u), hR);
    }
    packHere(rt, hR, 1, u, u, r, MR, hRA);
    packHere(rt, dG, 1, G, G, r, NR, dGB);
    gemmAt(rt, hRA, dGB, wC, u, G, r);
    addProduct(dWh, mem, wC, u, G);
    source.add(t0, r, dG);
  }
  return [
    ...source.results(outs),
    store(outputCopy(dWh), outs[ns].shape, 'float32'),
    store(dc, outs[ns + 1].shape, 'float32'),
    store(dh, outs[ns + 2].shape, 'float32'),
  ];
};

export const lstmSequenceKernels: Partial<FusedKernelTable> = {
  LSTMSequence: lstmSequence,
  LSTMSequenceGrad: lstmSequenceGrad,
};
