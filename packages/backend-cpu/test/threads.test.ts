/**
 * `@tapeflow/backend-cpu/threads`: Node's main entry starts one thread per core; with a worker
 * pool, float32 matmuls give bit for bit the single-thread result (every tile is the same code in
 * the same order), the workers really take tasks, and stopping the pool returns to the calling
 * thread. A worker that throws, exits or hangs (injected faults) fails the call with a
 * WorkerFailure instead of hanging it, and a fresh pool takes over.
 */
import { availableParallelism } from 'node:os';
import test from 'ava';
import * as tf from '@tapeflow/core';
import '@tapeflow/backend-cpu';
import {
  WorkerFailure,
  injectWorkerFault,
  stopThreads,
  tasksByWorkers,
  threadCount,
  threadsReady,
  useThreads,
} from '@tapeflow/backend-cpu/threads';

test.before(async () => {
  if (!(await tf.setBackend('cpu'))) throw new Error('cpu backend failed to initialize');
});
test.after.always(() => stopThreads());

function values(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 31 - 1;
  });
}

/** [nbA, m, k] @ [nbB, k, n] (optionally transposed operands) on the current thread setting. */
function product(
  nbA: number,
  nbB: number,
  m: number,
  n: number,
  k: number,
  ta: boolean,
  tb: boolean,
  seed: number,
): Float32Array {
  return tf.tidy(() => {
    const a = tf.tensor(values(nbA * m * k, seed), ta ? [nbA, k, m] : [nbA, m, k]);
    const b = tf.tensor(values(nbB * k * n, seed + 1), tb ? [nbB, n, k] : [nbB, k, n]);
    return tf.matmul(a, b, ta, tb).dataSync() as Float32Array;
  });
}

// First: no useThreads call may come before it.
test.serial('importing the package in Node starts one thread per available core', async (t) => {
  await threadsReady();
  t.is(threadCount(), availableParallelism());
  await useThreads(1);
  t.is(threadCount(), 1);
});

test.serial('matmul on 2 threads equals the single-thread result bit for bit; the workers take tasks', async (t) => {
  // Wide and tall products (split by rows or by columns), ragged edges, k past a 512-step block,
  // batches, a shared B (batches stacked as rows), and one too small to split.
  const cases: [number, number, number, number, number, boolean, boolean][] = [
    [1, 1, 300, 200, 130, false, false],
    [1, 1, 37, 450, 600, true, false],
    [1, 1, 333, 9, 257, false, true],
    [4, 4, 70, 90, 110, true, true],
    [6, 1, 50, 64, 128, false, false],
    [1, 1, 20, 20, 20, false, false],
  ];
  const before = tf.memory().numTensors;
  const single = cases.map((c, i) => product(...c, i));
  await useThreads(2);
  t.is(threadCount(), 2);
  const started = tasksByWorkers();
  // Repeat: under load a worker may not be scheduled before the calling thread drains a product.
  for (let rep = 0; rep < 5; rep++) {
    cases.forEach((c, i) => t.deepEqual(product(...c, i), single[i], `case ${i}, repeat ${rep}`));
  }
  t.true(tasksByWorkers() > started, 'the worker ran no task');
  await useThreads(1);
  t.is(threadCount(), 1);
  t.deepEqual(product(...cases[0], 0), single[0]);
  await stopThreads();
  t.is(threadCount(), 1);
  t.is(tf.memory().numTensors, before);
});

test.serial('useThreads rejects a thread count that is not a positive integer', async (t) => {
  await t.throwsAsync(() => useThreads(0), {
    instanceOf: tf.ValueError,
    message: /useThreads: n must be an integer >= 1, got 0/,
  });
  await t.throwsAsync(() => useThreads(1.5), { instanceOf: tf.ValueError });
});

/** A 256^3 product: 8 tasks on 2 threads, so the worker claims some of them. */
const BIG: [number, number, number, number, number, boolean, boolean] = [1, 1, 256, 256, 256, false, false];

for (const fault of ['throw', 'exit', 'hang'] as const) {
  test.serial(
    `a worker that ${fault === 'hang' ? 'hangs' : fault === 'exit' ? 'exits' : 'throws'} during a matmul fails the call with a WorkerFailure; a fresh pool then gives the single-thread result`,
    async (t) => {
      const before = tf.memory().numTensors;
      await useThreads(1);
      const single = product(...BIG, 7);
      await useThreads(2, { taskTimeoutMs: 2000 }); // a hang is caught after 2 s without a finished task
      injectWorkerFault(fault);
      // The calling thread may drain a product before the worker wakes: repeat until a worker claims a task.
      let failure: unknown = null;
      for (let rep = 0; rep < 500 && failure === null; rep++) {
        try {
          product(...BIG, 7);
        } catch (e) {
          failure = e;
        }
      }
      t.true(failure instanceof WorkerFailure, String(failure));
      t.regex(
        (failure as Error).message,
        fault === 'hang' ? /no task finished in 2000 ms/ : /worker 1 failed during a matmul/,
      );
      t.is(threadCount(), 1, 'until the fresh pool is ready, the calling thread runs matmuls');
      t.deepEqual(product(...BIG, 7), single);
      await threadsReady();
      t.is(threadCount(), 2);
      const started = tasksByWorkers();
      for (let rep = 0; rep < 20; rep++) t.deepEqual(product(...BIG, 7), single);
      t.true(tasksByWorkers() > started, "the fresh pool's worker ran no task");
      await stopThreads();
      t.is(tf.memory().numTensors, before);
    },
  );
}
