/**
 * The rnn bench section is assembled from parts, each one file of bench/src/rnn: a part measures
 * something and returns its Markdown (a heading, a sentence on what was measured, a table).
 * main.ts runs them in order in one process and writes the joined result as section 'rnn'.
 */

/** A one-line progress report on the terminal ("[3/9] 41s  lstm step on tfjs-wasm"). */
export type Progress = (what: string) => void;

export interface Part {
  /** How many times run() calls progress (for the [k/n] counter). */
  readonly steps: number;
  run(progress: Progress): Promise<string>;
}

/** BENCH_QUICK=1: small sizes and one repeat, a smoke run; results.md is not written. */
export const QUICK = process.env.BENCH_QUICK === '1';

export interface Timing {
  ms: number;
  repeats: number;
}

/**
 * Median wall time of `run` (sync or async) after `warmup` calls; the repeat count is fitted so
 * the case takes about budgetMs (at least minRepeats, at most maxRepeats).
 */
export async function timeIt(
  run: () => unknown,
  budgetMs: number,
  minRepeats = 3,
  maxRepeats = 20,
  warmup = 1,
): Promise<Timing> {
  let first = Infinity;
  for (let w = 0; w < warmup; w++) {
    const t0 = performance.now();
    await run();
    first = Math.min(first, performance.now() - t0);
  }
  const repeats = Math.max(minRepeats, Math.min(maxRepeats, Math.floor(budgetMs / Math.max(first, 1e-3))));
  const samples: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const t0 = performance.now();
    await run();
    samples.push(performance.now() - t0);
  }
  samples.sort((a, b) => a - b);
  const mid = samples.length >> 1;
  return { ms: samples.length % 2 ? samples[mid] : (samples[mid - 1] + samples[mid]) / 2, repeats };
}

export { randomArray } from '../measure.js';

export const markdownTable = (header: string[], rows: string[][]): string =>
  [
    `| ${header.join(' | ')} |`,
    `|${header.map((_, i) => (i === 0 ? ' --- ' : ' ---: ')).join('|')}|`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');
