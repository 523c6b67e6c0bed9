/** slice, concat, split, stack, unstack, gather, pad, reverse, reverseSequence, tile. All exact. */
import * as tf from '@tapeflow/core';
import fc from 'fast-check';
import type { Registry } from '../harness.js';
import { expectArrayEqual, expectShape } from '../harness.js';
import { anyArr, arrOf, axesOf, axisOf, bool, float, int, nonEmptyDim, resolveAxes, shape } from './gen.js';
import * as ref from './reference.js';
import { T, TOL, check, expectArr, property } from './util.js';

const dtypeAndValues = fc.constantFrom(['float32', float], ['int32', int], ['bool', bool]) as fc.Arbitrary<
  [tf.DType, fc.Arbitrary<number>]
>;
const anyDtypeArr = (minRank = 0, maxRank = 4, d?: fc.Arbitrary<number>) =>
  dtypeAndValues.chain(([dtype, v]) => fc.tuple(anyArr(v, minRank, maxRank, d), fc.constant(dtype)));
const norm = (axis: number, rank: number): number => (axis < 0 ? axis + rank : axis);

export function slicingSuite(r: Registry): void {
  const x23 = [
    [1, 2, 3],
    [4, 5, 6],
  ];

  r.test('slice: begin/size, size -1 takes the rest, number begin', () =>
    check(() => {
      const x = tf.tensor(x23);
      const y = tf.slice(x, [0, 1], [2, 2]);
      expectShape(y, [2, 2]);
      expectArrayEqual(y, [2, 3, 5, 6]);
      expectArrayEqual(tf.slice(x, [1, 0], [1, -1]), [4, 5, 6]);
      expectShape(tf.slice(x, 1), [1, 3]);
      expectArrayEqual(tf.slice(x, 1), [4, 5, 6]);
      expectShape(tf.slice(x, [0, 3], [2, 0]), [2, 0]);
    }),
  );

  r.test('slice: 3-D interior block', () =>
    check(() => {
      const x = tf.reshape(tf.range(0, 24), [2, 3, 4]);
      const y = tf.slice(x, [1, 1, 1], [1, 2, 2]);
      expectShape(y, [1, 2, 2]);
      expectArrayEqual(y, [17, 18, 21, 22]);
    }),
  );

  r.test('concat: axis 0, axis 1, negative axis, three inputs', () =>
    check(() => {
      const a = tf.tensor(x23);
      const b = tf.tensor([[7, 8, 9]]);
      const y = tf.concat([a, b], 0);
      expectShape(y, [3, 3]);
      expectArrayEqual(y, [1, 2, 3, 4, 5, 6, 7, 8, 9]);
      const z = tf.concat([a, tf.tensor([[0], [-1]]), a], -1);
      expectShape(z, [2, 7]);
      expectArrayEqual(z, [1, 2, 3, 0, 1, 2, 3, 4, 5, 6, -1, 4, 5, 6]);
    }),
  );

  r.test('concat: a single input is a copy; empty parts are skipped', () =>
    check(() => {
      expectArrayEqual(tf.concat([tf.tensor([1, 2])]), [1, 2]);
      expectArrayEqual(tf.concat([tf.zeros([0]), tf.tensor([3]), tf.zeros([0])]), [3]);
    }),
  );

  r.test('split: equal parts and given sizes with -1', () =>
    check(() => {
      const x = tf.tensor([
        [1, 2, 3, 4],
        [5, 6, 7, 8],
      ]);
      const [p, q] = tf.split(x, 2, 1);
      expectShape(p, [2, 2]);
      expectArrayEqual(p, [1, 2, 5, 6]);
      expectArrayEqual(q, [3, 4, 7, 8]);
      const parts = tf.split(x, [1, -1, 2], -1);
      expect3Shapes(parts, [
        [2, 1],
        [2, 1],
        [2, 2],
      ]);
      expectArrayEqual(parts[1], [2, 6]);
      const rows = tf.split(x, 2);
      expectArrayEqual(rows[1], [5, 6, 7, 8]);
    }),
  );

  r.test('stack: axis 0 and axis 1 of two vectors; unstack inverts', () =>
    check(() => {
      const a = tf.tensor([1, 2, 3]);
      const b = tf.tensor([4, 5, 6]);
      const s0 = tf.stack([a, b]);
      expectShape(s0, [2, 3]);
      expectArrayEqual(s0, [1, 2, 3, 4, 5, 6]);
      const s1 = tf.stack([a, b], 1);
      expectShape(s1, [3, 2]);
      expectArrayEqual(s1, [1, 4, 2, 5, 3, 6]);
      const cols = tf.unstack(s1, 1);
      if (cols.length !== 2) throw new Error(`unstack gave ${cols.length} tensors`);
      expectShape(cols[0], [3]);
      expectArrayEqual(cols[1], [4, 5, 6]);
      expectShape(tf.stack([tf.scalar(1), tf.scalar(2)]), [2]);
    }),
  );

  r.test('unstack: along axis -1 of [2,2]; length-0 axis gives []', () =>
    check(() => {
      const parts = tf.unstack(
        tf.tensor([
          [1, 2],
          [3, 4],
        ]),
        -1,
      );
      expectArrayEqual(parts[0], [1, 3]);
      expectArrayEqual(parts[1], [2, 4]);
      if (tf.unstack(tf.zeros([0, 2])).length !== 0) throw new Error('unstack of [0,2] is not empty');
    }),
  );

  r.test('gather: rows, repeated indices, axis 1, 2-D indices', () =>
    check(() => {
      const x = tf.tensor([
        [1, 2, 3],
        [4, 5, 6],
        [7, 8, 9],
      ]);
      const rows = tf.gather(x, tf.tensor([2, 0, 2], [3], 'int32'));
      expectShape(rows, [3, 3]);
      expectArrayEqual(rows, [7, 8, 9, 1, 2, 3, 7, 8, 9]);
      expectArrayEqual(tf.gather(x, tf.tensor([1], [1], 'int32'), 1), [2, 5, 8]);
      const g = tf.gather(
        tf.tensor([10, 20, 30]),
        tf.tensor(
          [
            [0, 2],
            [1, 1],
          ],
          [2, 2],
          'int32',
        ),
      );
      expectShape(g, [2, 2]);
      expectArrayEqual(g, [10, 30, 20, 20]);
      expectArrayEqual(tf.gather(tf.tensor([10, 20, 30]), [2, 1]), [30, 20]);
    }),
  );

  r.test('pad: before/after per axis with a constant', () =>
    check(() => {
      const y = tf.pad(
        tf.tensor([
          [1, 2],
          [3, 4],
        ]),
        [
          [1, 0],
          [0, 2],
        ],
        9,
      );
      expectShape(y, [3, 4]);
      expectArrayEqual(y, [9, 9, 9, 9, 1, 2, 9, 9, 3, 4, 9, 9]);
      expectArrayEqual(tf.pad(tf.tensor([1, 2], [2], 'int32'), [[2, 1]]), [0, 0, 1, 2, 0]);
    }),
  );

  r.test('reverse: one axis, several axes, all axes by default', () =>
    check(() => {
      const x = tf.tensor(x23);
      expectArrayEqual(tf.reverse(x, 0), [4, 5, 6, 1, 2, 3]);
      expectArrayEqual(tf.reverse(x, -1), [3, 2, 1, 6, 5, 4]);
      expectArrayEqual(tf.reverse(x, [0, 1]), [6, 5, 4, 3, 2, 1]);
      expectArrayEqual(tf.reverse(x), [6, 5, 4, 3, 2, 1]);
    }),
  );

  r.test('reverseSequence: batch-major [2,4] with lengths [3,1]', () =>
    check(() => {
      const x = tf.tensor([
        [1, 2, 3, 4],
        [5, 6, 7, 8],
      ]);
      const y = tf.reverseSequence(x, tf.tensor([3, 1], [2], 'int32'), 1, 0);
      expectArrayEqual(y, [3, 2, 1, 4, 5, 6, 7, 8]);
    }),
  );

  r.test('reverseSequence: time-major [3,2,1] with lengths [2,3], length 0 is untouched', () =>
    check(() => {
      const x = tf.tensor([
        [[1], [10]],
        [[2], [20]],
        [[3], [30]],
      ]); // [time, batch, 1]
      const y = tf.reverseSequence(x, tf.tensor([2, 3], [2], 'int32'), 0, 1);
      expectArrayEqual(y, [2, 30, 1, 20, 3, 10]);
      const z = tf.reverseSequence(
        tf.tensor([
          [1, 2],
          [3, 4],
        ]),
        tf.tensor([0, 2], [2], 'int32'),
        1,
        0,
      );
      expectArrayEqual(z, [1, 2, 4, 3]);
    }),
  );

  r.test('tile: [2,2] tiled [2,3]; bool and zero reps', () =>
    check(() => {
      const y = tf.tile(
        tf.tensor([
          [1, 2],
          [3, 4],
        ]),
        [2, 3],
      );
      expectShape(y, [4, 6]);
      expectArrayEqual(y, [1, 2, 1, 2, 1, 2, 3, 4, 3, 4, 3, 4, 1, 2, 1, 2, 1, 2, 3, 4, 3, 4, 3, 4]);
      expectArrayEqual(tf.tile(tf.tensor([true, false]), [2]), [1, 0, 1, 0]);
      expectShape(tf.tile(tf.tensor([1, 2]), [0]), [0]);
    }),
  );

  // ---- properties ------------------------------------------------------------------------------

  r.test('slice: property, random in-bounds windows of random dtypes', (env) => {
    const arb = anyDtypeArr().chain(([a, dtype]) => {
      const win = a.shape.map((d) =>
        fc.integer({ min: 0, max: d }).chain((b) => fc.tuple(fc.constant(b), fc.integer({ min: 0, max: d - b }))),
      );
      return fc.tuple(fc.constant(a), fc.constant(dtype), fc.tuple(...win));
    });
    property(env, 40, arb, ([a, dtype, win]) => {
      const begin = win.map((w) => w[0]);
      const size = win.map((w) => w[1]);
      expectArr(tf.slice(T(a, dtype), begin, size), ref.slice(a, begin, size), TOL.exact);
    });
  });

  r.test('concat: property, 1-4 parts along a random axis (negative too)', (env) => {
    const arb = fc
      .tuple(shape(1, 4), fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 4 }), dtypeAndValues)
      .chain(([s, sizes, [dtype, v]]) =>
        axisOf(s.length).chain((axis) => {
          const k = norm(axis, s.length);
          return fc.tuple(
            fc.tuple(
              ...sizes.map((n) =>
                arrOf(
                  s.map((d, i) => (i === k ? n : d)),
                  v,
                ),
              ),
            ),
            fc.constant(axis),
            fc.constant(dtype),
          );
        }),
      );
    property(env, 40, arb, ([parts, axis, dtype]) => {
      const k = norm(axis, parts[0].shape.length);
      expectArr(
        tf.concat(
          parts.map((p) => T(p, dtype)),
          axis,
        ),
        ref.concat(parts, k),
        TOL.exact,
      );
    });
  });

  r.test('split: property, sizes along a random axis reproduce the slices; concat inverts', (env) => {
    const arb = anyArr(float, 1, 4).chain((a) =>
      axisOf(a.shape.length).chain((axis) => {
        const d = a.shape[norm(axis, a.shape.length)];
        return fc.tuple(
          fc.constant(a),
          fc.constant(axis),
          fc.array(fc.integer({ min: 0, max: d }), { maxLength: 3 }).map((cuts) => {
            const c = [0, ...cuts.sort((p, q) => p - q), d];
            return c.slice(1).map((v, i) => v - c[i]);
          }),
        );
      }),
    );
    property(env, 30, arb, ([a, axis, sizes]) => {
      const k = norm(axis, a.shape.length);
      const parts = tf.split(T(a), sizes, axis);
      const want = ref.split(a, sizes, k);
      if (parts.length !== want.length) throw new Error(`split gave ${parts.length} parts, expected ${want.length}`);
      parts.forEach((p, i) => expectArr(p, want[i], TOL.exact, `part ${i}`));
      expectArr(tf.concat(parts, axis), a, TOL.exact);
    });
  });

  r.test('stack and unstack: property, random axis round-trip', (env) => {
    const arb = fc
      .tuple(shape(0, 3), fc.integer({ min: 1, max: 4 }), dtypeAndValues)
      .chain(([s, n, [dtype, v]]) =>
        fc.tuple(fc.array(arrOf(s, v), { minLength: n, maxLength: n }), axisOf(s.length + 1), fc.constant(dtype)),
      );
    property(env, 30, arb, ([parts, axis, dtype]) => {
      const k = norm(axis, parts[0].shape.length + 1);
      const expected = ref.concat(
        parts.map((p) => ref.arr([...p.shape.slice(0, k), 1, ...p.shape.slice(k)], p.data)),
        k,
      );
      const s = tf.stack(
        parts.map((p) => T(p, dtype)),
        axis,
      );
      expectArr(s, expected, TOL.exact);
      const back = tf.unstack(s, axis);
      if (back.length !== parts.length)
        throw new Error(`unstack gave ${back.length} tensors, expected ${parts.length}`);
      back.forEach((b, i) => expectArr(b, parts[i], TOL.exact, `item ${i}`));
    });
  });

  r.test('gather: property, random axis and index tensors of rank 0-2', (env) => {
    const arb = anyDtypeArr(1, 3, nonEmptyDim).chain(([a, dtype]) =>
      axisOf(a.shape.length).chain((axis) => {
        const d = a.shape[norm(axis, a.shape.length)];
        return fc.tuple(
          fc.constant(a),
          fc.constant(dtype),
          fc.constant(axis),
          anyArr(fc.integer({ min: 0, max: d - 1 }), 0, 2),
        );
      }),
    );
    property(env, 40, arb, ([a, dtype, axis, idx]) => {
      expectArr(
        tf.gather(T(a, dtype), T(idx, 'int32'), axis),
        ref.gather(a, idx, norm(axis, a.shape.length)),
        TOL.exact,
      );
    });
  });

  r.test('pad: property, random paddings and constant', (env) => {
    const arb = anyDtypeArr(0, 4).chain(([a, dtype]) =>
      fc.tuple(
        fc.constant(a),
        fc.constant(dtype),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 2 })), {
          minLength: a.shape.length,
          maxLength: a.shape.length,
        }),
        dtype === 'bool' ? fc.constantFrom(0, 1) : fc.integer({ min: -5, max: 5 }),
      ),
    );
    property(env, 40, arb, ([a, dtype, paddings, value]) => {
      expectArr(tf.pad(T(a, dtype), paddings, value), ref.pad(a, paddings, value), TOL.exact);
    });
  });

  r.test('reverse: property, random axes lists (negative too)', (env) => {
    const arb = anyDtypeArr().chain(([a, dtype]) =>
      fc.tuple(fc.constant(a), fc.constant(dtype), axesOf(a.shape.length)),
    );
    property(env, 40, arb, ([a, dtype, axis]) => {
      expectArr(tf.reverse(T(a, dtype), axis), ref.reverse(a, resolveAxes(axis, a.shape.length)), TOL.exact);
    });
  });

  r.test('reverseSequence: property, random seq/batch axes and lengths', (env) => {
    const arb = anyDtypeArr(2, 4).chain(([a, dtype]) => {
      const rank = a.shape.length;
      return fc
        .tuple(fc.integer({ min: 0, max: rank - 1 }), fc.integer({ min: 1, max: rank - 1 }))
        .chain(([s, off]) => {
          const b = (s + off) % rank; // differs from s
          return fc.tuple(
            fc.constant(a),
            fc.constant(dtype),
            fc.constant(s),
            fc.constant(b),
            fc.array(fc.integer({ min: 0, max: a.shape[s] }), { minLength: a.shape[b], maxLength: a.shape[b] }),
          );
        });
    });
    property(env, 40, arb, ([a, dtype, s, b, lens]) => {
      const y = tf.reverseSequence(T(a, dtype), tf.tensor(lens, [lens.length], 'int32'), s, b);
      expectArr(y, ref.reverseSequence(a, lens, s, b), TOL.exact);
    });
  });

  r.test('tile: property, random reps 0-3', (env) => {
    const arb = anyDtypeArr(0, 3).chain(([a, dtype]) =>
      fc.tuple(
        fc.constant(a),
        fc.constant(dtype),
        fc.array(fc.integer({ min: 0, max: 3 }), { minLength: a.shape.length, maxLength: a.shape.length }),
      ),
    );
    property(env, 30, arb, ([a, dtype, reps]) => expectArr(tf.tile(T(a, dtype), reps), ref.tile(a, reps), TOL.exact));
  });
}

function expect3Shapes(ts: tf.Tensor[], shapes: number[][]): void {
  if (ts.length !== shapes.length) throw new Error(`got ${ts.length} tensors, expected ${shapes.length}`);
  ts.forEach((t, i) => expectShape(t, shapes[i], `part ${i}`));
}
