/**
 * For every differentiable op: a property comparing the analytic gradient with central
 * differences over random shapes, broadcasting and axes. Together the cases reach every
 * primitive kernel with a gradient rule (composites reach them through their primitives).
 */
import fc from 'fast-check';
import * as tf from '@tapeflow/core';
import { ENGINE, type Tensor } from '@tapeflow/core';
import type { Registry } from '../harness.js';
import {
  arrArb,
  broadcastableTo,
  distinctArb,
  expectGradMatches,
  property,
  shapeArb,
  type Arr,
  type ValueOpts,
} from './numeric.js';

const RUNS = 12;

export function unaryCase(r: Registry, name: string, f: (x: Tensor) => Tensor, values: ValueOpts = {}): void {
  r.test(`${name} gradient matches central differences`, (env) =>
    property(
      env,
      RUNS,
      shapeArb().chain((s) => arrArb(s, values)),
      (x) => expectGradMatches(env, f, [x], name),
    ),
  );
}

/** Two operands broadcasting against each other; `pair` may constrain them jointly. */
export function binaryCase(
  r: Registry,
  name: string,
  f: (a: Tensor, b: Tensor) => Tensor,
  values: [ValueOpts, ValueOpts] = [{}, {}],
  pair?: (a: Arr, b: Arr) => [Arr, Arr],
): void {
  r.test(`${name} gradient matches central differences (broadcasting)`, (env) => {
    const arb = shapeArb()
      .chain((s) => fc.tuple(broadcastableTo(s), broadcastableTo(s)))
      .chain(([sa, sb]) => fc.tuple(arrArb(sa, values[0]), arrArb(sb, values[1])));
    property(env, RUNS, arb, ([a, b]) => {
      const [pa, pb] = pair ? pair(a, b) : [a, b];
      expectGradMatches(env, f, [pa, pb], name);
    });
  });
}

const axesArb = (rank: number): fc.Arbitrary<number[]> =>
  fc.subarray([...Array(rank).keys()]).chain((axes) => fc.constant(axes));

export function reduceCase(
  r: Registry,
  name: string,
  f: (x: Tensor, axes: number[], keep: boolean) => Tensor,
  distinct = false,
): void {
  r.test(`${name} gradient matches central differences (random axes, keepDims)`, (env) => {
    const arb = shapeArb(1).chain((s) =>
      fc.tuple(distinct ? distinctArb(s) : arrArb(s), axesArb(s.length), fc.boolean()),
    );
    property(env, RUNS, arb, ([x, axes, keep]) =>
      expectGradMatches(env, (t) => f(t, axes, keep), [x], `${name} axes ${axes} keep ${keep}`),
    );
  });
}

/** A shape and a transform of it that needs extra random parameters. */
export function movementCase<P>(
  r: Registry,
  name: string,
  params: (s: number[]) => fc.Arbitrary<P>,
  f: (x: Tensor, p: P) => Tensor,
  minRank = 1,
): void {
  r.test(`${name} gradient matches central differences`, (env) => {
    const arb = shapeArb(minRank).chain((s) => fc.tuple(arrArb(s), params(s)));
    property(env, RUNS, arb, ([x, p]) => expectGradMatches(env, (t) => f(t, p), [x], `${name} ${JSON.stringify(p)}`));
  });
}

const perm = (n: number): fc.Arbitrary<number[]> =>
  fc.shuffledSubarray([...Array(n).keys()], { minLength: n, maxLength: n });
const window = (s: number[]): fc.Arbitrary<{ begin: number[]; size: number[] }> =>
  fc
    .tuple(
      ...s.map((d) =>
        fc.integer({ min: 0, max: d - 1 }).chain((b) => fc.tuple(fc.constant(b), fc.integer({ min: 1, max: d - b }))),
      ),
    )
    .map((bs) => ({ begin: bs.map((b) => b[0]), size: bs.map((b) => b[1]) }));

export function opGradSuite(r: Registry): void {
  // ---- unary ----
  unaryCase(r, 'neg', tf.neg);
  unaryCase(r, 'abs', tf.abs, { away: 0.1 });
  unaryCase(r, 'exp', tf.exp);
  unaryCase(r, 'log', tf.log, { lo: 0.2, hi: 3 });
  unaryCase(r, 'sqrt', tf.sqrt, { lo: 0.2, hi: 3 });
  unaryCase(r, 'tanh', tf.tanh, { lo: -3, hi: 3 });
  unaryCase(r, 'sigmoid', tf.sigmoid, { lo: -4, hi: 4 });
  unaryCase(r, 'relu', tf.relu, { away: 0.1 });
  unaryCase(r, 'square', tf.square);
  unaryCase(r, 'cast (float to the same float)', (x) => tf.cast(x, x.dtype));
  unaryCase(r, 'clipByValue', (x) => tf.clipByValue(x, -0.5, 0.5), { away: 0.6 });
  unaryCase(r, 'clipByValue (inside the range)', (x) => tf.clipByValue(tf.mul(x, 0.1), -0.5, 0.5), { lo: -4, hi: 4 });

  // ---- binary, with broadcasting ----
  binaryCase(r, 'add', tf.add);
  binaryCase(r, 'sub', tf.sub);
  binaryCase(r, 'mul', tf.mul);
  binaryCase(r, 'div', tf.div, [{}, { away: 0.5 }]);
  binaryCase(r, 'pow', tf.pow, [
    { lo: 0.5, hi: 2 },
    { lo: -2, hi: 2 },
  ]);
  // Keep |a - b| >= 0.1 so no pair sits on the tie between the two branches.
  const apart = (a: Arr, b: Arr): [Arr, Arr] => [
    a,
    { ...b, data: b.data.map((v, i) => (Math.abs(v - a.data[i % a.data.length]) < 0.1 ? v + 0.25 : v)) },
  ];
  r.test('maximum / minimum gradients match central differences (same shapes, no ties)', (env) => {
    const arb = shapeArb().chain((s) => fc.tuple(arrArb(s), arrArb(s)));
    property(env, RUNS, arb, ([a, b]) => {
      const [pa, pb] = apart(a, b);
      expectGradMatches(env, tf.maximum, [pa, pb], 'maximum');
      expectGradMatches(env, tf.minimum, [pa, pb], 'minimum');
    });
  });
  binaryCase(r, 'maximum with a broadcast constant', (a, b) => tf.maximum(a, tf.mul(b, 0)), [{ away: 0.1 }, {}]);
  r.test('where gradient matches central differences (cond, a, b broadcasting)', (env) => {
    const arb = shapeArb()
      .chain((s) => fc.tuple(broadcastableTo(s), broadcastableTo(s), broadcastableTo(s)))
      .chain(([sc, sa, sb]) => fc.tuple(arrArb(sc), arrArb(sa), arrArb(sb)));
    property(env, RUNS, arb, ([c, a, b]) => {
      const cond = tf.tensor(
        c.data.map((v) => v > 0),
        c.shape,
        'bool',
      );
      expectGradMatches(env, (x, y) => tf.where(cond, x, y), [a, b], 'where');
      cond.dispose();
    });
  });

  // ---- reductions and composites over axes ----
  reduceCase(r, 'sum', (x, axes, keep) => tf.sum(x, axes, keep));
  reduceCase(r, 'mean', (x, axes, keep) => tf.mean(x, axes, keep));
  reduceCase(r, 'max', (x, axes, keep) => tf.max(x, axes, keep), true);
  reduceCase(r, 'min', (x, axes, keep) => tf.min(x, axes, keep), true);
  r.test('softmax and logSoftmax gradients match central differences (random axis)', (env) => {
    const arb = shapeArb(1).chain((s) => fc.tuple(arrArb(s), fc.integer({ min: 0, max: s.length - 1 })));
    property(env, RUNS, arb, ([x, axis]) => {
      expectGradMatches(env, (t) => tf.softmax(t, axis), [x], `softmax axis ${axis}`);
      expectGradMatches(env, (t) => tf.logSoftmax(t, axis), [x], `logSoftmax axis ${axis}`);
    });
  });

  // ---- matmul: transposes and batch broadcasting ----
  r.test('matmul gradient matches central differences (transposes, broadcast batches)', (env) => {
    const dim = fc.integer({ min: 1, max: 3 });
    const arb = fc
      .record({
        m: dim,
        k: dim,
        n: dim,
        tA: fc.boolean(),
        tB: fc.boolean(),
        batch: fc.constantFrom<[number[], number[]]>([[], []], [[2], [2]], [[2], [1]], [[1], []], [[2, 1], [3]]),
      })
      .chain(({ m, k, n, tA, tB, batch }) =>
        fc.tuple(
          arrArb([...batch[0], ...(tA ? [k, m] : [m, k])]),
          arrArb([...batch[1], ...(tB ? [n, k] : [k, n])]),
          fc.constant([tA, tB] as const),
        ),
      );
    property(env, RUNS, arb, ([a, b, [tA, tB]]) =>
      expectGradMatches(env, (x, y) => tf.matmul(x, y, tA, tB), [a, b], `matmul tA ${tA} tB ${tB}`),
    );
  });

  // ---- movement ----
  movementCase(
    r,
    'reshape',
    (s) => fc.constant(s.reduce((p, d) => p * d, 1)),
    (x, n) => tf.reshape(x, [n]),
    0,
  );
  movementCase(
    r,
    'transpose',
    (s) => perm(s.length),
    (x, p) => tf.transpose(x, p),
    0,
  );
  movementCase(
    r,
    'broadcastTo',
    (s) =>
      fc
        .array(fc.integer({ min: 1, max: 3 }), { maxLength: 2 })
        .map((lead) => [...lead, ...s.map((d) => (d === 1 ? 2 : d))]),
    (x, shape) => tf.broadcastTo(x, shape),
  );
  movementCase(
    r,
    'tile',
    (s) => fc.array(fc.integer({ min: 1, max: 3 }), { minLength: s.length, maxLength: s.length }),
    (x, reps) => tf.tile(x, reps),
  );
  movementCase(r, 'slice', window, (x, w) => tf.slice(x, w.begin, w.size));
  movementCase(
    r,
    'pad',
    (s) =>
      fc.array(fc.tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 2 })), {
        minLength: s.length,
        maxLength: s.length,
      }),
    (x, p) => tf.pad(x, p, 0.5),
  );
  movementCase(
    r,
    'reverse',
    (s) => axesArb(s.length),
    (x, axes) => tf.reverse(x, axes),
  );
  movementCase(
    r,
    'expandDims / squeeze',
    (s) => fc.integer({ min: 0, max: s.length }),
    (x, a) => tf.squeeze(tf.mul(tf.expandDims(x, a), 2), [a]),
    0,
  );
  movementCase(
    r,
    'split',
    (s) => fc.integer({ min: 0, max: s.length - 1 }),
    (x, a) => {
      if (x.shape[a] < 2) return tf.mul(x, 3);
      const [first, rest] = tf.split(x, [1, -1], a);
      return tf.concat([tf.mul(rest, 3), first], a);
    },
  );
  movementCase(
    r,
    'unstack / stack',
    (s) => fc.integer({ min: 0, max: s.length - 1 }),
    (x, a) =>
      tf.stack(
        tf
          .unstack(x, a)
          .map((t, i) => tf.mul(t, i + 1))
          .reverse(),
        a,
      ),
  );
  r.test('concat gradient matches central differences (2-3 inputs, random axis)', (env) => {
    const arb = shapeArb(1)
      .chain((s) => fc.tuple(fc.constant(s), fc.integer({ min: 0, max: s.length - 1 }), fc.integer({ min: 2, max: 3 })))
      .chain(([s, axis, k]) =>
        fc.tuple(
          fc.constant(axis),
          fc.array(
            fc.integer({ min: 1, max: 3 }).chain((d) => arrArb(s.map((v, i) => (i === axis ? d : v)))),
            { minLength: k, maxLength: k },
          ),
        ),
      );
    property(env, RUNS, arb, ([axis, xs]) =>
      expectGradMatches(env, (...ts) => tf.concat(ts, axis), xs, `concat axis ${axis}`),
    );
  });
  r.test('gather gradient matches central differences (repeated indices, any axis)', (env) => {
    const arb = shapeArb(1)
      .chain((s) => fc.tuple(arrArb(s), fc.integer({ min: 0, max: s.length - 1 })))
      .chain(([x, axis]) =>
        fc.tuple(
          fc.constant(x),
          fc.constant(axis),
          fc.array(fc.integer({ min: 0, max: x.shape[axis] - 1 }), { minLength: 1, maxLength: 5 }),
        ),
      );
    property(env, RUNS, arb, ([x, axis, idx]) => {
      const indices = tf.tensor(idx, [idx.length], 'int32');
      expectGradMatches(env, (t) => tf.gather(t, indices, axis), [x], `gather axis ${axis} indices ${idx}`);
      indices.dispose();
    });
  });
  r.test('unsortedSegmentSum gradient matches central differences (ids out of range dropped)', (env) => {
    const arb = shapeArb(1)
      .chain((s) => fc.tuple(arrArb(s), fc.integer({ min: 1, max: 4 })))
      .chain(([x, n]) =>
        fc.tuple(
          fc.constant(x),
          fc.constant(n),
          fc.array(fc.integer({ min: -1, max: n }), { minLength: x.shape[0], maxLength: x.shape[0] }),
        ),
      );
    property(env, RUNS, arb, ([x, n, ids]) => {
      const segs = tf.tensor(ids, [ids.length], 'int32');
      expectGradMatches(env, (t) => tf.unsortedSegmentSum(t, segs, n), [x], `unsortedSegmentSum ids ${ids}`);
      segs.dispose();
    });
  });
  r.test('reverseSequence gradient matches central differences', (env) => {
    const arb = fc
      .tuple(
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 2 }),
        fc.boolean(),
      )
      .chain(([b, t, d, timeMajor]) =>
        fc.tuple(
          arrArb(timeMajor ? [t, b, d] : [b, t, d]),
          fc.constant(timeMajor),
          fc.array(fc.integer({ min: 0, max: t }), { minLength: b, maxLength: b }),
        ),
      );
    property(env, RUNS, arb, ([x, timeMajor, lens]) => {
      const l = tf.tensor(lens, [lens.length], 'int32');
      expectGradMatches(
        env,
        (t) => tf.reverseSequence(t, l, timeMajor ? 0 : 1, timeMajor ? 1 : 0),
        [x],
        `reverseSequence ${lens}`,
      );
      l.dispose();
    });
  });
  r.test('oneHot / sequenceMask (no gradient to their int inputs) combined with a float input', (env) => {
    property(
      env,
      RUNS,
      fc
        .integer({ min: 1, max: 4 })
        .chain((n) =>
          fc.tuple(arrArb([n, 3]), fc.array(fc.integer({ min: 0, max: 2 }), { minLength: n, maxLength: n })),
        ),
      ([x, idx]) => {
        const i = tf.tensor(idx, [idx.length], 'int32');
        expectGradMatches(
          env,
          (t) => tf.mul(t, tf.add(tf.oneHot(i, 3, 1, 0, t.dtype), tf.cast(tf.sequenceMask(i, 3), t.dtype))),
          [x],
          'oneHot',
        );
        i.dispose();
      },
    );
  });

  // ---- fused kernels, where the backend has them ----
  r.test('LSTMBlock (fused) gradient matches central differences, when the backend has it', (env) => {
    if (!ENGINE.hasFused('LSTMBlock')) return;
    const arb = fc
      .tuple(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 3 }))
      .chain(([b, h]) => fc.tuple(arrArb([b, 4 * h]), arrArb([b, h]), fc.double({ min: 0, max: 1, noNaN: true })));
    property(env, RUNS, arb, ([gates, c, fb]) => {
      const lstm = (g: Tensor, cc: Tensor): Tensor => {
        const outs = ENGINE.runFused('LSTMBlock', [g, cc], { forgetBias: fb }, [
          { shape: cc.shape, dtype: cc.dtype },
          { shape: cc.shape, dtype: cc.dtype },
        ]);
        return tf.concat([outs[0], tf.mul(outs[1], 2)], 1);
      };
      expectGradMatches(env, lstm, [gates, c], 'LSTMBlock');
    });
  });
}
