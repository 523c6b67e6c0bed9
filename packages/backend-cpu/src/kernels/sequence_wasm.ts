/**
 * What the whole-sequence kernels (lstm_sequence.ts, gru_sequence.ts) share: their region of the
 * wasm module's memory, packing of matrices already in it, the row activations, TF1's masking,
 * and the source of each step's projections x W_x + b: forward a chunk of steps in one gemm
 * (Projection), backward the source's gradients a chunk at a time (SourceGrads).
 */
import type { DataId, OutInfo, TensorInfo } from '@tapeflow/core';
import { contiguousOf, makeArray, makeOutput, store } from '../storage.js';
import { scratch, type MatmulRuntime } from '../wasm/runtime.js';
import { sigmoidF32, tanhF32 } from './fast_math.js';
import { MR, NR, gemmAt, packInto, packedFloats } from './matmul_wasm.js';

export const f32 = (t: TensorInfo): { data: Float32Array; offset: number } => {
  const { data, offset } = contiguousOf(t);
  return { data: data as Float32Array, offset };
};

/**
 * The kernels' output arrays come from the backend's allocator (makeArray/makeOutput), so where
 * float32 tensors live in the module's memory the ops after a kernel read its outputs in place.
 */
export const zeroedOutput = (n: number): Float32Array => makeArray('float32', n) as Float32Array;

/** An output array holding a[at .. at + n) (a float64 source is rounded to float32). */
export function outputCopy(a: Float32Array | Float64Array, at = 0, n = a.length - at): Float32Array {
  const y = makeOutput('float32', n) as Float32Array;
  y.set(a.subarray(at, at + n));
  return y;
}

/** An output array holding the first n values of a tensor (the kernels update states in place). */
export const copyOf = (t: TensorInfo, n: number): Float32Array => {
  const { data, offset } = f32(t);
  return outputCopy(data, offset, n);
};

/**
 * A kernel's region of the module's memory, laid out from named sizes (floats, each range
 * 16-byte aligned for the module's vector loads): `at` gives each range's first float.
 */
export function region<K extends string>(
  op: string,
  sizes: Record<K, number>,
): { mem: Float32Array; at: Record<K, number> } {
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

/** Packs a lines x depth matrix already in the module's memory at float `src` (strides in floats). */
export function packHere(
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
export function sigmoidInto(out: Float32Array, o: number, z: Float64Array, i: number, n: number): void {
  for (let t = 0; t < n; t++) out[o + t] = sigmoidF32(z[i + t]);
}
export function tanhInto(out: Float32Array, o: number, z: Float64Array, i: number, n: number): void {
  for (let t = 0; t < n; t++) out[o + t] = tanhF32(z[i + t]);
}

/** TF1's masking: row b runs step t while t < lengths[b]. */
export const running = (lengths: Int32Array | null, t: number, b: number): boolean =>
  lengths === null || t < lengths[b];

/** The region ranges (floats) a Projection of `cols` columns needs, over chunks of `rows` rows. */
export const projectionSizes = (projected: boolean, d: number, cols: number, rows: number) => ({
  wxP: projected ? 0 : packedFloats(cols, d, NR),
  xA: projected ? 0 : packedFloats(rows, d, MR),
  xC: projected ? 0 : packedFloats(rows, 1, MR) * packedFloats(cols, 1, NR),
});

/**
 * Each step's projections, a chunk at a time: the given p [T, B, cols] read in place, or x W_x
 * computed for the chunk into xC (W_x packed once); the bias is added by the caller's gate loop
 * (zeros for given projections). After chunk(t0, t1), step t's row b starts at
 * ps[base + ((t - t0) B + b) stride].
 */
export class Projection {
  ps: Float32Array;
  base = 0;
  stride: number;
  readonly bias: Float32Array;
  private readonly x: { data: Float32Array; offset: number };
  private readonly d: number;

  constructor(
    private readonly rt: MatmulRuntime,
    private readonly mem: Float32Array,
    ins: TensorInfo[],
    private readonly projected: boolean,
    private readonly B: number,
    private readonly cols: number,
    private readonly at: { wxP: number; xA: number; xC: number; stage: number },
  ) {
    this.x = f32(ins[0]);
    this.d = projected ? 0 : ins[0].shape[2];
    this.ps = this.x.data;
    this.stride = cols;
    this.bias = new Float32Array(cols); // given projections carry their bias
    if (!projected) {
      const wx = f32(ins[1]);
      // B operand W_x [d, cols]: line j = column j, element (j, p) at p cols + j.
      packInto(rt, mem, wx.data, wx.offset, 1, cols, cols, this.d, NR, at.wxP, at.stage);
      const b = f32(ins[2]);
      this.bias = b.data.slice(b.offset, b.offset + cols);
    }
  }

  chunk(t0: number, t1: number): void {
    const { B, cols, x, d, at, mem } = this;
    if (this.projected) {
      this.base = x.offset + t0 * B * cols;
      return;
    }
    const r = (t1 - t0) * B,
      ldc = packedFloats(cols, 1, NR);
    if (d > 0) {
      packInto(this.rt, mem, x.data, x.offset + t0 * B * d, d, 1, r, d, MR, at.xA, at.stage);
      gemmAt(this.rt, at.xA, at.wxP, at.xC, r, cols, d);
    } else mem.fill(0, at.xC, at.xC + r * ldc);
    [this.ps, this.base, this.stride] = [mem, at.xC, ldc];
  }
}

/** The region ranges (floats) SourceGrads needs. */
export const sourceGradSizes = (projected: boolean, d: number, cols: number, rows: number) => ({
  wxT: projected ? 0 : packedFloats(d, cols, NR),
  dPB: projected ? 0 : packedFloats(cols, rows, NR),
  dPX: projected ? 0 : packedFloats(rows, cols, MR),
  dxC: projected ? 0 : packedFloats(rows, 1, MR) * packedFloats(d, 1, NR),
  xT: projected ? 0 : packedFloats(d, rows, MR),
  wxC: projected ? 0 : packedFloats(d, 1, MR) * packedFloats(cols, 1, NR),
});

/**
 * The gradients of the source from each chunk's projection gradients dP [r, cols] (rows of
 * the module's memory): dp itself, or dx = dP W_x^T, dW_x += x^T dP and db += the column sums.
 */
export class SourceGrads {
  private readonly dSource: Float32Array;
  private readonly dWx: Float64Array;
  private readonly db: Float64Array;
  private readonly x: { data: Float32Array; offset: number };
  private readonly d: number;

  constructor(
    private readonly rt: MatmulRuntime,
    private readonly mem: Float32Array,
    ins: TensorInfo[],
    private readonly projected: boolean,
    T: number,
    private readonly B: number,
    private readonly cols: number,
    private readonly at: Record<keyof ReturnType<typeof sourceGradSizes> | 'stage', number>,
  ) {
    this.x = f32(ins[0]);
    this.d = projected ? 0 : ins[0].shape[2];
    this.dSource = zeroedOutput(T * B * (projected ? cols : this.d));
    this.dWx = new Float64Array(this.d * cols);
    this.db = new Float64Array(projected ? 0 : cols);
    if (!projected && this.d > 0) {
      const wx = f32(ins[1]);
      // B operand W_x^T [cols, d]: line l = row l of W_x, element (l, p) at l cols + p.
      packInto(rt, mem, wx.data, wx.offset, cols, 1, this.d, cols, NR, at.wxT, at.stage);
    }
  }

  /** Adds the share of steps [t0, t0 + r / B), whose dP rows [r, cols] sit at float dP. */
  add(t0: number, r: number, dP: number): void {
    const { rt, mem, at, cols, B, d } = this;
    if (this.projected) {
      this.dSource.set(mem.subarray(dP, dP + r * cols), t0 * B * cols);
      return;
    }
    columnSums(this.db, mem, dP, r, cols);
    if (d === 0) return;
    const ldcD = packedFloats(d, 1, NR);
    packHere(rt, dP, cols, 1, r, cols, MR, at.dPX);
    gemmAt(rt, at.dPX, at.wxT, at.dxC, r, d, cols);
    for (let q = 0; q < r; q++) {
      const row = at.dxC + q * ldcD;
      this.dSource.set(mem.subarray(row, row + d), (t0 * B + q) * d);
    }
    packInto(rt, mem, this.x.data, this.x.offset + t0 * B * d, 1, d, d, r, MR, at.xT, at.stage);
    packHere(rt, dP, 1, cols, cols, r, NR, at.dPB);
    gemmAt(rt, at.xT, at.dPB, at.wxC, d, cols, r);
    addProduct(this.dWx, mem, at.wxC, d, cols);
  }

  /** The source's gradients: [dp] or [dx, dwx, db]. */
  results(outs: OutInfo[]): DataId[] {
    const dS = store(this.dSource, outs[0].shape, 'float32');
    if (this.projected) return [dS];
    return [
      dS,
      store(outputCopy(this.dWx), outs[1].shape, 'float32'),
      store(outputCopy(this.db), outs[2].shape, 'float32'),
    ];
  }
}

/** sum[l, j] += C[l, j] for the lines x cols product at float cAt (rows of packedFloats(cols, 1, NR) floats). */
export function addProduct(sum: Float64Array, mem: Float32Array, cAt: number, lines: number, cols: number): void {
  addRows(sum, mem, cAt, lines, cols, packedFloats(cols, 1, NR));
}

// The loop apart from the call above (an inlined call without type feedback deoptimized it on every kernel call).
function addRows(sum: Float64Array, mem: Float32Array, cAt: number, lines: number, cols: number, ldc: number): void {
  for (let l = 0; l < lines; l++) for (let j = 0; j < cols; j++) sum[l * cols + j] += mem[cAt + l * ldc + j];
}

/** sum[j] += the sum over rows of the rows x cols matrix at float at. */
function columnSums(sum: Float64Array, mem: Float32Array, at: number, rows: number, cols: number): void {
  for (let q = 0; q < rows; q++) for (let j = 0; j < cols; j++) sum[j] += mem[at + q * cols + j];
}
