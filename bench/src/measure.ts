/** Timing: warm up, then the median of several repeats, with the repeat count fitted to a budget. */

export interface Timing {
  /** Median wall time of one call, in milliseconds. */
  ms: number;
  /**
   * Median CPU time of one call (all of the process's threads), in milliseconds. On a loaded
   * machine it leaves out the time the process waited for a core, so single-threaded contenders
   * compare more steadily by it than by wall time.
   */
  cpuMs: number;
  repeats: number;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};

/**
 * Times `run` (which must finish its work synchronously and free what it made). Two warm-up
 * calls let V8 optimize and the peers compile their kernels; the first of them also sizes the
 * number of repeats so one case takes about `budgetMs`.
 */
export function time(run: () => void, budgetMs: number, minRepeats = 3, maxRepeats = 25): Timing {
  let t0 = performance.now();
  run();
  const first = performance.now() - t0;
  run();
  const repeats = Math.max(minRepeats, Math.min(maxRepeats, Math.floor(budgetMs / Math.max(first, 1e-3))));
  const samples: number[] = [],
    cpu: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const u = process.cpuUsage();
    t0 = performance.now();
    run();
    samples.push(performance.now() - t0);
    const d = process.cpuUsage(u);
    cpu.push((d.user + d.system) / 1000);
  }
  return { ms: median(samples), cpuMs: median(cpu), repeats };
}

/** Reproducible values in [-1, 1) (a 32-bit LCG), the same for every contender. */
export function randomArray(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}
