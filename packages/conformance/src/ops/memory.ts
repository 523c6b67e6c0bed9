/** tidy, keep, dispose, memory(), variables and assign. */
import * as tf from '@tapeflow/core';
import type { Registry } from '../harness.js';
import { assert, expectArrayEqual, expectNoLeak, expectShape, expectThrows } from '../harness.js';
import { check } from './util.js';

const live = (): number => tf.memory().numTensors;

export function memorySuite(r: Registry): void {
  r.test('memory: numTensors and numBytes count a new tensor (4 bytes per float32/int32, 1 per bool)', () => {
    const m0 = tf.memory();
    const a = tf.zeros([2, 3]);
    const m1 = tf.memory();
    assert(m1.numTensors === m0.numTensors + 1, `numTensors ${m0.numTensors} -> ${m1.numTensors}`);
    assert(m1.numBytes === m0.numBytes + 24, `numBytes ${m0.numBytes} -> ${m1.numBytes}, expected +24`);
    const b = tf.ones([5], 'bool');
    assert(
      tf.memory().numBytes === m1.numBytes + 5,
      `bool numBytes +${tf.memory().numBytes - m1.numBytes}, expected +5`,
    );
    tf.dispose([a, b]);
    const m2 = tf.memory();
    assert(
      m2.numTensors === m0.numTensors && m2.numBytes === m0.numBytes,
      `after dispose: ${JSON.stringify(m2)} vs ${JSON.stringify(m0)}`,
    );
  });

  r.test('tidy: frees intermediates, keeps the returned tensor', () => {
    const before = live();
    const y = tf.tidy(() => {
      const a = tf.tensor([1, 2, 3]);
      const b = tf.mul(a, 2);
      return tf.add(b, 1);
    });
    assert(live() === before + 1, `expected exactly the result to survive, live ${live() - before}`);
    expectArrayEqual(y, [3, 5, 7]);
    y.dispose();
    assert(y.isDisposed, 'disposed tensor does not say isDisposed');
    assert(live() === before, 'dispose did not free the result');
  });

  r.test('tidy: returned nests of arrays and objects survive; named tidy', () => {
    const before = live();
    const out = tf.tidy('nest', () => {
      const a = tf.ones([2]);
      tf.zeros([3]); // garbage
      return { a, list: [tf.neg(a), 5], label: 'x' };
    });
    assert(live() === before + 2, `expected 2 survivors, live ${live() - before}`);
    expectArrayEqual(out.list[0], [-1, -1]);
    tf.dispose(out);
    assert(live() === before, 'dispose(nest) did not free everything');
  });

  r.test('tidy: nested scopes pass results outward; throwing frees the scope', () => {
    const before = live();
    const y = tf.tidy(() => {
      const inner = tf.tidy(() => tf.add(tf.ones([2]), tf.ones([2])));
      tf.zeros([4]);
      return tf.mul(inner, inner);
    });
    expectArrayEqual(y, [4, 4]);
    y.dispose();
    assert(live() === before, `nested tidy leaked ${live() - before}`);
    expectThrows(
      () =>
        tf.tidy(() => {
          tf.ones([3]);
          throw new RangeError('boom');
        }),
      RangeError,
      /boom/,
    );
    assert(live() === before, `throwing tidy leaked ${live() - before}`);
  });

  r.test('keep: a kept tensor survives its tidy', () => {
    const before = live();
    let kept: tf.Tensor | undefined;
    tf.tidy(() => {
      kept = tf.keep(tf.tensor([9]));
      tf.tensor([1]);
    });
    assert(kept !== undefined && !kept.isDisposed, 'kept tensor was disposed');
    expectArrayEqual(kept, [9]);
    kept.dispose();
    assert(live() === before, `keep case leaked ${live() - before}`);
  });

  r.test('dispose: twice is harmless; ops on a disposed tensor throw', () => {
    const before = live();
    const t = tf.tensor([1, 2]);
    t.dispose();
    t.dispose();
    tf.dispose(t);
    assert(live() === before, 'double dispose changed the count');
    expectThrows(() => t.dataSync(), tf.ValueError, /disposed/);
    expectThrows(() => tf.add(t, 1), tf.ValueError, /add/, /disposed/);
  });

  r.test('every op leaves no tensor behind (composites included)', () => {
    // Composite ops build intermediates inside their own tidy: only the result may survive.
    const x = tf.tensor([
      [1, -2, 3],
      [-4, 5, -6],
    ]);
    const x3 = tf.reshape(x, [1, 2, 3]);
    const mask = tf.greater(x, 0);
    const cases: [string, () => tf.Tensor | tf.Tensor[]][] = [
      ['softmax', () => tf.softmax(x)],
      ['logSoftmax', () => tf.logSoftmax(x, 0)],
      ['mean', () => tf.mean(x, 1, true)],
      ['tile', () => tf.tile(x, [2, 2])],
      ['clipByValue', () => tf.clipByValue(x, -1, 1)],
      ['square', () => tf.square(x)],
      ['oneHot', () => tf.oneHot([0, 1], 3)],
      ['sequenceMask', () => tf.sequenceMask([1, 2], 3, 'float32')],
      ['split', () => tf.split(x, 3, 1)],
      ['unstack', () => tf.unstack(x)],
      ['stack', () => tf.stack([x, x])],
      ['matmul', () => tf.matmul(x3, x, false, true)],
      ['add number', () => tf.add(x, 2)],
      ['gather', () => tf.gather(x, [1, 0])],
      ['where', () => tf.where(mask, x, 0)],
      // The TF1 port ops composed from primitives.
      ['softplus', () => tf.softplus(x)],
      ['elu', () => tf.elu(x)],
      ['leakyRelu', () => tf.leakyRelu(x)],
      ['rsqrt', () => tf.rsqrt(x)],
      ['notEqual', () => tf.notEqual(x, 3)],
      ['logicalOr', () => tf.logicalOr(mask, mask)],
      ['squaredDifference', () => tf.squaredDifference(x, 1)],
      ['addN', () => tf.addN([x, x, x])],
      ['logSumExp', () => tf.logSumExp(x, 1)],
      ['l2Loss', () => tf.l2Loss(x)],
      [
        'softmaxCrossEntropyWithLogits',
        () =>
          tf.softmaxCrossEntropyWithLogits({
            labels: [
              [0.2, 0.3, 0.5],
              [1, 0, 0],
            ],
            logits: x,
          }),
      ],
      [
        'sparseSoftmaxCrossEntropyWithLogits',
        () => tf.sparseSoftmaxCrossEntropyWithLogits({ labels: [0, 2], logits: x }),
      ],
      [
        'sigmoidCrossEntropyWithLogits',
        () =>
          tf.sigmoidCrossEntropyWithLogits({
            labels: [
              [1, 0, 0.5],
              [0, 1, 0.5],
            ],
            logits: x,
          }),
      ],
      ['clipByNorm', () => tf.clipByNorm(x, 1)],
      ['globalNorm', () => tf.globalNorm([x, x3])],
      ['clipByGlobalNorm', () => tf.clipByGlobalNorm([x, x3], 1).flat() as tf.Tensor[]],
      [
        'gatherNd',
        () =>
          tf.gatherNd(x, [
            [1, 2],
            [0, 0],
          ]),
      ],
      ['embeddingLookup', () => tf.embeddingLookup([x, x], [3, 0])],
      ['dropout', () => tf.dropout(x, { keepProb: 0.5, seed: 1 })],
      ['multinomial', () => tf.multinomial(x, 3, { seed: 1 })],
    ];
    for (const [name, f] of cases) {
      const before = live();
      const y = f();
      const n = Array.isArray(y) ? y.length : 1;
      assert(live() === before + n, `${name}: ${live() - before} tensors survived, expected ${n}`);
      tf.dispose(y);
    }
    tf.dispose([x, x3, mask]);
  });

  r.test('variable: holds a value, named, trainable by default, not disposed by tidy', () => {
    const before = live();
    let dropped: tf.Variable | undefined;
    const v = tf.tidy(() => {
      dropped = tf.variable(tf.tensor([1, 2]), { name: 'scope/w' }); // not returned, yet it outlives the tidy
      return tf.variable(
        tf.tensor([
          [1, 2],
          [3, 4],
        ]),
        { name: 'rnn/lstm_cell/kernel' },
      );
    });
    assert(v instanceof tf.Variable && v instanceof tf.Tensor, 'variable() did not return a Variable');
    assert(v.name === 'rnn/lstm_cell/kernel', `name ${v.name}`);
    assert(v.trainable === true, 'not trainable by default');
    expectShape(v, [2, 2]);
    expectArrayEqual(v, [1, 2, 3, 4]);
    assert(live() === before + 2, `expected the two variables to survive, live ${live() - before}`);
    const y = tf.tidy(() => tf.add(v, 1));
    expectArrayEqual(y, [2, 3, 4, 5]);
    y.dispose();
    v.dispose();
    assert(dropped !== undefined && !dropped.isDisposed, 'tidy disposed a variable');
    expectArrayEqual(dropped, [1, 2]);
    dropped.dispose();
    assert(live() === before, `variable case leaked ${live() - before}`);
  });

  r.test('variable: from JS arrays and with options; default names are unique', () =>
    expectNoLeak(() => {
      const a = tf.variable([1, 2, 3], { trainable: false });
      const zero = tf.scalar(0);
      const b = tf.variable(zero);
      assert(a.trainable === false, 'trainable: false ignored');
      assert(a.name !== b.name, `two variables share the name ${a.name}`);
      expectArrayEqual(a, [1, 2, 3]);
      const c = tf.variable([1, 2], { dtype: 'int32' });
      assert(c.dtype === 'int32', `dtype ${c.dtype}`);
      tf.dispose([a, b, c, zero]);
    }),
  );

  r.test('variable: assign replaces the value; the initial tensor and old reads are unchanged', () =>
    expectNoLeak(() => {
      const init = tf.tensor([1, 2, 3]);
      const v = tf.variable(init);
      const snapshot = tf.tidy(() => tf.add(v, 0));
      const next = tf.tensor([7, 8, 9]);
      v.assign(next);
      expectArrayEqual(v, [7, 8, 9]);
      expectArrayEqual(init, [1, 2, 3]);
      expectArrayEqual(snapshot, [1, 2, 3]);
      next.dispose(); // the variable keeps its own reference to the storage
      expectArrayEqual(v, [7, 8, 9]);
      check(() => {
        v.assign(tf.mul(v, 2));
      });
      expectArrayEqual(v, [14, 16, 18]);
      tf.dispose([init, v, snapshot]);
    }),
  );

  r.test('variable: assign of another shape or dtype is a ValueError naming both', () =>
    expectNoLeak(() => {
      const init = tf.zeros([2, 2]);
      const v = tf.variable(init, { name: 'w' });
      check(() => {
        expectThrows(() => v.assign(tf.zeros([3])), tf.ValueError, /assign/, /'w'/, /\[2,2\]/, /\[3\]/);
        expectThrows(() => v.assign(tf.zeros([2, 2], 'int32')), tf.ValueError, /assign/, /float32/, /int32/);
        expectThrows(() => v.assign([1, 2, 3, 4] as unknown as tf.Tensor), TypeError, /assign/);
      });
      tf.dispose([v, init]);
    }),
  );
}
