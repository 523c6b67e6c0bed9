/**
 * The differential harness: one table row per public op says how to draw its arguments and how
 * to call it in tapeflow (`tp`) and in TensorFlow.js (`tj`, tfjs-core on tfjs-backend-cpu, the
 * independent oracle). Each drawn case compares the values, the first-order gradients (a
 * vector-Jacobian product with fixed weights) and, for rows marked `order2`, the second-order
 * ones. Both sides compute in float32 from the same float32-exact inputs.
 *
 * Where tapeflow deliberately follows TensorFlow instead of tfjs, a row lists the difference
 * in `follows`: a predicate on the case or on one element, and the section of
 * docs/tfjs-differences.md that explains it. Only what a predicate names is left out of the
 * comparison; everything else must still agree.
 */
import fc from 'fast-check';
import * as tp from '@tapeflow/core';
import { grads as tpGrads } from '@tapeflow/autograd';
import * as tj from '@tensorflow/tfjs-core';

export type DType = 'float32' | 'int32' | 'bool';
export interface Arr {
  shape: number[];
  data: number[];
  dtype: DType;
}
export interface Case<A> {
  xs: Arr[];
  a: A;
}

/** Where the oracle is not the reference: `doc` is the heading of docs/tfjs-differences.md. */
export interface Follows<A> {
  doc: string;
  /** The whole case (value and gradients) is TensorFlow's, not tfjs's. */
  whole?: (c: Case<A>) => boolean;
  /** Only the gradients of this case. */
  grad?: (c: Case<A>) => boolean;
  /** Elementwise ops: gradient elements whose input value(s) satisfy this are TensorFlow's. */
  gradAt?: (...v: number[]) => boolean;
  /** Elementwise ops: like gradAt, for the second-order gradients only. */
  order2At?: (...v: number[]) => boolean;
  /** Elementwise ops: value elements whose input value(s) satisfy this are TensorFlow's. */
  valueAt?: (...v: number[]) => boolean;
}

export interface Row<A = unknown> {
  name: string;
  args: fc.Arbitrary<Case<A>>;
  tp: (xs: tp.Tensor[], a: A) => tp.Tensor | tp.Tensor[];
  tj: (xs: tj.Tensor[], a: A) => tj.Tensor | tj.Tensor[];
  /** Indices of the float inputs to differentiate (none: no gradient check). */
  grad?: number[];
  /** Second-order gradients too (elementwise transcendentals). */
  order2?: boolean;
  tol?: Tol;
  /** A tolerance that depends on the case (sums: proportional to the sum of |terms|). */
  tolOf?: (c: Case<A>) => Tol;
  follows?: Follows<A>[];
  /** The first-order gradients in differentiable tfjs ops, given the output weights (for order2). */
  tjGrad?: (xs: tj.Tensor[], w: tj.Tensor, c: Case<A>) => tj.Tensor[];
  runs?: number;
}

export interface Tol {
  rtol: number;
  atol: number;
}
export const TOL = {
  exact: { rtol: 0, atol: 0 },
  arith: { rtol: 2e-6, atol: 1e-6 },
  transcendental: { rtol: 2e-5, atol: 1e-6 },
  sum: { rtol: 1e-5, atol: 1e-4 },
} as const;

// ---- values and shapes -------------------------------------------------------------------------

/** 0, -0, NaN, ±Infinity, the float32 extremes, a subnormal: the values that break kernels. */
export const SPECIAL = [
  0,
  -0,
  NaN,
  Infinity,
  -Infinity,
  3.4028234663852886e38,
  -3.4028234663852886e38,
  1.1754943508222875e-38,
  -1e-40,
  1e-45,
];

export interface ValueOpts {
  lo?: number;
  hi?: number;
  specials?: boolean;
  ints?: boolean;
}
/** float32 values in [lo, hi] with the SPECIAL values mixed in (1 in 5) unless specials is false. */
export function valueArb({ lo = -10, hi = 10, specials = true, ints = false }: ValueOpts = {}): fc.Arbitrary<number> {
  const base = ints
    ? fc.integer({ min: Math.ceil(lo), max: Math.floor(hi) })
    : fc.float({ min: Math.fround(lo), max: Math.fround(hi), noNaN: true, noDefaultInfinity: true }).map(Math.fround);
  if (!specials) return base;
  return fc.oneof({ arbitrary: base, weight: 4 }, { arbitrary: fc.constantFrom(...SPECIAL), weight: 1 });
}

/** Dims: 0 rarely, 1 often (broadcasting), up to 4. */
export const dim = fc.oneof(
  { arbitrary: fc.constant(0), weight: 1 },
  { arbitrary: fc.constant(1), weight: 3 },
  { arbitrary: fc.integer({ min: 2, max: 4 }), weight: 6 },
);
export const shapeArb = (minRank = 0, maxRank = 4, d: fc.Arbitrary<number> = dim): fc.Arbitrary<number[]> =>
  fc.array(d, { minLength: minRank, maxLength: maxRank });

const size = (s: readonly number[]): number => s.reduce((n, d) => n * d, 1);

export function arrArb(shape: number[], dtype: DType = 'float32', v: ValueOpts = {}): fc.Arbitrary<Arr> {
  const value =
    dtype === 'bool'
      ? fc.integer({ min: 0, max: 1 })
      : dtype === 'int32'
        ? fc.integer({ min: v.lo ?? -20, max: v.hi ?? 20 })
        : valueArb(v);
  return fc.array(value, { minLength: size(shape), maxLength: size(shape) }).map((data) => ({ shape, data, dtype }));
}

/** A shape that broadcasts to `out`: leading dims dropped, some dims set to 1. */
export const broadcastableTo = (out: readonly number[]): fc.Arbitrary<number[]> =>
  fc
    .tuple(
      fc.integer({ min: 0, max: out.length }),
      fc.array(fc.boolean(), { minLength: out.length, maxLength: out.length }),
    )
    .map(([drop, ones]) => out.slice(drop).map((d, i) => (ones[i + drop] ? 1 : d)));

export const axisOf = (rank: number): fc.Arbitrary<number> =>
  fc.tuple(fc.integer({ min: 0, max: Math.max(0, rank - 1) }), fc.boolean()).map(([a, neg]) => (neg ? a - rank : a));

// ---- running both sides --------------------------------------------------------------------------

const tpT = (a: Arr): tp.Tensor =>
  tp.tensor(
    a.data.map((v) => (a.dtype === 'bool' ? v !== 0 : v)),
    a.shape,
    a.dtype,
  );
const tjT = (a: Arr): tj.Tensor =>
  tj.tensor(a.dtype === 'bool' ? a.data.map((v) => v !== 0) : a.data, a.shape, a.dtype);
const list = <T>(x: T | T[]): T[] => (Array.isArray(x) ? x : [x]);

/** Fixed weights for the vector-Jacobian products, sign changes included. */
const weights = (n: number, k: number): number[] =>
  Array.from({ length: n }, (_, i) => ((((i + 3 * k) * 37) % 11) - 5) / 4 + 0.5);

interface Result {
  shape: number[];
  dtype: string;
  data: ArrayLike<number>;
}
const tpRead = (t: tp.Tensor): Result => ({ shape: [...t.shape], dtype: t.dtype, data: t.dataSync() });
const tjRead = (t: tj.Tensor): Result => ({ shape: [...t.shape], dtype: t.dtype, data: t.dataSync() });

/** Runs f on both sides; an error on one side must be an error on the other. */
function both<T>(what: string, ftp: () => T, ftj: () => T): [T, T] | null {
  let a: T | Error, b: T | Error;
  try {
    a = ftp();
  } catch (e) {
    a = e as Error;
  }
  try {
    b = ftj();
  } catch (e) {
    b = e as Error;
  }
  if (a instanceof Error && b instanceof Error) return null;
  if (a instanceof Error) throw new Error(`${what}: tapeflow threw where tfjs did not: ${a.message}`);
  if (b instanceof Error) throw new Error(`${what}: tfjs threw where tapeflow did not: ${b.message}`);
  return [a, b];
}

export class Mismatch extends Error {}
const scale = (t: Tol, k: number): Tol => ({ rtol: t.rtol * k, atol: t.atol * k });

function compare(
  what: string,
  got: Result[],
  want: Result[],
  tol: Tol,
  skip?: (i: number) => boolean,
  xs: Arr[] = [],
): void {
  if (got.length !== want.length) throw new Mismatch(`${what}: ${got.length} outputs, tfjs has ${want.length}`);
  got.forEach((g, k) => {
    const w = want[k];
    if (g.shape.join() !== w.shape.join())
      throw new Mismatch(`${what} output ${k}: shape [${g.shape}], tfjs [${w.shape}]`);
    if (g.dtype !== w.dtype) throw new Mismatch(`${what} output ${k}: dtype ${g.dtype}, tfjs ${w.dtype}`);
    for (let i = 0; i < g.data.length; i++) {
      if (skip?.(i)) continue;
      const a = g.data[i],
        e = w.data[i];
      if (Number.isNaN(a) && Number.isNaN(e)) continue;
      if (a === e) continue;
      if (!(Math.abs(a - e) <= tol.atol + tol.rtol * Math.abs(e))) {
        const at = xs.every((x) => x.data.length === g.data.length)
          ? ` at input ${xs.map((x) => x.data[i]).join(', ')}`
          : '';
        throw new Mismatch(
          `${what} output ${k}: element ${i} is ${a}, tfjs ${e}${at} (rtol ${tol.rtol}, atol ${tol.atol}); ` +
            `tapeflow [${Array.from(g.data).slice(0, 8)}], tfjs [${Array.from(w.data).slice(0, 8)}]`,
        );
      }
    }
  });
}

/** Elementwise ops: the flat index into x (broadcast to outShape) behind output element i. */
function inputIndex(x: Arr, outShape: number[], i: number): number {
  const idx: number[] = [];
  let r = i;
  for (let d = outShape.length - 1; d >= 0; d--) {
    idx.unshift(r % outShape[d]);
    r = Math.floor(r / outShape[d]);
  }
  const off = outShape.length - x.shape.length;
  let flat = 0;
  x.shape.forEach((d, k) => {
    flat = flat * d + (d === 1 ? 0 : idx[k + off]);
  });
  return flat;
}
const elementInputs = (xs: Arr[], outShape: number[], i: number): number[] =>
  xs.map((x) => x.data[inputIndex(x, outShape, i)]);

/** Elementwise ops: the elements of xs[k] that reach an output element whose inputs satisfy `at`. */
function flagged(xs: Arr[], k: number, outShape: number[], at: (...v: number[]) => boolean): Set<number> {
  const out = new Set<number>();
  for (let i = 0; i < size(outShape); i++)
    if (at(...elementInputs(xs, outShape, i))) out.add(inputIndex(xs[k], outShape, i));
  return out;
}

/** Compares one case (values, gradients, leaks); throws a Mismatch naming what differs. */
export function checkCase<A>(row: Row<A>, c: Case<A>): void {
  const tol = row.tolOf?.(c) ?? row.tol ?? TOL.arith;
  const follows = row.follows ?? [];
  if (follows.some((f) => f.whole?.(c))) return;
  const valueSkip = follows.filter((f) => f.valueAt);
  const before = tp.memory().numTensors;
  tp.tidy(() =>
    tj.tidy(() => {
      const xsTp = c.xs.map(tpT),
        xsTj = c.xs.map(tjT);
      const out = both(
        row.name,
        () => list(row.tp(xsTp, c.a)).map(tpRead),
        () => list(row.tj(xsTj, c.a)).map(tjRead),
      );
      if (out === null) return; // both reject the arguments
      const [got, want] = out;
      const skipValue =
        valueSkip.length === 0
          ? undefined
          : (i: number) => valueSkip.some((f) => f.valueAt!(...elementInputs(c.xs, got[0].shape, i)));
      compare(`${row.name} value`, got, want, tol, skipValue, c.xs);
      const diff = (row.grad ?? []).filter((i) => i < c.xs.length && c.xs[i].dtype === 'float32');
      if (diff.length === 0 || follows.some((f) => f.grad?.(c))) return;
      const gradSkip = follows.filter((f) => f.gradAt);
      // Loss = sum_k sum(out_k * w_k): its gradient is the VJP with the weights as dy.
      const lossOf = <T>(outs: T[], mul: (a: T, k: number) => T, add: (a: T, b: T) => T): T =>
        outs.map(mul).reduce(add);
      const fTp = (...ds: tp.Tensor[]): tp.Tensor => {
        const args = xsTp.map((x, i) => (diff.includes(i) ? ds[diff.indexOf(i)] : x));
        return lossOf(
          list(row.tp(args, c.a)),
          (o, k) => tp.sum(tp.mul(o, tp.tensor(weights(o.size, k), o.shape))),
          tp.add,
        );
      };
      const fTj = (...ds: tj.Tensor[]): tj.Tensor => {
        const args = xsTj.map((x, i) => (diff.includes(i) ? ds[diff.indexOf(i)] : x));
        return lossOf(
          list(row.tj(args, c.a)),
          (o, k) => tj.sum(tj.mul(o, tj.tensor(weights(o.size, k), o.shape))),
          tj.add,
        );
      };
      const dTp = diff.map((i) => xsTp[i]),
        dTj = diff.map((i) => xsTj[i]);
      const g = both(
        `${row.name} gradient`,
        () => tpGrads(fTp)(dTp).map(tpRead),
        () => tj.grads(fTj)(dTj).map(tjRead),
      );
      if (g === null) return;
      const skipper = (which: Follows<A>[]) => (k: number) => {
        if (which.length === 0) return undefined;
        const sets = which.map((f) => flagged(c.xs, diff[k], got[0].shape, (f.gradAt ?? f.order2At)!));
        return (i: number) => sets.some((set) => set.has(i));
      };
      const skipGrad = skipper(gradSkip);
      const skipGrad2 = skipper([...gradSkip, ...follows.filter((f) => f.order2At)]);
      g[0].forEach((gk, k) =>
        compare(`${row.name} d/dx${diff[k]}`, [gk], [g[1][k]], scale(tol, 10), skipGrad(k), c.xs),
      );
      if (!row.order2) return;
      // Second order: d/dx of sum(w' * dLoss/dx_k) for each k. tfjs cannot differentiate some of its
      // own gradients (exp, tanh, sigmoid reuse their output; pow's reads Greater), so a row may
      // give its first-order gradient written in differentiable tfjs ops (`tjGrad`).
      const outW = got.map((o, k) => tj.tensor(weights(o.data.length, k), o.shape));
      const firstTj = (ds: tj.Tensor[]): tj.Tensor[] => (row.tjGrad ? row.tjGrad(ds, outW[0], c) : tj.grads(fTj)(ds));
      diff.forEach((_, k) => {
        const w2 = (t: { size: number; shape: number[] }) => weights(t.size, 7);
        const s = both(
          `${row.name} second order`,
          () =>
            tpGrads((...ds: tp.Tensor[]) => {
              const gk = tpGrads(fTp)(ds)[k];
              return tp.sum(tp.mul(gk, tp.tensor(w2(gk), gk.shape)));
            })(dTp).map(tpRead),
          () =>
            tj
              .grads((...ds: tj.Tensor[]) => {
                const gk = firstTj(ds)[k];
                return tj.sum(tj.mul(gk, tj.tensor(w2(gk), gk.shape)));
              })(dTj)
              .map(tjRead),
        );
        if (s === null) return;
        s[0].forEach((sk, j) =>
          compare(`${row.name} d/dx${diff[j]} d/dx${diff[k]}`, [sk], [s[1][j]], scale(tol, 100), skipGrad2(j), c.xs),
        );
      });
    }),
  );
  const after = tp.memory().numTensors;
  if (after !== before) throw new Mismatch(`${row.name}: tapeflow leaked ${after - before} tensors`);
}
