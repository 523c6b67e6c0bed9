/**
 * `@tapeflow/backend-cpu/threads` (Node only, opt-in): large float32 matmuls on several cores.
 *
 *   import { useThreads, stopThreads } from '@tapeflow/backend-cpu/threads';
 *   await useThreads(2); // the calling thread and one worker
 *
 * Workers share the WebAssembly kernel's memory, so the packed operands are not copied; the
 * product's row (or column) panels are cut into a few tasks per thread (each worth ~0.2 ms or
 * more, so small products stay on the calling thread). The result is bit for bit the single-thread
 * one: every tile is computed by the same code in the same order, only by another thread.
 */
import { ValueError } from '@tapeflow/core';
import { setGemmExecutor } from '../kernels/matmul_wasm.js';
import { matmulRuntime } from '../wasm/runtime.js';
import { GemmPool } from './pool.js';

let pool: GemmPool | null = null;

/**
 * Runs large matmuls on `n` threads: the calling one and n - 1 workers (started on the first call
 * and kept; a different n restarts them). `useThreads(1)` goes back to the calling thread alone,
 * keeping the workers parked; `stopThreads()` ends them.
 */
export async function useThreads(n: number): Promise<void> {
  if (!Number.isInteger(n) || n < 1) throw new ValueError(`useThreads: n must be an integer >= 1, got ${n}`);
  if (n === 1) return setGemmExecutor(null);
  const rt = matmulRuntime();
  if (rt === null || !rt.shared) throw new Error('useThreads: needs WebAssembly SIMD with shared memory (SharedArrayBuffer)');
  if (pool !== null && pool.threads !== n) await stopThreads();
  if (pool === null) {
    const p = new GemmPool(rt, n - 1);
    pool = p;
    try {
      await p.ready;
    } catch (e) {
      pool = null;
      await p.stop();
      throw e;
    }
  }
  setGemmExecutor(pool);
}

/** Ends the workers; matmuls run on the calling thread again. */
export async function stopThreads(): Promise<void> {
  setGemmExecutor(null);
  const p = pool;
  pool = null;
  if (p !== null) await p.stop();
}

/** Threads the matmul kernel uses now (1: the calling thread only). */
export { gemmThreads as threadCount } from '../kernels/matmul_wasm.js';

/** Tasks the workers have run since the pool started (0 without a pool): shows the pool helps. */
export function tasksByWorkers(): number {
  return pool?.tasksByWorkers ?? 0;
}
