/** Creating tensors and reading them back: tensor, scalar, zeros/ones/fill(+Like), range, data access. */
import * as tf from '@tapeflow/core';
import type { Registry } from '../harness.js';
import { assert, expectArrayEqual, expectClose, expectNestedEqual, expectNoLeak, expectShape } from '../harness.js';
import { anyArr, bool, float, int } from './gen.js';
import * as ref from './reference.js';
import { T, TOL, check, property } from './util.js';
import fc from 'fast-check';

const dt = (t: tf.Tensor, dtype: tf.DType): void => assert(t.dtype === dtype, `dtype ${t.dtype} != expected ${dtype}`);

export function creationSuite(r: Registry): void {
  r.test('tensor: nested arrays infer shape and float32', () =>
    check(() => {
      const t = tf.tensor([
        [1, 2, 3],
        [4, 5, 6],
      ]);
      expectShape(t, [2, 3]);
      dt(t, 'float32');
      assert(t.size === 6 && t.rank === 2, `size ${t.size} rank ${t.rank}`);
      expectArrayEqual(t, [1, 2, 3, 4, 5, 6]);
    }),
  );

  r.test('tensor: flat values with a shape, explicit dtypes, booleans infer bool', () =>
    check(() => {
      const t = tf.tensor([1, 2, 3, 4, 5, 6], [3, 1, 2]);
      expectShape(t, [3, 1, 2]);
      const i = tf.tensor([1.9, -1.9, 3], [3], 'int32');
      dt(i, 'int32');
      expectArrayEqual(i, [1, -1, 3]);
      const b = tf.tensor([true, false, true]);
      dt(b, 'bool');
      expectArrayEqual(b, [1, 0, 1]);
      dt(tf.tensor([1, 0], [2], 'bool'), 'bool');
    }),
  );

  r.test('tensor: typed arrays keep their dtype (Int32Array -> int32, Float32Array -> float32)', () =>
    check(() => {
      const i = tf.tensor(new Int32Array([4, 5]));
      dt(i, 'int32');
      expectShape(i, [2]);
      const f = tf.tensor(new Float32Array([0.5, 1, 2, 3]), [2, 2]);
      dt(f, 'float32');
      expectArrayEqual(f, [0.5, 1, 2, 3]);
    }),
  );

  r.test('tensor: float32 rounding of 0.1 and large ints; empty and scalar tensors', () =>
    check(() => {
      expectArrayEqual(tf.tensor([0.1, 16777217]), [Math.fround(0.1), 16777216]);
      const e = tf.tensor([], [0, 4]);
      expectShape(e, [0, 4]);
      assert(e.size === 0, `size ${e.size}`);
      expectShape(tf.tensor(7), []);
      expectShape(tf.tensor([]), [0]);
    }),
  );

  r.test('tensor: a single value fills a given shape', () =>
    check(() => {
      const t = tf.tensor(2, [2, 2]);
      expectShape(t, [2, 2]);
      expectArrayEqual(t, [2, 2, 2, 2]);
    }),
  );

  r.test('scalar: number and boolean, with dtype', () =>
    check(() => {
      const s = tf.scalar(3.5);
      expectShape(s, []);
      assert(s.rank === 0 && s.size === 1, `rank ${s.rank} size ${s.size}`);
      expectArrayEqual(s, [3.5]);
      dt(tf.scalar(true), 'bool');
      const i = tf.scalar(-2, 'int32');
      dt(i, 'int32');
      expectArrayEqual(i, [-2]);
    }),
  );

  r.test('zeros, ones, fill: shapes and dtypes', () =>
    check(() => {
      const z = tf.zeros([2, 3]);
      dt(z, 'float32');
      expectShape(z, [2, 3]);
      expectArrayEqual(z, [0, 0, 0, 0, 0, 0]);
      const o = tf.ones([3], 'int32');
      dt(o, 'int32');
      expectArrayEqual(o, [1, 1, 1]);
      const b = tf.ones([2], 'bool');
      dt(b, 'bool');
      expectArrayEqual(b, [1, 1]);
      expectArrayEqual(tf.fill([2, 2], -1.5), [-1.5, -1.5, -1.5, -1.5]);
      dt(tf.fill([1], true), 'bool');
      dt(tf.fill([1], 3, 'int32'), 'int32');
      expectShape(tf.zeros([]), []);
      expectShape(tf.zeros([3, 0]), [3, 0]);
    }),
  );

  r.test('zerosLike and onesLike copy shape and dtype', () =>
    check(() => {
      const x = tf.tensor([[1, 2, 3]], [1, 3], 'int32');
      const z = tf.zerosLike(x);
      dt(z, 'int32');
      expectShape(z, [1, 3]);
      expectArrayEqual(z, [0, 0, 0]);
      const o = tf.onesLike(tf.tensor([true, false]));
      dt(o, 'bool');
      expectArrayEqual(o, [1, 1]);
    }),
  );

  r.test('range: like NumPy arange (stop only, step, negative step, empty, int32)', () =>
    check(() => {
      expectArrayEqual(tf.range(4), [0, 1, 2, 3]);
      expectArrayEqual(tf.range(1, 7, 2), [1, 3, 5]);
      expectArrayEqual(tf.range(5, 1, -1.5), [5, 3.5, 2]);
      expectShape(tf.range(3, 3), [0]);
      expectShape(tf.range(3, 1), [0]);
      const i = tf.range(0, 3, 1, 'int32');
      dt(i, 'int32');
      expectArrayEqual(i, [0, 1, 2]);
      expectClose(tf.range(0, 1, 0.25), [0, 0.25, 0.5, 0.75], TOL.exact);
    }),
  );

  // TF: tf.range(5) is int32 [0, 1, 2, 3, 4]; a float argument makes it float32.
  r.test('range: int32 for integer arguments like TF, float32 when any is fractional or asked for', () =>
    check(() => {
      dt(tf.range(5), 'int32');
      dt(tf.range(3, 18, 3), 'int32');
      expectArrayEqual(tf.range(3, 18, 3), [3, 6, 9, 12, 15]);
      dt(tf.range(0, 1, 0.5), 'float32');
      dt(tf.range(2.5), 'float32');
      dt(tf.range(0, 3, 1, 'float32'), 'float32');
      expectArrayEqual(tf.range(5, 1, -1), [5, 4, 3, 2]);
    }),
  );

  r.test('arraySync: nested numbers, booleans for bool, a number for scalars', () =>
    check(() => {
      expectNestedEqual(
        tf
          .tensor([
            [1, 2],
            [3, 4],
          ])
          .arraySync(),
        [
          [1, 2],
          [3, 4],
        ],
      );
      expectNestedEqual(tf.tensor([[true, false]]).arraySync(), [[true, false]]);
      expectNestedEqual(tf.scalar(5).arraySync(), 5);
      expectNestedEqual(tf.zeros([2, 0]).arraySync(), [[], []]);
    }),
  );

  r.test('dataSync: typed array of the dtype, a fresh copy each call', () =>
    check(() => {
      const t = tf.tensor([1, 2, 3]);
      const d = t.dataSync();
      assert(d instanceof Float32Array, `float32 dataSync gave ${d.constructor.name}`);
      d[0] = 100;
      expectArrayEqual(t, [1, 2, 3]);
      assert(tf.tensor([1], [1], 'int32').dataSync() instanceof Int32Array, 'int32 dataSync is not an Int32Array');
      assert(tf.tensor([true]).dataSync() instanceof Uint8Array, 'bool dataSync is not a Uint8Array');
    }),
  );

  r.test('data: resolves to the same values as dataSync', async () => {
    const before = tf.memory().numTensors;
    const t = tf.tidy(() =>
      tf.add(
        tf.tensor([
          [1, 2],
          [3, 4],
        ]),
        0.5,
      ),
    );
    const d = await t.data();
    expectArrayEqual(d, [1.5, 2.5, 3.5, 4.5]);
    const i = tf.tensor([7, 8], [2], 'int32');
    const di = await i.data();
    assert(di instanceof Int32Array, `int32 data() gave ${di.constructor.name}`);
    expectArrayEqual(di, [7, 8]);
    tf.dispose([t, i]);
    assert(tf.memory().numTensors === before, 'data() case leaked tensors');
  });

  r.test('data and arraySync of movement results (possible views) are row-major', async () => {
    const before = tf.memory().numTensors;
    const x = tf.tensor([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    const y = tf.tidy(() => tf.reverse(tf.transpose(x), 1)); // [[4,1],[5,2],[6,3]]
    expectArrayEqual(await y.data(), [4, 1, 5, 2, 6, 3]);
    expectNestedEqual(y.arraySync(), [
      [4, 1],
      [5, 2],
      [6, 3],
    ]);
    const s = tf.slice(x, [0, 1], [2, 1]);
    expectNestedEqual(await s.array(), [[2], [5]]);
    tf.dispose([x, y, s]);
    assert(tf.memory().numTensors === before, 'view read case leaked tensors');
  });

  // ---- properties ------------------------------------------------------------------------------

  r.test('tensor: property, round-trips values and shape for every dtype', (env) => {
    const arb = fc
      .constantFrom(['float32', float], ['int32', int], ['bool', bool])
      .chain(([dtype, v]) => fc.tuple(anyArr(v), fc.constant(dtype as tf.DType)));
    property(env, 30, arb, ([a, dtype]) => {
      const t = T(a, dtype);
      expectShape(t, a.shape);
      dt(t, dtype);
      expectArrayEqual(t, a.data);
      const nested = ref.toNested(a);
      expectNestedEqual(t.arraySync(), dtype === 'bool' ? boolNest(nested) : nested);
      expectNoLeak(() => tf.tensor(nested as tf.NestedArray, a.shape, dtype).dispose());
    });
  });
}

const boolNest = (x: unknown): unknown => (Array.isArray(x) ? x.map(boolNest) : x !== 0);
