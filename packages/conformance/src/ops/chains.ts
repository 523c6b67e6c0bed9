/**
 * Chains of movement ops. Backends may implement movement as views (strided ndarrays, logical
 * texture coordinates), so ops must also be right on inputs that are themselves transposed,
 * sliced, reversed or broadcast views: random chains of 1-4 steps are checked step by step.
 */
import * as tf from '@tapeflow/core';
import fc from 'fast-check';
import type { Registry } from '../harness.js';
import { anyArr, float, permutationOf } from './gen.js';
import * as ref from './reference.js';
import { T, TOL, expectArr, expectArrWithin, property, sumTol } from './util.js';

type Step =
  | { op: 'transpose'; perm: number[] }
  | { op: 'slice'; begin: number[]; size: number[] }
  | { op: 'reverse'; axes: number[] }
  | { op: 'reshape'; shape: number[] }
  | { op: 'expandDims'; axis: number }
  | { op: 'tile'; reps: number[] }
  | { op: 'pad'; paddings: [number, number][] }
  | { op: 'concat'; axis: number }
  | { op: 'neg' };

function stepFor(shape: number[]): fc.Arbitrary<Step> {
  const r = shape.length;
  const perAxis = <T>(a: fc.Arbitrary<T>) => fc.array(a, { minLength: r, maxLength: r });
  const steps: fc.Arbitrary<Step>[] = [
    permutationOf(r).map((perm) => ({ op: 'transpose', perm })),
    fc
      .tuple(
        ...shape.map((d) =>
          fc.integer({ min: 0, max: d }).chain((b) => fc.tuple(fc.constant(b), fc.integer({ min: 0, max: d - b }))),
        ),
      )
      .map((w) => ({ op: 'slice', begin: w.map((x) => x[0]), size: w.map((x) => x[1]) })),
    fc.subarray([...shape.keys()]).map((axes) => ({ op: 'reverse', axes })),
    fc.constant({ op: 'neg' }),
    fc.integer({ min: 0, max: r }).map((axis) => ({ op: 'expandDims', axis })),
    perAxis(fc.integer({ min: 1, max: 2 })).map((reps) => ({ op: 'tile', reps })),
    perAxis(fc.tuple(fc.integer({ min: 0, max: 1 }), fc.integer({ min: 0, max: 1 }))).map((paddings) => ({
      op: 'pad',
      paddings,
    })),
  ];
  if (r >= 1) steps.push(fc.integer({ min: 0, max: r - 1 }).map((axis) => ({ op: 'concat', axis })));
  // Merge two adjacent dims (a reshape that must see the current element order, not the storage's).
  if (r >= 2)
    steps.push(
      fc
        .integer({ min: 0, max: r - 2 })
        .map((i) => ({ op: 'reshape', shape: [...shape.slice(0, i), shape[i] * shape[i + 1], ...shape.slice(i + 2)] })),
    );
  return fc.oneof(...steps);
}

function applyRef(a: ref.Arr, s: Step): ref.Arr {
  switch (s.op) {
    case 'transpose':
      return ref.transpose(a, s.perm);
    case 'slice':
      return ref.slice(a, s.begin, s.size);
    case 'reverse':
      return ref.reverse(a, s.axes);
    case 'reshape':
      return ref.arr(s.shape, a.data);
    case 'expandDims': {
      const sh = [...a.shape];
      sh.splice(s.axis, 0, 1);
      return ref.arr(sh, a.data);
    }
    case 'tile':
      return ref.tile(a, s.reps);
    case 'pad':
      return ref.pad(a, s.paddings, 0);
    case 'concat':
      return ref.concat([a, ref.map(a, (v) => 2 * v)], s.axis);
    case 'neg':
      return ref.map(a, (v) => -v);
  }
}

function applyTf(x: tf.Tensor, s: Step): tf.Tensor {
  switch (s.op) {
    case 'transpose':
      return tf.transpose(x, s.perm);
    case 'slice':
      return tf.slice(x, s.begin, s.size);
    case 'reverse':
      return tf.reverse(x, s.axes);
    case 'reshape':
      return tf.reshape(x, s.shape);
    case 'expandDims':
      return tf.expandDims(x, s.axis);
    case 'tile':
      return tf.tile(x, s.reps);
    case 'pad':
      return tf.pad(x, s.paddings);
    case 'concat':
      return tf.concat([x, tf.mul(x, 2)], s.axis);
    case 'neg':
      return tf.neg(x);
  }
}

/** A random array and a chain of steps valid for the shapes it passes through. */
function chain(a: ref.Arr, n: number): fc.Arbitrary<Step[]> {
  if (n === 0) return fc.constant([]);
  return stepFor(a.shape).chain((s) => chain(applyRef(a, s), n - 1).map((rest) => [s, ...rest]));
}
/**
 * Normal floats only: these properties are about element order through views, and GLSL ES 3.00
 * lets a GPU flush subnormals to zero in arithmetic (2 * 8e-45 reads back as 0 on SwiftShader).
 * Subnormals map to +0 here (-0 is kept); the webgl backend's own tests document that flush.
 */
const normalFloat = float.map((v) => (v !== 0 && Math.abs(v) < 2 ** -126 ? 0 : v));
const chained = anyArr(normalFloat, 0, 3).chain((a) =>
  fc.integer({ min: 1, max: 4 }).chain((n) => fc.tuple(fc.constant(a), chain(a, n))),
);

export function chainsSuite(r: Registry): void {
  r.test('movement chains: property, every intermediate matches the reference', (env) => {
    property(env, 60, chained, ([a, steps]) => {
      let x = T(a);
      let e = a;
      for (const [i, s] of steps.entries()) {
        x = applyTf(x, s);
        e = applyRef(e, s);
        expectArr(x, e, TOL.exact, `after step ${i} (${s.op})`);
      }
    });
  });

  r.test(
    'movement chains: property, elementwise, where, cast, gather, reverseSequence, sum and matmul on the resulting views',
    (env) => {
      property(env, 40, chained, ([a, steps]) => {
        const x = steps.reduce(applyTf, T(a));
        const e = steps.reduce(applyRef, a);
        expectArr(
          tf.add(x, x),
          ref.zip(e, e, (p, q) => p + q),
          TOL.arith,
          'add(view, view)',
        );
        expectArr(
          tf.exp(tf.neg(tf.abs(x))),
          ref.map(e, (v) => Math.exp(-Math.abs(v))),
          TOL.transcendental,
          'exp(-|view|)',
        );
        const axes = [...e.shape.keys()].filter((k) => k % 2 === 0);
        expectArrWithin(tf.sum(x, axes), ref.sum(e, axes), sumTol(ref.sum(ref.map(e, Math.abs), axes)), 'sum(view)');
        expectArr(
          tf.where(tf.greater(x, 0), x, tf.neg(x)),
          ref.map(e, Math.abs),
          TOL.exact,
          'where(view > 0, view, -view)',
        );
        expectArr(tf.cast(x, 'int32'), ref.map(e, Math.trunc), TOL.exact, 'cast(view)');
        if (e.shape.length >= 1 && e.shape[0] > 0) {
          const idx = ref.arr([3], [e.shape[0] - 1, 0, e.shape[0] - 1]);
          expectArr(tf.gather(x, T(idx, 'int32')), ref.gather(e, idx, 0), TOL.exact, 'gather(view)');
        }
        if (e.shape.length >= 2) {
          const lens = Array.from({ length: e.shape[0] }, (_, i) => i % (e.shape[1] + 1));
          expectArr(
            tf.reverseSequence(x, tf.tensor(lens, [lens.length], 'int32'), 1, 0),
            ref.reverseSequence(e, lens, 1, 0),
            TOL.exact,
            'reverseSequence(view)',
          );

          const { value, absDot } = ref.matmul(e, e, true, false);
          expectArrWithin(tf.matmul(x, x, true, false), value, sumTol(absDot), 'matmul(viewᵀ, view)');
        }
      });
    },
  );
}
