/** Comparisons, logicalAnd and where: outputs are bool (0/1), so every check is exact. */
import * as tf from '@tapeflow/core';
import fc from 'fast-check';
import type { Registry } from '../harness.js';
import { expectArrayEqual, expectShape } from '../harness.js';
import { arrOf, bool, broadcastableTo, broadcastPair, float, int, shape } from './gen.js';
import { where as refWhere, zip } from './reference.js';
import { T, TOL, check, expectArr, property } from './util.js';

type Bin = (a: tf.TensorLike, b: tf.TensorLike) => tf.Tensor;
const b01 = (c: boolean): number => (c ? 1 : 0);

export function logicSuite(r: Registry): void {
  const x = [1, 2, 3, -1];
  const y = [2, 2, 1, -1];
  const cmp: [string, Bin, number[]][] = [
    ['greater', tf.greater, [0, 0, 1, 0]],
    ['greaterEqual', tf.greaterEqual, [0, 1, 1, 1]],
    ['less', tf.less, [1, 0, 0, 0]],
    ['lessEqual', tf.lessEqual, [1, 1, 0, 1]],
    ['equal', tf.equal, [0, 1, 0, 1]],
  ];
  for (const [name, f, expected] of cmp) {
    r.test(`${name}: hand case with ties, float32 and int32, output bool`, () =>
      check(() => {
        const yf = f(tf.tensor(x), tf.tensor(y));
        if (yf.dtype !== 'bool') throw new Error(`${name} gave ${yf.dtype}`);
        expectArrayEqual(yf, expected);
        expectArrayEqual(f(tf.tensor(x, [4], 'int32'), tf.tensor(y, [4], 'int32')), expected);
      }),
    );
  }

  r.test('greater: [2,1] vs [3] broadcasts to [2,3]; JS number operand', () =>
    check(() => {
      const z = tf.greater(tf.tensor([[1], [3]]), tf.tensor([0, 2, 4]));
      expectShape(z, [2, 3]);
      expectArrayEqual(z, [1, 0, 0, 1, 1, 0]);
      expectArrayEqual(tf.greater(tf.tensor([1, 5], [2], 'int32'), 2), [0, 1]);
    }),
  );

  r.test('equal: bool operands', () =>
    check(() => {
      expectArrayEqual(
        tf.equal(tf.tensor([true, true, false, false]), tf.tensor([true, false, true, false])),
        [1, 0, 0, 1],
      );
    }),
  );

  r.test('equal: NaN equals nothing, not even itself', () =>
    check(() => {
      expectArrayEqual(tf.equal(tf.tensor([NaN, NaN, 1]), tf.tensor([NaN, 1, 1])), [0, 0, 1]);
    }),
  );

  r.test('logicalAnd: truth table and broadcasting', () =>
    check(() => {
      expectArrayEqual(
        tf.logicalAnd(tf.tensor([true, true, false, false]), tf.tensor([true, false, true, false])),
        [1, 0, 0, 0],
      );
      const z = tf.logicalAnd(tf.tensor([[true], [false]]), tf.tensor([true, false]));
      expectShape(z, [2, 2]);
      expectArrayEqual(z, [1, 0, 0, 0]);
    }),
  );

  r.test('where: picks a where cond is true, b elsewhere, broadcasting all three', () =>
    check(() => {
      const c = tf.tensor([
        [true, false, true],
        [false, false, true],
      ]);
      expectArrayEqual(
        tf.where(
          c,
          tf.tensor([
            [1, 2, 3],
            [4, 5, 6],
          ]),
          tf.tensor([
            [-1, -2, -3],
            [-4, -5, -6],
          ]),
        ),
        [1, -2, 3, -4, -5, 6],
      );
      const z = tf.where(tf.tensor([[true], [false]]), tf.tensor([1, 2, 3]), tf.scalar(0));
      expectShape(z, [2, 3]);
      expectArrayEqual(z, [1, 2, 3, 0, 0, 0]);
    }),
  );

  r.test('where: int32 and bool branches, JS number branches', () =>
    check(() => {
      const c = tf.tensor([true, false]);
      const i = tf.where(c, tf.tensor([1, 2], [2], 'int32'), tf.tensor([3, 4], [2], 'int32'));
      if (i.dtype !== 'int32') throw new Error(`where gave ${i.dtype}`);
      expectArrayEqual(i, [1, 4]);
      expectArrayEqual(tf.where(c, tf.tensor([false, false]), tf.tensor([true, true])), [0, 1]);
      expectArrayEqual(tf.where(c, tf.tensor([7.5, 7.5]), 0), [7.5, 0]);
    }),
  );

  // ---- properties ------------------------------------------------------------------------------

  // Small integers make ties (the interesting case for >= and ==) frequent.
  const smallFloat = fc.integer({ min: -3, max: 3 }).map((v) => v / 2);
  const refs: [string, Bin, (p: number, q: number) => boolean][] = [
    ['greater', tf.greater, (p, q) => p > q],
    ['greaterEqual', tf.greaterEqual, (p, q) => p >= q],
    ['less', tf.less, (p, q) => p < q],
    ['lessEqual', tf.lessEqual, (p, q) => p <= q],
    ['equal', tf.equal, (p, q) => p === q],
  ];
  for (const [name, f, ref] of refs) {
    r.test(`${name}: property, float32 and int32 broadcast pairs with ties`, (env) => {
      property(
        env,
        20,
        fc.tuple(broadcastPair(smallFloat), fc.constantFrom<'float32' | 'int32'>('float32', 'int32')),
        ([[a, b], dtype]) => {
          const pa = dtype === 'int32' ? { ...a, data: a.data.map((v) => Math.round(v * 2)) } : a;
          const pb = dtype === 'int32' ? { ...b, data: b.data.map((v) => Math.round(v * 2)) } : b;
          const z = f(T(pa, dtype), T(pb, dtype));
          if (z.dtype !== 'bool') throw new Error(`${name} gave ${z.dtype}`);
          expectArr(
            z,
            zip(pa, pb, (p, q) => b01(ref(p, q))),
          );
        },
      );
    });
  }

  r.test('logicalAnd: property, bool broadcast pairs', (env) => {
    property(env, 20, broadcastPair(bool), ([a, b]) =>
      expectArr(
        tf.logicalAnd(T(a, 'bool'), T(b, 'bool')),
        zip(a, b, (p, q) => p & q),
      ),
    );
  });

  const whereTriple = shape(0, 4)
    .chain((out) => fc.tuple(broadcastableTo(out), broadcastableTo(out), broadcastableTo(out)))
    .chain(([sc, sa, sb]) => fc.tuple(arrOf(sc, bool), arrOf(sa, float), arrOf(sb, float)));
  r.test('where: property, broadcast triples on float32', (env) => {
    property(env, 30, whereTriple, ([c, a, b]) =>
      expectArr(tf.where(T(c, 'bool'), T(a), T(b)), refWhere(c, a, b), TOL.exact),
    );
  });
  r.test('where: property, int32 branches', (env) => {
    const triple = shape(0, 3).chain((out) => fc.tuple(arrOf(out, bool), arrOf(out, int), arrOf(out, int)));
    property(env, 10, triple, ([c, a, b]) =>
      expectArr(tf.where(T(c, 'bool'), T(a, 'int32'), T(b, 'int32')), refWhere(c, a, b)),
    );
  });
}
