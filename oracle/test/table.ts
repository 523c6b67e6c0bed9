/**
 * Every public op of @tapeflow/core, one row each: how to draw its arguments and how to call it
 * in tapeflow and in tfjs. A new op is one line with the helper that fits (unary, binary,
 * reduce) or one `row({...})`. Where tapeflow follows TensorFlow instead of tfjs, `follows`
 * names the section of docs/tfjs-differences.md.
 */
import fc from 'fast-check';
import * as tp from '@tapeflow/core';
import * as tj from '@tensorflow/tfjs-core';
import {
  TOL,
  arrArb,
  axisOf,
  broadcastableTo,
  shapeArb,
  valueArb,
  type Arr,
  type Case,
  type DType,
  type Follows,
  type Row,
  type Tol,
  type ValueOpts,
} from './oracle.js';

const F: DType = 'float32',
  I: DType = 'int32',
  B: DType = 'bool';
const row = <A>(r: Row<A>): Row => r as unknown as Row;
const one = (x: Arr): Case<null> => ({ xs: [x], a: null });

interface Opts {
  dtypes?: DType[];
  values?: ValueOpts;
  grad?: boolean;
  order2?: boolean;
  tol?: Tol;
  follows?: Follows<null>[];
  tjGrad?: Row<null>['tjGrad'];
}

/** x -> f(x), any shape. */
function unary(name: string, ftp: (x: tp.Tensor) => tp.Tensor, ftj: (x: tj.Tensor) => tj.Tensor, o: Opts = {}): Row {
  const args = fc
    .tuple(shapeArb(), fc.constantFrom(...(o.dtypes ?? [F])))
    .chain(([s, dt]) => arrArb(s, dt, o.values))
    .map(one);
  return row({
    name,
    args,
    tp: ([x]) => ftp(x),
    tj: ([x]) => ftj(x),
    grad: o.grad === false ? [] : [0],
    order2: o.order2,
    tol: o.tol,
    follows: o.follows,
    tjGrad: o.tjGrad,
  });
}

/** (a, b) -> f(a, b) with shapes that broadcast. */
function binary(
  name: string,
  ftp: (a: tp.Tensor, b: tp.Tensor) => tp.Tensor,
  ftj: (a: tj.Tensor, b: tj.Tensor) => tj.Tensor,
  o: Opts & { valuesB?: ValueOpts } = {},
): Row {
  const args = fc
    .tuple(shapeArb(), fc.constantFrom(...(o.dtypes ?? [F])))
    .chain(([s, dt]) => fc.tuple(broadcastableTo(s), broadcastableTo(s), fc.constant(dt)))
    .chain(([sa, sb, dt]) => fc.tuple(arrArb(sa, dt, o.values), arrArb(sb, dt, o.valuesB ?? o.values)))
    .map((xs): Case<null> => ({ xs, a: null }));
  return row({
    name,
    args,
    tp: ([a, b]) => ftp(a, b),
    tj: ([a, b]) => ftj(a, b),
    grad: o.grad === false ? [] : [0, 1],
    order2: o.order2,
    tol: o.tol,
    follows: [EMPTY_BROADCAST, ...(o.follows ?? [])],
    tjGrad: o.tjGrad,
  });
}

/** x -> f(x, axis) for one axis; tfjs only takes the last, so its side transposes there and back. */
function alongAxis(
  name: string,
  ftp: (x: tp.Tensor, axis: number) => tp.Tensor,
  ftj: (x: tj.Tensor) => tj.Tensor,
): Row {
  const args = shapeArb(1).chain((s) =>
    fc.record({ xs: arrArb(s, F, { specials: false }).map((x) => [x]), a: axisOf(s.length) }),
  );
  return row<number>({
    name,
    args,
    tp: ([x], axis) => ftp(x, axis),
    grad: [0],
    tol: TOL.transcendental,
    tj: ([x], axis) => {
      const a = (axis + x.rank) % x.rank;
      const perm = [...Array(x.rank).keys()].map((i) => (i === a ? x.rank - 1 : i === x.rank - 1 ? a : i));
      return tj.transpose(ftj(tj.transpose(x, perm)), perm);
    },
  });
}

type Axes = { axis: number | number[] | undefined; keepDims: boolean };
/** x -> f(x, axis, keepDims), axis undefined, one axis (maybe negative) or a list. */
function reduce(
  name: string,
  ftp: (x: tp.Tensor, axis: number | number[] | undefined, k: boolean) => tp.Tensor,
  ftj: (x: tj.Tensor, axis: number | number[] | undefined, k: boolean) => tj.Tensor,
  o: Omit<Opts, 'follows'> & { follows?: Follows<Axes>[] } = {},
): Row {
  const args = fc.tuple(shapeArb(), fc.constantFrom(...(o.dtypes ?? [F]))).chain(([s, dt]) =>
    fc.record({
      xs: arrArb(s, dt, o.values).map((x) => [x]),
      a: fc.record({
        axis:
          s.length === 0
            ? fc.constant(undefined)
            : fc.oneof(
                fc.constant(undefined),
                axisOf(s.length),
                fc.uniqueArray(fc.integer({ min: 0, max: s.length - 1 }), { minLength: 1, maxLength: s.length }),
              ),
        keepDims: fc.boolean(),
      }),
    }),
  );
  return row<Axes>({
    name,
    args,
    tp: ([x], a) => ftp(x, a.axis, a.keepDims),
    tj: ([x], a) => ftj(x, a.axis, a.keepDims),
    grad: o.grad === false ? [] : [0],
    tolOf: sumTol,
    follows: o.follows,
  });
}

/** A float32 sum is within ~n·2^-24·Σ|terms| of the exact one in any order: huge terms make it loose. */
const sumTol = (c: Case<unknown>): Tol => {
  const abs = c.xs[0].data.reduce((t, v) => (Number.isFinite(v) ? t + Math.abs(v) : t), 0);
  return { rtol: TOL.sum.rtol, atol: TOL.sum.atol + 1e-5 * abs };
};
const isEmpty = (c: Case<unknown>): boolean => c.xs.some((x) => x.data.length === 0);
const reducedEmpty = (c: Case<Axes>): boolean => {
  const s = c.xs[0].shape;
  const axes =
    c.a.axis === undefined
      ? s.map((_, i) => i)
      : (Array.isArray(c.a.axis) ? c.a.axis : [c.a.axis]).map((a) => (a + s.length) % Math.max(1, s.length));
  return axes.some((a) => s[a] === 0);
};
const hasTies = (c: Case<unknown>): boolean => {
  const d = c.xs[0].data.filter((v) => !Number.isNaN(v));
  return new Set(d.map((v) => (Object.is(v, -0) ? 0 : v))).size < d.length;
};
const hasNaN = (c: Case<unknown>): boolean => c.xs.some((x) => x.data.some(Number.isNaN));

/** g summed over the axes along which `shape` was broadcast to g's shape. */
function unbroadcastTj(g: tj.Tensor, shape: number[]): tj.Tensor {
  const lead = g.rank - shape.length;
  const axes = g.shape.flatMap((d, i) => (i < lead || (shape[i - lead] === 1 && d !== 1) ? [i] : []));
  return tj.reshape(axes.length ? tj.sum(g, axes) : g, shape);
}
/** A unary op's first-order gradient w * f'(x), for tfjs to differentiate again. */
const derivative =
  (d: (x: tj.Tensor) => tj.Tensor): Row<null>['tjGrad'] =>
  ([x], w) => [tj.mul(w, d(x))];
/** TF's _PowGrad: b a^(b-1) and a^b log(a), log(a) taken as 0 where a <= 0 (mask from the data). */
const powGrad: Row<null>['tjGrad'] = ([a, b], w, c) => {
  const positive = tj.tensor(
    c.xs[0].data.map((v) => v > 0),
    c.xs[0].shape,
    'bool',
  );
  const logA = tj.where(positive, tj.log(tj.where(positive, a, tj.onesLike(a))), tj.zerosLike(a));
  return [
    unbroadcastTj(tj.mul(w, tj.mul(b, tj.pow(a, tj.sub(b, 1)))), a.shape),
    unbroadcastTj(tj.mul(w, tj.mul(tj.pow(a, b), logA)), b.shape),
  ];
};
/** v² is below float32's normal range or overflows: where a / b² and (a / b) / b part ways. */
const squareLeavesRange = (v: number): boolean => {
  const s = Math.fround(v * v);
  return s < 1.1754943508222875e-38 || s === Infinity;
};
const DIVISOR = 'the divisor gradient of div';
// (tfjs's split gradient also throws for a single part, so that case is a squeeze.)
const unstackTj = (x: tj.Tensor, axis: number): tj.Tensor[] =>
  x.shape[axis] <= 1
    ? x.shape[axis] === 0
      ? []
      : [tj.squeeze(x, [axis])]
    : tj.split(x, x.shape[axis], axis).map((p) => tj.squeeze(p, [axis]));
const broadcasts = (c: Case<unknown>): boolean => c.xs.some((x) => x.shape.join() !== c.xs[0].shape.join());
/** The batch shapes differ and neither is a single matrix: tfjs flattens them and pairs wrong matrices. */
function batchBroadcasts(a: number[], b: number[]): boolean {
  const n = Math.max(a.length, b.length);
  const pa = [...new Array<number>(n - a.length).fill(1), ...a],
    pb = [...new Array<number>(n - b.length).fill(1), ...b];
  const size = (s: number[]) => s.reduce((p, d) => p * d, 1);
  return pa.join() !== pb.join() && size(pa) > 1 && size(pb) > 1;
}
/** NumPy (and TF) broadcast a 1 against a 0 to 0; tfjs gets the shape or the gradient wrong there. */
const EMPTY_BROADCAST: Follows<unknown> = {
  doc: 'broadcasting against a size-0 dim',
  whole: (c) => isEmpty(c) && broadcasts(c),
};

const EXTREMA: Follows<Axes>[] = [
  { doc: 'reductions over no elements', whole: reducedEmpty },
  { doc: 'max and min gradients: ties and NaN', grad: (c) => hasTies(c) || hasNaN(c) },
];

const finite: ValueOpts = { specials: false };

export const ROWS: Row[] = [
  // ---- unary elementwise ----
  unary('neg', tp.neg, tj.neg, { dtypes: [F, I] }),
  unary('abs', tp.abs, tj.abs, {
    dtypes: [F, I],
    follows: [{ doc: 'abs gradient at 0 and NaN', gradAt: (x) => x === 0 || Number.isNaN(x) }],
  }),
  unary('exp', tp.exp, tj.exp, { order2: true, tol: TOL.transcendental, tjGrad: derivative(tj.exp) }),
  unary('log', tp.log, tj.log, {
    order2: true,
    tol: TOL.transcendental,
    follows: [{ doc: DIVISOR, order2At: squareLeavesRange }],
  }),
  unary('sqrt', tp.sqrt, tj.sqrt, {
    order2: true,
    tol: TOL.transcendental,
    follows: [{ doc: DIVISOR, order2At: (x) => squareLeavesRange(2 * Math.sqrt(x)) }],
  }),
  unary('tanh', tp.tanh, tj.tanh, {
    order2: true,
    tol: TOL.transcendental,
    tjGrad: derivative((x) => tj.sub(1, tj.square(tj.tanh(x)))),
  }),
  unary('sigmoid', tp.sigmoid, tj.sigmoid, {
    order2: true,
    tol: TOL.transcendental,
    tjGrad: derivative((x) => tj.mul(tj.sigmoid(x), tj.sub(1, tj.sigmoid(x)))),
  }),
  unary('relu', tp.relu, tj.relu, { dtypes: [F, I], follows: [{ doc: 'relu gradient at NaN', gradAt: Number.isNaN }] }),
  unary('square', tp.square, tj.square, {
    dtypes: [F, I],
    follows: [{ doc: 'square is mul(x, x)', gradAt: (x) => !Number.isFinite(Math.fround(2 * x)) }],
  }),
  unary('logicalNot', tp.logicalNot, tj.logicalNot, { dtypes: [B], grad: false }),
  unary('identity', tp.identity, tj.clone, { dtypes: [F, I, B] }),
  unary('zerosLike', tp.zerosLike, tj.zerosLike, { dtypes: [F, I, B], grad: false }),
  unary('onesLike', tp.onesLike, tj.onesLike, { dtypes: [F, I, B], grad: false }),
  ...(['float32', 'int32', 'bool'] as const).map((to) =>
    unary(
      `cast to ${to}`,
      (x) => tp.cast(x, to),
      (x) => tj.cast(x, to),
      {
        dtypes: [F, I, B],
        follows: to === 'float32' ? [] : [{ doc: 'no gradient through a cast to int32 or bool', grad: () => true }],
      },
    ),
  ),
  row({
    name: 'clipByValue',
    args: shapeArb().chain((s) =>
      fc.record({
        xs: arrArb(s, F).map((x) => [x]),
        a: fc
          .tuple(valueArb({ specials: false }), valueArb({ specials: false }))
          .map(([p, q]) => [Math.min(p, q), Math.max(p, q)]),
      }),
    ),
    tp: ([x], [lo, hi]) => tp.clipByValue(x, lo, hi),
    tj: ([x], [lo, hi]) => tj.clipByValue(x, lo, hi),
    grad: [0],
    follows: [{ doc: 'tfjs bugs the suite steps around', grad: (c) => c.a[0] === c.a[1] }],
  }),
  alongAxis('softmax', tp.softmax, tj.softmax),
  alongAxis('logSoftmax', tp.logSoftmax, tj.logSoftmax),

  // ---- binary elementwise, broadcasting ----
  binary('add', tp.add, tj.add, { dtypes: [F, I] }),
  binary('sub', tp.sub, tj.sub, { dtypes: [F, I] }),
  binary('mul', tp.mul, tj.mul, { dtypes: [F, I] }),
  binary('div', tp.div, tj.div, {
    dtypes: [F, I],
    follows: [
      {
        doc: DIVISOR,
        gradAt: (a, b) => squareLeavesRange(b) || !Number.isFinite(Math.fround(Math.fround(-a / b) / b)),
      },
    ],
  }),
  binary('pow', tp.pow, tj.pow, {
    order2: true,
    tol: TOL.transcendental,
    values: { lo: -3, hi: 3 },
    tjGrad: powGrad,
    follows: [{ doc: 'pow gradient where the base is <= 0', order2At: (a) => !(a > 0) }],
  }),
  binary('maximum', tp.maximum, tj.maximum, {
    dtypes: [F, I],
    follows: [{ doc: 'gradients under broadcasting (where, maximum, minimum, batch matmul)', grad: broadcasts }],
  }),
  binary('minimum', tp.minimum, tj.minimum, {
    dtypes: [F, I],
    follows: [{ doc: 'gradients under broadcasting (where, maximum, minimum, batch matmul)', grad: broadcasts }],
  }),
  binary('greater', tp.greater, tj.greater, { grad: false, dtypes: [F, I] }),
  binary('greaterEqual', tp.greaterEqual, tj.greaterEqual, { grad: false, dtypes: [F, I] }),
  binary('less', tp.less, tj.less, { grad: false, dtypes: [F, I] }),
  binary('lessEqual', tp.lessEqual, tj.lessEqual, { grad: false, dtypes: [F, I] }),
  binary('equal', tp.equal, tj.equal, { grad: false, dtypes: [F, I, B] }),
  binary('logicalAnd', tp.logicalAnd, tj.logicalAnd, { grad: false, dtypes: [B] }),
  row({
    name: 'where',
    args: fc
      .tuple(shapeArb(), fc.constantFrom(F, I))
      .chain(([s, dt]) => fc.tuple(broadcastableTo(s), broadcastableTo(s), broadcastableTo(s), fc.constant(dt)))
      .chain(([sc, sa, sb, dt]) => fc.tuple(arrArb(sc, B), arrArb(sa, dt), arrArb(sb, dt)))
      .map((xs): Case<null> => ({ xs, a: null })),
    tp: ([c, a, b]) => tp.where(c, a, b),
    tj: ([c, a, b]) => tj.where(c, a, b),
    grad: [1, 2],
    follows: [
      EMPTY_BROADCAST,
      { doc: 'gradients under broadcasting (where, maximum, minimum, batch matmul)', grad: broadcasts },
    ],
  }),

  // ---- reductions ----
  reduce('sum', tp.sum, tj.sum, { dtypes: [F, I, B] }),
  reduce('max', tp.max, tj.max, { dtypes: [F, I], follows: EXTREMA }),
  reduce('min', tp.min, tj.min, { dtypes: [F, I], follows: EXTREMA }),
  reduce('mean', tp.mean, tj.mean, {
    dtypes: [F, I],
    follows: [
      { doc: 'reductions over no elements', whole: reducedEmpty },
      { doc: 'mean of int32', whole: (c) => c.xs[0].dtype === 'int32' },
      {
        doc: 'mean sums, then divides',
        whole: (c) => c.xs[0].data.some((v) => Number.isFinite(v) && Math.abs(v) > 1e37),
      },
    ],
  }),

  // ---- matmul ----
  row({
    name: 'matmul',
    args: fc
      .record({
        m: fc.integer({ min: 0, max: 3 }),
        k: fc.integer({ min: 0, max: 3 }),
        n: fc.integer({ min: 0, max: 3 }),
        ta: fc.boolean(),
        tb: fc.boolean(),
        batch: shapeArb(0, 2),
      })
      .chain(({ m, k, n, ta, tb, batch }) =>
        fc.tuple(broadcastableTo(batch), broadcastableTo(batch)).chain(([ba, bb]) =>
          fc.record({
            xs: fc.tuple(
              arrArb([...ba, ...(ta ? [k, m] : [m, k])], F, finite),
              arrArb([...bb, ...(tb ? [n, k] : [k, n])], F, finite),
            ),
            a: fc.constant({ ta, tb }),
          }),
        ),
      ),
    tp: ([a, b], { ta, tb }) => tp.matmul(a, b, ta, tb),
    tj: ([a, b], { ta, tb }) => tj.matMul(a, b, ta, tb),
    grad: [0, 1],
    tol: TOL.sum,
    follows: [
      {
        doc: 'batch matmul with broadcasting',
        whole: (c) => batchBroadcasts(c.xs[0].shape.slice(0, -2), c.xs[1].shape.slice(0, -2)),
      },
      {
        doc: 'gradients under broadcasting (where, maximum, minimum, batch matmul)',
        grad: (c) => c.xs[0].shape.slice(0, -2).join() !== c.xs[1].shape.slice(0, -2).join(),
      },
    ],
  }),

  // ---- movement ----
  row({
    name: 'reshape',
    args: shapeArb()
      .chain((s) =>
        fc.tuple(arrArb(s, F), fc.shuffledSubarray(s, { minLength: s.length, maxLength: s.length }), fc.boolean()),
      )
      .map(([x, perm, infer]): Case<number[]> => ({
        xs: [x],
        a: infer && perm.length > 0 && x.data.length > 0 ? [-1, ...perm.slice(1)] : perm,
      })),
    tp: ([x], s) => tp.reshape(x, s),
    tj: ([x], s) => tj.reshape(x, s),
    grad: [0],
  }),
  row({
    name: 'transpose',
    args: fc.tuple(shapeArb(), fc.constantFrom(F, I, B)).chain(([s, dt]) =>
      fc.record({
        xs: arrArb(s, dt).map((x) => [x]),
        a: fc.shuffledSubarray([...s.keys()], { minLength: s.length, maxLength: s.length }),
      }),
    ),
    tp: ([x], p) => tp.transpose(x, p),
    tj: ([x], p) => tj.transpose(x, p),
    grad: [0],
  }),
  row({
    name: 'expandDims',
    args: shapeArb(0, 3).chain((s) =>
      fc.record({ xs: arrArb(s, F).map((x) => [x]), a: fc.integer({ min: -s.length - 1, max: s.length }) }),
    ),
    tp: ([x], a) => tp.expandDims(x, a),
    tj: ([x], a) => tj.expandDims(x, a),
    grad: [0],
  }),
  row({
    name: 'squeeze',
    args: shapeArb().chain((s) =>
      fc.record({
        xs: arrArb(s, F).map((x) => [x]),
        a: fc.option(fc.subarray(s.flatMap((d, i) => (d === 1 ? [i] : []))), { nil: undefined }),
      }),
    ),
    tp: ([x], a) => tp.squeeze(x, a),
    tj: ([x], a) => tj.squeeze(x, a),
    grad: [0],
  }),
  row({
    name: 'broadcastTo',
    args: shapeArb()
      .chain((s) => fc.tuple(broadcastableTo(s), fc.constant(s)))
      .chain(([from, to]) => fc.record({ xs: arrArb(from, F).map((x) => [x]), a: fc.constant(to) })),
    tp: ([x], s) => tp.broadcastTo(x, s),
    tj: ([x], s) => tj.broadcastTo(x, s),
    grad: [0],
    follows: [{ doc: EMPTY_BROADCAST.doc, whole: (c) => c.a.includes(0) }],
  }),
  row({
    name: 'slice',
    args: shapeArb(1).chain((s) =>
      fc.record({
        xs: arrArb(s, F).map((x) => [x]),
        a: fc
          .tuple(
            ...s.map((d) =>
              fc
                .integer({ min: 0, max: d })
                .chain((b) => fc.tuple(fc.constant(b), fc.integer({ min: -1, max: d - b }))),
            ),
          )
          .map((bs) => ({ begin: bs.map((b) => b[0]), size: bs.map((b) => b[1]) })),
      }),
    ),
    tp: ([x], { begin, size }) => tp.slice(x, begin, size),
    tj: ([x], { begin, size }) => tj.slice(x, begin, size),
    grad: [0],
  }),
  row({
    name: 'concat',
    args: fc.tuple(shapeArb(1), fc.integer({ min: 1, max: 3 })).chain(([s, n]) =>
      fc.integer({ min: 0, max: s.length - 1 }).chain((axis) =>
        fc.record({
          xs: fc.tuple(
            ...Array.from({ length: n }, () =>
              fc.integer({ min: 0, max: 3 }).chain((d) =>
                arrArb(
                  s.map((v, i) => (i === axis ? d : v)),
                  F,
                ),
              ),
            ),
          ),
          a: fc.constant(axis),
        }),
      ),
    ),
    tp: (xs, axis) => tp.concat(xs, axis),
    tj: (xs, axis) => tj.concat(xs, axis),
    grad: [0, 1, 2],
  }),
  row({
    name: 'split',
    args: shapeArb(1).chain((s) =>
      fc.integer({ min: 0, max: s.length - 1 }).chain((axis) =>
        fc.record({
          xs: arrArb(s, F).map((x) => [x]),
          a: fc.array(fc.integer({ min: 0, max: s[axis] }), { minLength: 1, maxLength: 3 }).map((cuts) => {
            const c = [0, ...cuts.sort((p, q) => p - q), s[axis]];
            return { sizes: c.slice(1).map((v, i) => v - c[i]), axis };
          }),
        }),
      ),
    ),
    tp: ([x], { sizes, axis }) => tp.split(x, sizes, axis),
    tj: ([x], { sizes, axis }) => tj.split(x, sizes, axis),
    grad: [0],
  }),
  row({
    name: 'stack',
    args: fc.tuple(shapeArb(0, 3), fc.integer({ min: 1, max: 3 })).chain(([s, n]) =>
      fc.record({
        xs: fc.tuple(...Array.from({ length: n }, () => arrArb(s, F))),
        a: fc.integer({ min: 0, max: s.length }),
      }),
    ),
    tp: (xs, axis) => tp.stack(xs, axis),
    tj: (xs, axis) => tj.stack(xs, axis),
    grad: [0, 1, 2],
  }),
  row({
    name: 'unstack',
    args: shapeArb(1).chain((s) =>
      fc.record({ xs: arrArb(s, F).map((x) => [x]), a: fc.integer({ min: 0, max: s.length - 1 }) }),
    ),
    // tfjs's own unstack gradient throws; split + squeeze is the same op.
    tp: ([x], axis) => tp.unstack(x, axis),
    tj: ([x], axis) => unstackTj(x, axis),
    grad: [0],
    follows: [{ doc: 'tfjs bugs the suite steps around', grad: isEmpty }],
  }),
  row({
    name: 'gather',
    args: shapeArb(1).chain((s) =>
      fc.integer({ min: 0, max: s.length - 1 }).chain((axis) =>
        fc.record({
          xs: fc
            .tuple(
              arrArb(s, F),
              shapeArb(0, 2).chain((is) => arrArb(is, I, { lo: 0, hi: Math.max(0, s[axis] - 1) })),
            )
            .map(([x, idx]) => (s[axis] === 0 ? [x, { ...idx, shape: [0], data: [] }] : [x, idx])),
          a: fc.constant(axis),
        }),
      ),
    ),
    tp: ([x, i], axis) => tp.gather(x, i, axis),
    tj: ([x, i], axis) => tj.gather(x, i, axis),
    grad: [0],
    follows: [{ doc: 'tfjs bugs the suite steps around', grad: isEmpty }],
  }),
  row({
    name: 'unsortedSegmentSum',
    args: shapeArb(1)
      .chain((s) =>
        fc.integer({ min: 0, max: 4 }).chain((n) =>
          fc.record({
            xs: fc.tuple(arrArb(s, F, finite), arrArb([s[0]], I, { lo: 0, hi: Math.max(0, n - 1) })),
            a: fc.constant(n),
          }),
        ),
      )
      .filter((c) => c.a > 0 || c.xs[0].shape[0] === 0),
    tp: ([x, ids], n) => tp.unsortedSegmentSum(x, ids, n),
    tj: ([x, ids], n) => tj.unsortedSegmentSum(x, ids as tj.Tensor1D, n),
    grad: [0],
    tol: TOL.sum,
    follows: [{ doc: 'tfjs bugs the suite steps around', whole: isEmpty }],
  }),
  row({
    name: 'pad',
    args: shapeArb(0, 3).chain((s) =>
      fc.record({
        xs: arrArb(s, F).map((x) => [x]),
        a: fc.tuple(
          fc.tuple(...s.map(() => fc.tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 2 })))),
          fc.constantFrom(0, -1.5, NaN),
        ),
      }),
    ),
    tp: ([x], [p, v]) => tp.pad(x, p, v),
    tj: ([x], [p, v]) => tj.pad(x, p, v),
    grad: [0],
    follows: [{ doc: 'scalars, depth 1 and other edges tfjs rejects', whole: (c) => c.xs[0].shape.length === 0 }],
  }),
  row({
    name: 'reverse',
    args: shapeArb().chain((s) => fc.record({ xs: arrArb(s, F).map((x) => [x]), a: fc.subarray([...s.keys()]) })),
    tp: ([x], axes) => tp.reverse(x, axes),
    tj: ([x], axes) => tj.reverse(x, axes),
    grad: [0],
  }),
  row({
    name: 'tile',
    args: shapeArb(1, 3).chain((s) =>
      fc.record({ xs: arrArb(s, F).map((x) => [x]), a: fc.tuple(...s.map(() => fc.integer({ min: 0, max: 3 }))) }),
    ),
    tp: ([x], reps) => tp.tile(x, reps),
    tj: ([x], reps) => tj.tile(x, reps),
    grad: [0],
  }),

  // ---- composites of networks and sequences ----
  row({
    name: 'oneHot',
    args: fc
      .tuple(shapeArb(0, 2), fc.integer({ min: 1, max: 4 }))
      .chain(([s, depth]) =>
        fc.record({ xs: arrArb(s, I, { lo: -1, hi: depth }).map((x) => [x]), a: fc.constant(depth) }),
      ),
    tp: ([i], depth) => tp.oneHot(i, depth),
    tj: ([i], depth) => tj.oneHot(i, depth, 1, 0, 'float32'),
    follows: [{ doc: 'scalars, depth 1 and other edges tfjs rejects', whole: (c) => c.a < 2 }],
  }),
  row({
    // tfjs has no sequence_mask: the oracle is its definition, range(maxLen) < lengths[..., None].
    name: 'sequenceMask',
    args: fc
      .tuple(shapeArb(0, 2), fc.integer({ min: 0, max: 4 }))
      .chain(([s, m]) => fc.record({ xs: arrArb(s, I, { lo: 0, hi: 5 }).map((x) => [x]), a: fc.constant(m) })),
    tp: ([l], m) => tp.sequenceMask(l, m),
    tj: ([l], m) => tj.less(tj.range(0, m, 1, 'int32'), tj.expandDims(l, -1)),
  }),
  row({
    // tfjs has no reverse_sequence: the oracle reverses each row's prefix with slice/reverse/concat.
    name: 'reverseSequence',
    args: fc
      .tuple(
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 0, max: 4 }),
        fc.integer({ min: 1, max: 2 }),
        fc.boolean(),
      )
      .chain(([b, t, d, timeMajor]) =>
        fc.record({
          xs: fc.tuple(arrArb(timeMajor ? [t, b, d] : [b, t, d], F), arrArb([b], I, { lo: 0, hi: t })),
          a: fc.constant(timeMajor),
        }),
      ),
    tp: ([x, l], timeMajor) => tp.reverseSequence(x, l, timeMajor ? 0 : 1, timeMajor ? 1 : 0),
    tj: ([x, l], timeMajor) => {
      const rows = unstackTj(x, timeMajor ? 1 : 0);
      const lens = l.dataSync();
      const out = rows.map((r, b) =>
        lens[b] === 0 ? r : tj.concat([tj.reverse(tj.slice(r, 0, lens[b]), 0), tj.slice(r, lens[b])], 0),
      );
      return tj.stack(out, timeMajor ? 1 : 0);
    },
    grad: [0],
    follows: [{ doc: 'tfjs bugs the suite steps around', grad: isEmpty }],
  }),

  // ---- creation ----
  row({
    name: 'range',
    args: fc
      .record({
        xs: fc.constant<Arr[]>([]),
        a: fc.tuple(
          fc.integer({ min: -5, max: 5 }),
          fc.integer({ min: -5, max: 5 }),
          fc.constantFrom(1, 2, -1, 0.5, -3),
          fc.constantFrom(F, I),
        ),
      })
      .filter((c) => c.a[3] === F || Number.isInteger(c.a[2])),
    follows: [
      { doc: 'range with a step away from stop', whole: ({ a: [start, stop, step] }) => (stop - start) * step < 0 },
    ],
    tp: (_, [a, b, st, dt]) => tp.range(a, b, st, dt),
    tj: (_, [a, b, st, dt]) => tj.range(a, b, st, dt),
  }),
  row({
    name: 'fill / zeros / ones',
    args: fc.record({ xs: fc.constant<Arr[]>([]), a: fc.tuple(shapeArb(), valueArb(), fc.constantFrom(F, I)) }),
    tp: (_, [s, v, dt]) => [tp.fill(s, v, dt), tp.zeros(s, dt), tp.ones(s, dt)],
    tj: (_, [s, v, dt]) => [tj.fill(s, v, dt), tj.zeros(s, dt as 'float32'), tj.ones(s, dt as 'float32')],
  }),
];
