/**
 * matmul: hand cases, gl-matrix as an outside oracle for 2x2/3x3/4x4, and properties over
 * random sizes (0-4), transpose flags and broadcast batch dims.
 */
import * as tf from '@tapeflow/core';
import fc from 'fast-check';
import { mat2, mat3, mat4 } from 'gl-matrix';
import type { Registry } from '../harness.js';
import { expectArrayEqual, expectClose, expectShape } from '../harness.js';
import { arrOf, broadcastableTo, dim, float, int, shape } from './gen.js';
import * as ref from './reference.js';
import { T, TOL, check, expectArr, expectArrWithin, property, sumTol } from './util.js';

type Mat = number[];
interface GlMat {
  multiply(out: Mat, a: Mat, b: Mat): Mat;
  transpose(out: Mat, a: Mat): Mat;
}
/*
 * gl-matrix stores matrices column-major, so our row-major flat A reads to it as Aᵀ.
 * Its multiply(out, X, Y) computes X·Y; handing it (B, A) gives Bᵀ·Aᵀ = (A·B)ᵀ column-major,
 * which is A·B row-major. Transposition is layout-symmetric. Plain arrays keep it in float64.
 */
const GL: [number, GlMat][] = [
  [2, mat2 as unknown as GlMat],
  [3, mat3 as unknown as GlMat],
  [4, mat4 as unknown as GlMat],
];
const glMatmul = (gl: GlMat, n: number, a: Mat, b: Mat): Mat => gl.multiply(new Array<number>(n * n).fill(0), b, a);
const glTranspose = (gl: GlMat, n: number, a: Mat): Mat => gl.transpose(new Array<number>(n * n).fill(0), a);

export function matmulSuite(r: Registry): void {
  r.test('matmul: [[1,2],[3,4]] @ [[5,6],[7,8]] = [[19,22],[43,50]]', () =>
    check(() => {
      const y = tf.matmul(
        tf.tensor([
          [1, 2],
          [3, 4],
        ]),
        tf.tensor([
          [5, 6],
          [7, 8],
        ]),
      );
      expectShape(y, [2, 2]);
      expectArrayEqual(y, [19, 22, 43, 50]);
    }),
  );

  r.test('matmul: [2,3] @ [3,1] and a row vector [1,3] @ [3,2]', () =>
    check(() => {
      expectArrayEqual(
        tf.matmul(
          tf.tensor([
            [1, 2, 3],
            [4, 5, 6],
          ]),
          tf.tensor([[1], [0], [-1]]),
        ),
        [-2, -2],
      );
      const y = tf.matmul(
        tf.tensor([[1, 1, 1]]),
        tf.tensor([
          [1, 2],
          [3, 4],
          [5, 6],
        ]),
      );
      expectShape(y, [1, 2]);
      expectArrayEqual(y, [9, 12]);
    }),
  );

  r.test('matmul: transposeA and transposeB flags', () =>
    check(() => {
      const a = tf.tensor([
        [1, 2],
        [3, 4],
      ]);
      const b = tf.tensor([
        [5, 6],
        [7, 8],
      ]);
      expectArrayEqual(tf.matmul(a, b, true, false), [26, 30, 38, 44]); // aᵀ b
      expectArrayEqual(tf.matmul(a, b, false, true), [17, 23, 39, 53]); // a bᵀ
      expectArrayEqual(tf.matmul(a, b, true, true), [23, 31, 34, 46]); // aᵀ bᵀ
      const c = tf.matmul(tf.tensor([[1, 2, 3]]), tf.tensor([[1, 2, 3]]), true, false); // [3,1] @ [1,3]
      expectShape(c, [3, 3]);
      expectArrayEqual(c, [1, 2, 3, 2, 4, 6, 3, 6, 9]);
    }),
  );

  r.test('matmul: batched [2,2,2] @ [2,2,2] multiplies matching batches', () =>
    check(() => {
      const a = tf.tensor([
        [
          [1, 0],
          [0, 1],
        ],
        [
          [1, 2],
          [3, 4],
        ],
      ]);
      const b = tf.tensor([
        [
          [5, 6],
          [7, 8],
        ],
        [
          [1, 0],
          [0, 2],
        ],
      ]);
      const y = tf.matmul(a, b);
      expectShape(y, [2, 2, 2]);
      expectArrayEqual(y, [5, 6, 7, 8, 1, 4, 3, 8]);
    }),
  );

  r.test('matmul: batch broadcast [2,1,2,2] @ [3,2,1] gives [2,3,2,1]', () =>
    check(() => {
      const a = tf.tensor([
        [
          [
            [1, 0],
            [0, 1],
          ],
        ],
        [
          [
            [2, 0],
            [0, 2],
          ],
        ],
      ]); // I and 2I
      const b = tf.tensor([
        [[1], [2]],
        [[3], [4]],
        [[5], [6]],
      ]);
      const y = tf.matmul(a, b);
      expectShape(y, [2, 3, 2, 1]);
      expectArrayEqual(y, [1, 2, 3, 4, 5, 6, 2, 4, 6, 8, 10, 12]);
    }),
  );

  r.test('matmul: int32 stays int32 and exact', () =>
    check(() => {
      const y = tf.matmul(
        tf.tensor(
          [
            [1, 2],
            [3, 4],
          ],
          [2, 2],
          'int32',
        ),
        tf.tensor(
          [
            [5, 6],
            [7, 8],
          ],
          [2, 2],
          'int32',
        ),
      );
      if (y.dtype !== 'int32') throw new Error(`int32 matmul gave ${y.dtype}`);
      expectArrayEqual(y, [19, 22, 43, 50]);
    }),
  );

  r.test('matmul: inner dimension 0 gives zeros; m = 0 gives an empty result', () =>
    check(() => {
      const z = tf.matmul(tf.zeros([2, 0]), tf.zeros([0, 3]));
      expectShape(z, [2, 3]);
      expectArrayEqual(z, [0, 0, 0, 0, 0, 0]);
      expectShape(tf.matmul(tf.zeros([0, 2]), tf.ones([2, 3])), [0, 3]);
    }),
  );

  r.test('matmul: a 1x1 result over k = 64 (long dot product)', () =>
    check(() => {
      const u = Array.from({ length: 64 }, (_, i) => (i % 7) - 3);
      const v = Array.from({ length: 64 }, (_, i) => (i % 5) - 2);
      const dot = u.reduce((s, ui, i) => s + ui * v[i], 0);
      expectArrayEqual(tf.matmul(tf.tensor([u]), tf.tensor(v, [64, 1])), [dot]);
    }),
  );

  for (const [n, gl] of GL) {
    r.test(`matmul: property, ${n}x${n} against gl-matrix multiply (all transpose flags)`, (env) => {
      const m = fc.array(float, { minLength: n * n, maxLength: n * n });
      property(env, 15, fc.tuple(m, m, fc.boolean(), fc.boolean()), ([a, b, ta, tb]) => {
        const oa = ta ? glTranspose(gl, n, a) : a;
        const ob = tb ? glTranspose(gl, n, b) : b;
        const expected = glMatmul(gl, n, oa, ob);
        const absBound = glMatmul(gl, n, oa.map(Math.abs), ob.map(Math.abs));
        expectArrWithin(
          tf.matmul(tf.tensor(a, [n, n]), tf.tensor(b, [n, n]), ta, tb),
          ref.arr([n, n], expected),
          sumTol(ref.arr([n, n], absBound)),
        );
      });
    });
    r.test(`transpose: property, ${n}x${n} against gl-matrix transpose`, (env) => {
      property(env, 10, fc.array(float, { minLength: n * n, maxLength: n * n }), (a) => {
        expectClose(tf.transpose(tf.tensor(a, [n, n])), glTranspose(gl, n, a), TOL.exact);
      });
    });
  }

  // Random m, k, n in 0-4, batch dims (rank 0-2) that broadcast, and both transpose flags.
  const problem = (value: fc.Arbitrary<number>) =>
    fc
      .record({ m: dim, k: dim, n: dim, batch: shape(0, 2), ta: fc.boolean(), tb: fc.boolean() })
      .chain(({ m, k, n, batch, ta, tb }) =>
        fc
          .tuple(broadcastableTo(batch), broadcastableTo(batch))
          .chain(([ba, bb]) =>
            fc.tuple(
              arrOf([...ba, ...(ta ? [k, m] : [m, k])], value),
              arrOf([...bb, ...(tb ? [n, k] : [k, n])], value),
              fc.constant(ta),
              fc.constant(tb),
            ),
          ),
      );

  r.test('matmul: property, float32 random sizes, transposes and batch broadcast', (env) => {
    property(env, 60, problem(float), ([a, b, ta, tb]) => {
      const { value, absDot } = ref.matmul(a, b, ta, tb);
      expectArrWithin(tf.matmul(T(a), T(b), ta, tb), value, sumTol(absDot));
    });
  });

  // Sizes past 4 cross the block edges of blocked/tiled kernels (CPU 4x4 blocks, GPU tiles).
  const big = fc.integer({ min: 1, max: 13 });
  const bigProblem = fc
    .record({
      m: big,
      k: big,
      n: big,
      batch: shape(0, 1, fc.integer({ min: 1, max: 3 })),
      bBatched: fc.boolean(),
      ta: fc.boolean(),
      tb: fc.boolean(),
    })
    .chain(({ m, k, n, batch, bBatched, ta, tb }) =>
      fc.tuple(
        arrOf([...batch, ...(ta ? [k, m] : [m, k])], float),
        arrOf([...(bBatched ? batch : []), ...(tb ? [n, k] : [k, n])], float),
        fc.constant(ta),
        fc.constant(tb),
      ),
    );
  r.test('matmul: property, float32 sizes 1-13 (block edges), transposes, batch vs unbatched', (env) => {
    property(env, 25, bigProblem, ([a, b, ta, tb]) => {
      const { value, absDot } = ref.matmul(a, b, ta, tb);
      expectArrWithin(tf.matmul(T(a), T(b), ta, tb), value, sumTol(absDot));
    });
  });

  r.test('matmul: property, int32 random sizes are exact', (env) => {
    property(env, 25, problem(int), ([a, b, ta, tb]) => {
      expectArr(tf.matmul(T(a, 'int32'), T(b, 'int32'), ta, tb), ref.matmul(a, b, ta, tb).value);
    });
  });
}
