/**
 * Engine unit tests against a tiny fake backend (no real backend is imported): backend registry
 * and selection, storage refcounts, tape holds, share, the recorder hook (set through autograd's
 * withKernelListener, the only way to set it outside autograd), cross-backend moves.
 * Runs serially: the engine is a process-wide singleton (ava gives each file its own process).
 */
import test from 'ava';
import * as tf from '@tapeflow/core';
import { ENGINE, type Backend, type KernelRecord, type TensorInfo, type TypedArray } from '@tapeflow/core';
import { withKernelListener } from '@tapeflow/autograd';

/** A backend holding Float32Array copies, with only Add, Neg and Reshape; counts its live buffers. */
function fakeBackend(name: string): Backend & { live: Set<object> } {
  const live = new Set<object>();
  const store = (v: TypedArray): object => {
    const id = { v: v.slice() };
    live.add(id);
    return id;
  };
  const get = (t: TensorInfo): TypedArray => (t.dataId as { v: TypedArray }).v;
  const kernels = {
    Add: ([a, b]: TensorInfo[]) => store(get(a).map((x, i) => x + get(b)[b.shape.length ? i : 0])),
    Neg: ([a]: TensorInfo[]) => store(get(a).map((x) => -x)),
    Reshape: ([a]: TensorInfo[]) => store(get(a)),
  };
  return {
    name,
    live,
    kernels: new Proxy(kernels, {
      get: (k, p: string) =>
        (k as Record<string, unknown>)[p] ??
        (() => {
          throw new Error(`${name}: no kernel ${p}`);
        }),
    }) as unknown as Backend['kernels'],
    supportsDType: (d) => d !== 'float64',
    write: (values) => store(values),
    readSync: (t) => get(t).slice(),
    read: (t) => Promise.resolve(get(t).slice()),
    disposeData: (id) => {
      live.delete(id);
    },
  };
}

const a = fakeBackend('fake-a');
const b = fakeBackend('fake-b');

test.serial('without any backend, using the engine is a ValueError telling what to import', (t) => {
  const e = t.throws(() => tf.zeros([1]), { instanceOf: tf.ValueError });
  t.regex(e.message, /backend/);
  t.regex(e.message, /@tapeflow\/backend-cpu/);
});

test.serial('registerBackend: true once per name, TypeError on bad arguments', (t) => {
  t.true(tf.registerBackend('fake-a', () => a, 1));
  t.false(tf.registerBackend('fake-a', () => a, 5));
  t.true(tf.registerBackend('fake-b', () => Promise.resolve(b), 2));
  t.true(
    tf.registerBackend(
      'broken',
      () => {
        throw new Error('no GPU');
      },
      3,
    ),
  );
  t.throws(() => tf.registerBackend('', () => a), { instanceOf: TypeError });
  t.throws(() => tf.registerBackend('x', 5 as unknown as () => Backend), { instanceOf: TypeError, message: /x/ });
});

test.serial('without setBackend, the highest-priority synchronous backend that initializes is used', (t) => {
  // 'broken' (3) throws and 'fake-b' (2) is async, so 'fake-a' (1) serves synchronous use.
  t.is(tf.getBackend(), 'fake-a');
});

test.serial('setBackend: unknown names reject with ValueError; a failing factory gives false', async (t) => {
  const e = await t.throwsAsync(tf.setBackend('nope'), { instanceOf: tf.ValueError });
  t.regex(e.message, /nope/);
  t.regex(e.message, /fake-a/); // lists what is registered
  t.false(await tf.setBackend('broken'));
  t.is(tf.getBackend(), 'fake-a');
  t.true(await tf.setBackend('fake-b'));
  t.is(tf.getBackend(), 'fake-b');
  t.true(await tf.setBackend('fake-a'));
});

test.serial('tensors follow the active backend: data written on one is moved to the other on use', async (t) => {
  const x = tf.tensor([1, 2, 3]);
  t.true(a.live.size >= 1);
  await tf.setBackend('fake-b');
  const y = tf.neg(x);
  t.deepEqual(Array.from(y.dataSync()), [-1, -2, -3]);
  t.deepEqual(Array.from(x.dataSync()), [1, 2, 3]);
  tf.dispose([x, y]);
  t.is(b.live.size, 0);
  t.is(a.live.size, 0);
  await tf.setBackend('fake-a');
});

test.serial('storage is refcounted: share and variables free their buffer exactly once', (t) => {
  const before = tf.memory();
  const x = tf.tensor([1, 2]);
  const s = ENGINE.share(x, [2, 1]);
  t.deepEqual(s.shape, [2, 1]);
  t.is(tf.memory().numTensors, before.numTensors + 2);
  t.is(tf.memory().numDataBuffers, before.numDataBuffers + 1);
  x.dispose();
  t.deepEqual(Array.from(s.dataSync()), [1, 2]);
  s.dispose();
  t.is(a.live.size, 0);
  const init = tf.tensor([5]);
  const v = tf.variable(init);
  t.is(tf.memory().numDataBuffers, before.numDataBuffers + 1); // the variable shares init's storage
  init.dispose();
  t.deepEqual(Array.from(v.dataSync()), [5]);
  v.dispose();
  t.is(a.live.size, 0);
  const { numTensors, numDataBuffers, numBytes } = before;
  t.like(tf.memory(), { numTensors, numDataBuffers, numBytes });
});

test.serial('peakBytes: the high-water mark of numBytes, counted per buffer, restarted by resetPeakBytes', (t) => {
  const base = tf.memory().numBytes;
  ENGINE.resetPeakBytes();
  t.is(tf.memory().peakBytes, base);
  const x = tf.tensor(new Float32Array(100)); // 400 bytes
  const s = ENGINE.share(x, [10, 10]); // same buffer: counted once
  const y = tf.neg(x); // another 400
  t.is(tf.memory().numBytes, base + 800);
  tf.dispose([x, s, y]);
  const m = tf.memory();
  t.is(m.numBytes, base);
  t.is(m.peakBytes, base + 800);
  t.is(ENGINE.resetPeakBytes(), base + 800);
  t.is(tf.memory().peakBytes, base);
  tf.tensor([1, 2, 3]).dispose(); // 12 bytes
  t.is(tf.memory().peakBytes, base + 12);
});

test.serial('hold/release: a held tensor disposed meanwhile stays readable in backward, freed on release', (t) => {
  const start = tf.memory().numTensors;
  const x = tf.tensor([3, 4]);
  ENGINE.hold(x);
  x.dispose();
  t.true(x.isDisposed);
  t.is(tf.memory().numTensors, start + 1); // storage still alive
  t.throws(() => tf.neg(x), { instanceOf: tf.ValueError, message: /neg.*'x'.*disposed/ });
  ENGINE.duringBackward(() => {
    const y = tf.neg(x);
    t.deepEqual(Array.from(y.dataSync()), [-3, -4]);
    y.dispose();
  });
  ENGINE.release(x);
  t.is(tf.memory().numTensors, start);
});

test.serial('the recorder sees every kernel with its inputs, attrs and outputs', (t) => {
  const seen: KernelRecord[] = [];
  // autograd's listener scope is the one way to set the engine's hook.
  withKernelListener(
    (r) => {
      seen.push(r);
    },
    () => {
      tf.tidy(() => {
        const x = tf.tensor([1, 2]);
        const y = tf.add(x, x);
        const z = tf.reshape(y, [2, 1]);
        t.deepEqual(
          seen.map((r) => r.kernel),
          ['Add', 'Reshape'],
        );
        t.is(seen[0].inputs[0], x);
        t.is(seen[0].outputs[0], y);
        t.deepEqual(seen[1].attrs, { shape: [2, 1] });
        t.is(seen[1].outputs[0], z);
      });
    },
  );
  t.is(ENGINE.recorder, null);
});

test.serial('tidy refuses async functions (TypeError) and frees what they made', (t) => {
  const before = tf.memory().numTensors;
  t.throws(
    () =>
      tf.tidy((() => {
        tf.tensor([1]);
        return Promise.resolve();
      }) as unknown as () => void),
    { instanceOf: TypeError, message: /tidy.*Promise/ },
  );
  t.is(tf.memory().numTensors, before);
});

test.serial('removeBackend: forgets it; getBackend falls back to the next one', async (t) => {
  await tf.setBackend('fake-b');
  tf.removeBackend('fake-b');
  t.is(tf.getBackend(), 'fake-a');
  await t.throwsAsync(tf.setBackend('fake-b'), { instanceOf: tf.ValueError });
});
