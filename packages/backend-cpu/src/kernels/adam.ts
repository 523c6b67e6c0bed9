/**
 * The fused Adam update (core's AdamUpdate, used by autograd's AdamOptimizer): one pass over
 * param, m, v and grad instead of ten elementwise ops, each a full pass with its own output.
 * float32 tensors of WASM_MIN_ELEMENTS or more run elementwise.wat's `adam` in f32x4 (in place
 * on heap arrays); the TypeScript loop below is the readable reference and serves the rest
 * (float64, small tensors, `elementwisePaths.forceTs`). Both round every operation to the
 * dtype in the composed ops' order, so all three agree bit for bit (tested).
 */
import { sizeOf, type AdamAttrs, type FusedKernelTable, type TypedArray } from '@tapeflow/core';
import { contiguousOf, makeArray, store } from '../storage.js';
import { elementwisePaths, inMemory, padded, WASM_MIN_ELEMENTS } from './elementwise_wasm.js';
import { elementwiseRuntime } from '../wasm/runtime.js';

type Slice = { data: TypedArray; offset: number };

/** The TypeScript reference: `r` rounds to the dtype (Math.fround for float32, nothing for float64). */
function adamLoop(
  [p, m, v, g]: Slice[],
  [P, M, V]: TypedArray[],
  n: number,
  { beta1, beta2, lrT, epsilon }: AdamAttrs,
  r: (x: number) => number,
): void {
  const b1 = r(beta1),
    c1 = r(1 - beta1),
    b2 = r(beta2),
    c2 = r(1 - beta2),
    lr = r(lrT),
    eps = r(epsilon);
  for (let i = 0; i < n; i++) {
    const gi = g.data[g.offset + i];
    const mi = r(r(m.data[m.offset + i] * b1) + r(gi * c1));
    const vi = r(r(v.data[v.offset + i] * b2) + r(r(gi * gi) * c2));
    M[i] = mi;
    V[i] = vi;
    P[i] = r(p.data[p.offset + i] - r(r(mi / r(r(Math.sqrt(vi)) + eps)) * lr));
  }
}

function adamWasm(ins: Slice[], n: number, a: AdamAttrs): Float32Array[] | null {
  const fns = elementwiseRuntime();
  if (fns === null || elementwisePaths.forceTs || n < WASM_MIN_ELEMENTS) return null;
  if (!ins.every((s) => s.data instanceof Float32Array)) return null;
  const ops = ins.map((s) => ({ x: s.data as Float32Array, from: s.offset, n }));
  const f = Math.fround;
  return inMemory(ops, n, 3, ([p, m, v, g], [pOut, mOut, vOut]) =>
    fns.adam(
      p,
      m,
      v,
      g,
      pOut,
      mOut,
      vOut,
      padded(n),
      a.beta1,
      f(1 - a.beta1),
      a.beta2,
      f(1 - a.beta2),
      a.lrT,
      a.epsilon,
    ),
  );
}

const adamUpdate: FusedKernelTable['AdamUpdate'] = (inputs, attrs, outs) => {
  const n = sizeOf(outs[0].shape),
    dtype = outs[0].dtype;
  const ins = inputs.map((t) => contiguousOf(t));
  let ys: TypedArray[] | null = dtype === 'float32' ? adamWasm(ins, n, attrs) : null;
  if (ys === null) {
    ys = outs.map((o) => makeArray(o.dtype, n));
    adamLoop(ins, ys, n, attrs, dtype === 'float32' ? Math.fround : (x) => x);
  }
  return ys.map((y, i) => store(y, outs[i].shape, outs[i].dtype));
};

export const adamKernels: Partial<FusedKernelTable> = { AdamUpdate: adamUpdate };
