/**
 * The binary kernels' row fast paths (both operands contiguous, unrolled by 4; a broadcast scalar
 * on either side) against a plain float64 reference loop over the broadcast indices: every
 * kind of row, row lengths that leave 0-3 elements after the unrolled part, the non-commutative
 * ops with the scalar on each side, int32 (which wraps), and a strided operand (general path).
 */
import test from 'ava';
import * as tf from '@tapeflow/core';
import '../src/index.js';

test.before(async () => {
  if (!(await tf.setBackend('cpu'))) throw new Error('cpu backend failed to initialize');
});

/** Deterministic values in [-scale, scale) (a 32-bit LCG), never 0 (the ops divide). */
function values(n: number, seed: number, scale: number): number[] {
  let s = seed >>> 0;
  return Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const v = (s / 2 ** 31 - 1) * scale;
    return v === 0 ? 1 : v;
  });
}

type Op = 'add' | 'sub' | 'mul' | 'div';
const OPS: Record<
  Op,
  {
    f: (a: tf.Tensor, b: tf.Tensor) => tf.Tensor;
    ref: (a: number, b: number) => number;
    int?: (a: bigint, b: bigint) => bigint;
  }
> = {
  add: { f: tf.add, ref: (a, b) => a + b, int: (a, b) => a + b },
  sub: { f: tf.sub, ref: (a, b) => a - b, int: (a, b) => a - b },
  mul: { f: tf.mul, ref: (a, b) => a * b, int: (a, b) => a * b },
  div: { f: tf.div, ref: (a, b) => a / b }, // int32 div floors, through its own strided loop
};

/** Row-major index of `idx` (an index into the broadcast shape) within `shape`. */
function sourceIndex(idx: number[], shape: number[]): number {
  const lead = idx.length - shape.length;
  let k = 0;
  for (let d = 0; d < shape.length; d++) k = k * shape[d] + (shape[d] === 1 ? 0 : idx[lead + d]);
  return k;
}

/** f over NumPy broadcasting of a (shape as) and b (shape bs) to `out`. */
function reference(
  f: (a: number, b: number) => number,
  a: ArrayLike<number>,
  as: number[],
  b: ArrayLike<number>,
  bs: number[],
  out: number[],
): number[] {
  const size = out.reduce((p, d) => p * d, 1);
  const res: number[] = [];
  for (let flat = 0; flat < size; flat++) {
    const idx: number[] = [];
    for (let d = out.length - 1, r = flat; d >= 0; d--) {
      idx[d] = r % out[d];
      r = Math.floor(r / out[d]);
    }
    res.push(f(a[sourceIndex(idx, as)], b[sourceIndex(idx, bs)]));
  }
  return res;
}

// [a shape, b shape, output shape]: same shape (lengths 4k + 0..3), scalar on either side,
// a bias row on either side, a column broadcast (stride-0 rows of the other kind).
const CASES: [number[], number[], number[]][] = [
  [[8], [8], [8]],
  [[9], [9], [9]],
  [
    [3, 10],
    [3, 10],
    [3, 10],
  ],
  [[7], [7], [7]],
  [[1], [1], [1]],
  [[5, 7], [], [5, 7]],
  [[], [5, 7], [5, 7]],
  [[6], [1], [6]],
  [[1], [6], [6]],
  [[4, 6], [6], [4, 6]],
  [[6], [4, 6], [4, 6]],
  [
    [4, 1],
    [4, 5],
    [4, 5],
  ],
  [
    [4, 5],
    [4, 1],
    [4, 5],
  ],
];

for (const op of Object.keys(OPS) as Op[]) {
  test(`${op}: fast rows (contiguous, scalar on either side, bias rows) equal the float64 reference, float32 and int32`, (t) => {
    const before = tf.memory().numTensors;
    for (const [as, bs, out] of CASES) {
      const na = as.reduce((p, d) => p * d, 1),
        nb = bs.reduce((p, d) => p * d, 1);
      const av = values(na, 3 + na, 10),
        bv = values(nb, 7 + nb, 10);
      // float32: the float64 result rounded as the Float32Array store does.
      const got = tf.tidy(() => OPS[op].f(tf.tensor(av, as, 'float32'), tf.tensor(bv, bs, 'float32')).dataSync());
      const f32 = (x: number, y: number): number => Math.fround(OPS[op].ref(x, y));
      t.deepEqual(
        Array.from(got),
        reference(f32, Float32Array.from(av), as, Float32Array.from(bv), bs, out),
        `float32 ${op} ${JSON.stringify([as, bs])}`,
      );
      // int32: exact products and sums in BigInt, wrapped to 32 bits.
      const int = OPS[op].int;
      if (int === undefined) continue;
      const ai = av.map((v) => Math.round(v * 3e8)),
        bi = bv.map((v) => Math.round(v * 3e8));
      const goti = tf.tidy(() => OPS[op].f(tf.tensor(ai, as, 'int32'), tf.tensor(bi, bs, 'int32')).dataSync());
      const i32 = (x: number, y: number): number => Number(BigInt.asIntN(32, int(BigInt(x), BigInt(y))));
      t.deepEqual(
        Array.from(goti),
        reference(i32, Int32Array.from(ai), as, Int32Array.from(bi), bs, out),
        `int32 ${op} ${JSON.stringify([as, bs])}`,
      );
    }
    t.is(tf.memory().numTensors, before);
  });
}

test('a transposed operand takes the general strided path', (t) => {
  const av = values(12, 1, 5),
    bv = values(12, 2, 5);
  const y = tf.tidy(() => tf.sub(tf.transpose(tf.tensor(av, [3, 4])), tf.tensor(bv, [4, 3])).dataSync());
  const expect: number[] = [];
  for (let r = 0; r < 4; r++)
    for (let c = 0; c < 3; c++) expect.push(Math.fround(Math.fround(av[c * 4 + r]) - Math.fround(bv[r * 3 + c])));
  t.deepEqual(Array.from(y), expect);
});
