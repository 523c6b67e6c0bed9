/**
 * `@tapeflow/backend-cpu/threads` (Node only): large float32 matmuls on several cores. In Node
 * the package's main entry starts a pool of one thread per available core when it is imported
 * (src/node.ts); `useThreads(1)` opts out, `useThreads(n)` picks another size:
 *
 *   import { useThreads, stopThreads } from '@tapeflow/backend-cpu/threads';
 *   await useThreads(1); // the calling thread only
 *
 * Workers share the WebAssembly kernel's memory, so the packed operands are not copied; the
 * product's row (or column) panels are cut into a few tasks per thread (each worth ~0.2 ms or
 * more, so small products stay on the calling thread). The result is bit for bit the single-thread
 * one: every tile is computed by the same code in the same order, only by another thread.
 *
 * A worker that throws, exits or hangs fails the matmul that was waiting for it with a
 * WorkerFailure (never a hang: a task that does not finish within `taskTimeoutMs` counts as hung);
 * the pool is then replaced by a fresh one, and until it is ready matmuls run on the calling thread.
 */
import { availableParallelism } from 'node:os';
import { ValueError } from '@tapeflow/core';
import { setGemmExecutor } from '../kernels/matmul_wasm.js';
import { matmulRuntime } from '../wasm/runtime.js';
import { GemmPool } from './pool.js';
import type { FaultKind } from './protocol.js';

export { WorkerFailure } from './pool.js';

export interface ThreadOptions {
  /**
   * How long (ms) a matmul waits for a worker's task with no task finishing before it fails the
   * call and restarts the pool. Default 60000: tasks take ~0.2-50 ms, so only a hung worker (or a
   * machine stalled for a minute) reaches it.
   */
  taskTimeoutMs?: number;
}

let pool: GemmPool | null = null;
/** The pool being started, if any (threadsReady waits for it). */
let starting: Promise<void> | null = null;
/** What was last asked for: threads and options (the default start and a restart after a failure use it). */
let wanted = { n: 1, taskTimeoutMs: 60_000 };
/** Whether useThreads or stopThreads was called: the default start then stays out of the way. */
let userChose = false;

/**
 * Runs large matmuls on `n` threads: the calling one and n - 1 workers (started on the first call
 * and kept; a different n restarts them). `useThreads(1)` goes back to the calling thread alone,
 * keeping the workers parked; `stopThreads()` ends them.
 */
export async function useThreads(n: number, opts: ThreadOptions = {}): Promise<void> {
  if (!Number.isInteger(n) || n < 1) throw new ValueError(`useThreads: n must be an integer >= 1, got ${n}`);
  const timeout = opts.taskTimeoutMs ?? 60_000;
  if (!(timeout > 0)) throw new ValueError(`useThreads: taskTimeoutMs must be > 0, got ${opts.taskTimeoutMs}`);
  wanted = { n, taskTimeoutMs: timeout };
  userChose = true;
  return apply();
}

/** Brings the pool in line with `wanted`; installs it only if it is still what is wanted once ready. */
async function apply(): Promise<void> {
  const { n, taskTimeoutMs } = wanted;
  if (n === 1) return setGemmExecutor(null);
  const rt = matmulRuntime();
  if (rt === null || !rt.shared)
    throw new Error('useThreads: needs WebAssembly SIMD with shared memory (SharedArrayBuffer)');
  if (pool !== null && pool.threads !== n) await stopPool();
  if (pool === null) {
    const p = new GemmPool(rt, n - 1, { taskTimeoutMs, onBroken });
    pool = p;
    starting = p.ready;
    try {
      await p.ready;
    } catch (e) {
      if (pool === p) pool = null;
      await p.stop();
      throw e;
    } finally {
      if (starting === p.ready) starting = null;
    }
  }
  if (pool !== null && wanted.n === pool.threads && pool.broken === null) setGemmExecutor(pool);
}

/** A worker failed: back to the calling thread, and a fresh pool of the wanted size is started. */
function onBroken(p: GemmPool): void {
  if (pool !== p) return;
  pool = null;
  setGemmExecutor(null);
  if (wanted.n > 1) apply().catch(() => {}); // failing to restart leaves the calling thread, as before threads
}

async function stopPool(): Promise<void> {
  setGemmExecutor(null);
  const p = pool;
  pool = null;
  if (p !== null) await p.stop();
}

/** Ends the workers; matmuls run on the calling thread again. */
export async function stopThreads(): Promise<void> {
  wanted = { ...wanted, n: 1 };
  userChose = true;
  await stopPool();
}

/**
 * Resolves once a pool being started (by default at import, by useThreads, or after a failure)
 * is ready and in use; at once if none is starting. Never rejects (a pool that fails to start
 * leaves the calling thread).
 */
export async function threadsReady(): Promise<void> {
  while (starting !== null) await starting.catch(() => {});
}

/** One thread per available core, unless useThreads was already called (Node's main entry calls this). */
export function startDefaultThreads(): void {
  const n = availableParallelism();
  if (userChose || pool !== null || n < 2) return;
  wanted = { ...wanted, n };
  apply().catch(() => {}); // no shared memory here: the calling thread it is
}

/** Threads the matmul kernel uses now (1: the calling thread only). */
export { gemmThreads as threadCount } from '../kernels/matmul_wasm.js';

/** Tasks the workers have run since the pool started (0 without a pool): shows the pool helps. */
export function tasksByWorkers(): number {
  return pool?.tasksByWorkers ?? 0;
}

/**
 * @internal Tests only: the next worker to claim a task throws, exits or hangs (the pool's
 * failure handling is tested with it). No effect without a pool.
 */
export function injectWorkerFault(kind: FaultKind): void {
  pool?.injectFault(kind);
}
