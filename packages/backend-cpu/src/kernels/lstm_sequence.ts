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
import type { FusedKernelTable, TensorInfo } from '@tapeflow/core';
import { contiguousOf, store } from '../storage.js';
import { matmulRuntime, scratch, type MatmulRuntime } from '../wasm/runtime.js';
import { sigmoidF32, tanhF32 } from './fast_math.js';
import { MR, NR, gemmAt, packInto, packedFloats } from './matmul_wasm.js';

const f32 = (t: TensorInfo): { data: Float32Array; offset: number } => {
  const { data, offset } = contiguousOf(t);
  return { data: data as Float32Array, offset };
};
/** A fresh copy of a [B, u] tensor's values (the kernel updates it in place). */
const copyOf = (t: TensorInfo, n: number): Float32Array => {
  const { data, offset } = f32(t);
  return data.slice(offset, offset + n);
};

/**
 * The kernel's region of the module's memory, laid out from named sizes (floats, each range
 * 16-byte aligned for the module's vector loads): `at` gives each range's first float.
 */
function region<K extends string>(op: string, sizes: Record<K, number>): { mem: Float32Array; at: Record<K, number> } {
  let total = 0;
  const at = {} as Record<K, number>;
  for (const k of Object.keys(sizes) as K[]) {
    at[k] = total;
    total += Math.ceil(sizes[k] / 4) * 4;
  }
  const s = scratch(total);
  if (s === null) throw new Error(`${op}: the WebAssembly memory cannot hold the kernel's ${total * 4} bytes`);
  for (const k of Object.keys(at) as K[]) at[k] += s.base;
  return { mem: s.mem, at };
}

/** Packs a lines x depth matrix that already sits in the module's memory at float `src`. */
function packHere(
  rt: MatmulRuntime,
  src: number,
  ls: number,
  ds: number,
  lines: number,
  depth: number,
  w: number,
  dst: number,
): void {
  rt.pack(src * 4, ls * 4, ds * 4, lines, depth, w, dst * 4, Math.abs(ds) <= Math.abs(ls) ? 1 : 0);
}

// One call site per loop, so TurboFan inlines the activation (see fast_math.ts's sigmoidRow).
function sigmoidInto(out: Float32Array, o: number, z: Float64Array, i: number, n: number): void {
  for (let t = 0; t < n; t++) out[o + t] = sigmoidF32(z[i + t]);
}
function tanhInto(out: Float32Array, o: number, z: Float64Array, i: number, n: number): void {
  for (let t = 0; t < n; t++) out[o + t] = tanhF32(z[i + t]);
}

const running = (lengths: Int32Array | null, t: number, b: number): boolean => lengths === null || t < lengths[b];

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
    wxP: projected ? 0 : packedFloats(G, d, NR),
    hA: packedFloats(B, u, MR),
    hC: packedFloats(B, 1, MR) * ldcG,
    h: B * u,
    xA: projected ? 0 : packedFloats(rows, d, MR),
    xC: projected ? 0 : packedFloats(rows, 1, MR) * ldcG,
    stage: Math.max(u * G, d * G, rows * d),
  });
  // Plain locals: the region's offsets are read in the inner loops.
  const { whP, wxP, hA, hC, h: hAt, xA, xC, stage } = at;
  const whD = f32(wh);
  // B operands: W_h [u, 4u] (line j = column j, element (j, p) at p 4u + j), W_x likewise.
  packInto(rt, mem, whD.data, whD.offset, 1, G, G, u, NR, whP, stage);
  const x = f32(ins[0]);
  let bias: Float32Array = new Float32Array(G);
  if (!projected) {
    const wx = f32(ins[1]);
    packInto(rt, mem, wx.data, wx.offset, 1, G, G, d, NR, wxP, stage);
    const bd = f32(ins[2]);
    bias = bd.data.subarray(bd.offset, bd.offset + G);
  }
  const outputs = new Float32Array(T * B * u),
    acts = new Float32Array(bound * B * G),
    cs = new Float32Array(bound * B * u);
  const c = copyOf(c0, B * u);
  mem.set(copyOf(h0, B * u), hAt);
  // A row's gate pre-activations and tanh(c'): one row at a time.
  const z = new Float64Array(G),
    tc = new Float32Array(u);

  for (let t0 = 0; t0 < bound; t0 += chunk) {
    const t1 = Math.min(bound, t0 + chunk);
    // The chunk's projections: rows of x (a view into its array, or the chunk's gemm in xC).
    let ps: Float32Array = x.data,
      pBase = x.offset + t0 * B * G,
      pStride = G;
    if (!projected) {
      const r = (t1 - t0) * B;
      if (d > 0) {
        packInto(rt, mem, x.data, x.offset + t0 * B * d, d, 1, r, d, MR, xA, stage);
        gemmAt(rt, xA, wxP, xC, r, G, d);
      } else mem.fill(0, xC, xC + r * ldcG);
      [ps, pBase, pStride] = [mem, xC, ldcG];
    }
    for (let t = t0; t < t1; t++) {
      packHere(rt, hAt, u, 1, B, u, MR, hA);
      gemmAt(rt, hA, whP, hC, B, G, u);
      for (let b = 0; b < B; b++) {
        const sb = (t * B + b) * u,
          cb = b * u;
        if (!running(lengths, t, b)) {
          cs.set(c.subarray(cb, cb + u), sb); // the carried state (acts stay 0, the output 0)
          continue;
        }
        const ab = (t * B + b) * G,
          pr = pBase + ((t - t0) * B + b) * pStride,
          hr = hC + b * ldcG;
        for (let j = 0; j < G; j++) z[j] = ps[pr + j] + bias[j] + mem[hr + j];
        for (let j = 2 * u; j < 3 * u; j++) z[j] += forgetBias;
        sigmoidInto(acts, ab, z, 0, u);
        tanhInto(acts, ab + u, z, u, u);
        sigmoidInto(acts, ab + 2 * u, z, 2 * u, 2 * u);
        for (let j = 0; j < u; j++) {
          const cn = c[cb + j] * acts[ab + 2 * u + j] + acts[ab + j] * acts[ab + u + j];
          c[cb + j] = cn;
          z[j] = c[cb + j]; // h' reads c' rounded to float32, as the per-step kernel does
        }
        cs.set(c.subarray(cb, cb + u), sb);
        tanhInto(tc, 0, z, 0, u);
        for (let j = 0; j < u; j++) {
          const h = tc[j] * acts[ab + 3 * u + j];
          outputs[sb + j] = h;
          mem[hAt + cb + j] = h;
        }
      }
    }
  }
  const hEnd = mem.slice(hAt, hAt + B * u);
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
  const ldcG = packedFloats(G, 1, NR),
    ldcU = packedFloats(u, 1, NR),
    ldcD = packedFloats(d, 1, NR),
    rows = chunk * B;
  const { mem, at } = region('LSTMSequenceGrad', {
    whT: packedFloats(u, G, NR),
    wxT: projected ? 0 : packedFloats(d, G, NR),
    dG: rows * G,
    dGA: packedFloats(B, G, MR),
    dhC: packedFloats(B, 1, MR) * ldcU,
    hR: rows * u,
    hRA: packedFloats(u, rows, MR),
    dGB: packedFloats(G, rows, NR),
    wC: packedFloats(u, 1, MR) * ldcG,
    dGX: projected ? 0 : packedFloats(rows, G, MR),
    dxC: projected ? 0 : packedFloats(rows, 1, MR) * ldcD,
    xA: projected ? 0 : packedFloats(d, rows, MR),
    wxC: projected ? 0 : packedFloats(d, 1, MR) * ldcG,
    stage: Math.max(u * G, d * G, rows * d),
  });
  const { whT, wxT, dG, dGA, dhC, hR, hRA, dGB, wC, dGX, dxC, xA, wxC, stage } = at;
  // B operands of the transposes: W_h^T [4u, u] (line l = row l of W_h, element (l, p) at l 4u + p), W_x^T likewise.
  const whD = f32(wh);
  packInto(rt, mem, whD.data, whD.offset, G, 1, u, G, NR, whT, stage);
  if (!projected && d > 0) {
    const wx = f32(ins[1]);
    packInto(rt, mem, wx.data, wx.offset, G, 1, d, G, NR, wxT, stage);
  }
  const x = f32(ins[0]);
  const outputs = f32(outputsI),
    acts = f32(actsI),
    cs = f32(csI),
    dy = f32(dyI),
    c0D = f32(c0),
    h0D = f32(h0);
  const [actsD, csD, dyD] = [acts.data, cs.data, dy.data];
  const dc = copyOf(dcI, B * u),
    dh = copyOf(dhI, B * u);
  const z = new Float64Array(u),
    tc = new Float32Array(u);
  const dSource = new Float32Array(T * B * (projected ? G : d));
  const dWh = new Float64Array(u * G),
    dWx = new Float64Array(d * G),
    db = new Float64Array(G);
  /** sum[l, j] += C[l, j] for an l x G product at float cAt. */
  const addInto = (sum: Float64Array, lines: number, cAt: number): void => {
    for (let l = 0; l < lines; l++) for (let j = 0; j < G; j++) sum[l * G + j] += mem[cAt + l * ldcG + j];
  };

  for (let t0 = Math.floor((bound - 1) / chunk) * chunk; t0 >= 0; t0 -= chunk) {
    const t1 = Math.min(bound, t0 + chunk),
      r = (t1 - t0) * B;
    for (let t = t1 - 1; t >= t0; t--) {
      const gBase = dG + (t - t0) * B * G;
      for (let b = 0; b < B; b++) {
        const g = gBase + b * G;
        if (!running(lengths, t, b)) {
          mem.fill(0, g, g + G); // dc and dh pass through unchanged
          continue;
        }
        const sb = (t * B + b) * u,
          ab = acts.offset + (t * B + b) * G,
          cb = b * u;
        const prev = t === 0 ? c0D.offset + cb : cs.offset + sb - B * u;
        const cPrev = t === 0 ? c0D.data : csD;
        for (let j = 0; j < u; j++) z[j] = csD[cs.offset + sb + j];
        tanhInto(tc, 0, z, 0, u);
        for (let j = 0; j < u; j++) {
          const si = actsD[ab + j],
            tj = actsD[ab + u + j],
            sf = actsD[ab + 2 * u + j],
            so = actsD[ab + 3 * u + j];
          const dhk = dyD[dy.offset + sb + j] + dh[cb + j];
          const dck = dc[cb + j] + dhk * so * (1 - tc[j] * tc[j]);
          mem[g + j] = dck * tj * si * (1 - si);
          mem[g + u + j] = dck * si * (1 - tj * tj);
          mem[g + 2 * u + j] = dck * cPrev[prev + j] * sf * (1 - sf);
          mem[g + 3 * u + j] = dhk * tc[j] * so * (1 - so);
          dc[cb + j] = dck * sf;
        }
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
      const o = outputs.offset;
      mem.set(outputs.data.subarray(o, o + r * u - B * u), hR + B * u);
    } else {
      const o = outputs.offset + (t0 - 1) * B * u;
      mem.set(outputs.data.subarray(o, o + r * u), hR);
    }
    packHere(rt, hR, 1, u, u, r, MR, hRA);
    packHere(rt, dG, 1, G, G, r, NR, dGB);
    gemmAt(rt, hRA, dGB, wC, u, G, r);
    addInto(dWh, u, wC);
    if (projected) {
      dSource.set(mem.subarray(dG, dG + r * G), t0 * B * G);
      continue;
    }
    // The source's share: dx = dG W_x^T, dW_x += x^T dG, db += the column sums of dG.
    for (let q = 0; q < r; q++) for (let j = 0; j < G; j++) db[j] += mem[dG + q * G + j];
    if (d === 0) continue;
    packHere(rt, dG, G, 1, r, G, MR, dGX);
    gemmAt(rt, dGX, wxT, dxC, r, d, G);
    for (let q = 0; q < r; q++) {
      const row = dxC + q * ldcD;
      dSource.set(mem.subarray(row, row + d), (t0 * B + q) * d);
    }
    packInto(rt, mem, x.data, x.offset + t0 * B * d, 1, d, d, r, MR, xA, stage);
    gemmAt(rt, xA, dGB, wxC, d, G, r);
    addInto(dWx, d, wxC);
  }
  const sourceGrads = projected
    ? [store(dSource, outs[0].shape, 'float32')]
    : [
        store(dSource, outs[0].shape, 'float32'),
        store(Float32Array.from(dWx), outs[1].shape, 'float32'),
        store(Float32Array.from(db), outs[2].shape, 'float32'),
      ];
  return [
    ...sourceGrads,
    store(Float32Array.from(dWh), outs[ns].shape, 'float32'),
    store(dc, outs[ns + 1].shape, 'float32'),
    store(dh, outs[ns + 2].shape, 'float32'),
  ];
};

export const lstmSequenceKernels: Partial<FusedKernelTable> = {
  LSTMSequence: lstmSequence,
  LSTMSequenceGrad: lstmSequenceGrad,
};
