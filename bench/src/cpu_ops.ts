/**
 * `pnpm bench`: matmul (128 - 1024) and elementwise ops (~1M elements) on tapeflow's cpu backend,
 * TensorFlow.js cpu and TensorFlow.js wasm, in one process. Prints GFLOP/s (matmul) or ms and
 * GB/s (elementwise) with ratios, and writes the table to bench/results.md.
 */
import os from 'node:os';
import { stopThreads } from '@tapeflow/backend-cpu/threads';
import {
  contenders,
  tapeflowThreads,
  wasmSimd,
  type Contender,
  type ElementwiseOp,
  type Prepared,
} from './contenders.js';
import { randomArray, time } from './measure.js';
import { RESULTS_PATH, writeSection } from './report.js';
import { simdCeiling } from './simd_ceiling.js';

/** BENCH_QUICK=1: a seconds-long smoke run (small sizes, short budget); results.md is not written. */
const QUICK = process.env.BENCH_QUICK === '1';
const MATMUL_SIZES = QUICK ? [64, 128] : [128, 256, 512, 1024];
const ROWS = 1000,
  COLS = 1000; // elementwise inputs: [1000, 1000] (and a [1000] row for the broadcast)
const ELEMENTWISE: { op: ElementwiseOp; label: string; bytes: number }[] = [
  // bytes moved per call (float32 reads + writes), for GB/s
  { op: 'add', label: 'add [1000,1000] + [1000,1000]', bytes: 3 * 4 * ROWS * COLS },
  { op: 'mulBroadcast', label: 'mul [1000,1000] * [1000]', bytes: 2 * 4 * ROWS * COLS },
  { op: 'exp', label: 'exp [1000,1000]', bytes: 2 * 4 * ROWS * COLS },
  { op: 'tanh', label: 'tanh [1000,1000]', bytes: 2 * 4 * ROWS * COLS },
  { op: 'sigmoid', label: 'sigmoid [1000,1000]', bytes: 2 * 4 * ROWS * COLS },
];
const BUDGET_MS = QUICK ? 50 : 1500; // per contender and case, after warm-up
const ROUNDS = QUICK ? 1 : 3;
const THREADS = 2; // the pool's size for the threaded matmul rows (this machine's core count)

/** Largest |a - b| relative to the largest |b|: a sanity check that the contenders agree. */
function relDiff(a: Float32Array, b: Float32Array): number {
  let d = 0,
    m = 1e-30;
  for (let i = 0; i < b.length; i++) {
    d = Math.max(d, Math.abs(a[i] - b[i]));
    m = Math.max(m, Math.abs(b[i]));
  }
  return d / m;
}

let step = 0;
let totalSteps = 0;
const started = performance.now();
const loadAtStart = os.loadavg()[0].toFixed(1); // other work on the machine skews the numbers
function progress(what: string): void {
  step++;
  const s = ((performance.now() - started) / 1000).toFixed(0);
  process.stdout.write(`\r\x1b[K[${step}/${totalSteps}] ${s}s  ${what}`);
}

interface Row {
  label: string;
  values: number[];
  unit: 'GFLOP/s' | 'ms';
  extra?: number[];
  check: number;
}

/**
 * Times one case on every contender; also compares every result with tapeflow's. The contenders
 * take turns for ROUNDS rounds and each keeps its best round: other processes on the machine come
 * and go, and interleaving keeps a busy minute from landing on one contender only.
 */
async function measureCase(
  label: string,
  cs: Contender[],
  prepare: (c: Contender) => Prepared,
): Promise<{ ms: number[]; cpuMs: number[]; check: number }> {
  const prepared = cs.map((c) => prepare(c));
  /** Runs f with contender i switched on (its threads, say). */
  const within = async <T>(i: number, f: () => T): Promise<T> => {
    await cs[i].enter?.();
    try {
      return f();
    } finally {
      await cs[i].leave?.();
    }
  };
  const reference = prepared[0].result();
  let check = 0;
  for (let i = 1; i < cs.length; i++)
    check = Math.max(check, relDiff(await within(i, () => prepared[i].result()), reference));
  const ms = cs.map(() => Infinity),
    cpuMs = cs.map(() => Infinity);
  for (let round = 0; round < ROUNDS; round++) {
    for (let i = 0; i < cs.length; i++) {
      progress(`${label} on ${cs[i].name}, round ${round + 1}/${ROUNDS}`);
      const t = await within(i, () => time(() => prepared[i].run(), BUDGET_MS / ROUNDS));
      ms[i] = Math.min(ms[i], t.ms);
      cpuMs[i] = Math.min(cpuMs[i], t.cpuMs);
    }
  }
  for (const p of prepared) p.dispose();
  return { ms, cpuMs, check };
}

const fmt = (v: number, digits = 2): string => v.toFixed(digits);

async function main(): Promise<void> {
  const cs = await contenders();
  // matmul also runs on tapeflow's 2-thread pool, in the same rounds (its own table below).
  const withThreads = [...cs, tapeflowThreads(THREADS)];
  totalSteps = (MATMUL_SIZES.length * withThreads.length + ELEMENTWISE.length * cs.length) * ROUNDS;
  const rows: Row[] = [];
  const threaded: { n: number; gflops: number }[] = [];
  const byCpu: { n: number; gflops: number[] }[] = []; // single-threaded contenders only

  for (const n of MATMUL_SIZES) {
    const a = randomArray(n * n, n),
      b = randomArray(n * n, n + 1);
    const { ms, cpuMs, check } = await measureCase(`matmul ${n}`, withThreads, (c) => c.matmul(n, a, b));
    const gflops = ms.map((t) => (2 * n ** 3) / (t * 1e6));
    byCpu.push({ n, gflops: cpuMs.slice(0, cs.length).map((t) => (2 * n ** 3) / (t * 1e6)) });
    rows.push({ label: `matmul ${n}x${n}`, unit: 'GFLOP/s', values: gflops.slice(0, cs.length), check });
    threaded.push({ n, gflops: gflops[cs.length] });
  }
  await stopThreads();
  const inp = { rows: ROWS, cols: COLS, x: randomArray(ROWS * COLS, 7), y: randomArray(ROWS * COLS, 8) };
  for (const { op, label, bytes } of ELEMENTWISE) {
    const { ms, check } = await measureCase(label, cs, (c) => c.elementwise(op, inp));
    rows.push({ label, unit: 'ms', values: ms, extra: ms.map((t) => bytes / (t * 1e6)), check });
  }
  process.stdout.write('\r\x1b[K');

  // tapeflow's speedup over each peer: >1 means tapeflow is faster.
  const speedup = (r: Row, j: number): number =>
    r.unit === 'GFLOP/s' ? r.values[0] / r.values[j] : r.values[j] / r.values[0];
  const names = cs.map((c) => c.name);
  const peers = names.slice(1);
  const header = ['case', ...names.map((nm) => `${nm}`), ...peers.map((p) => `vs ${p}`), 'max rel. diff'];
  const cell = (r: Row, i: number): string =>
    r.unit === 'GFLOP/s' ? `${fmt(r.values[i])} GFLOP/s` : `${fmt(r.values[i], 2)} ms (${fmt(r.extra![i], 1)} GB/s)`;
  const table = rows.map((r) => [
    r.label,
    ...names.map((_, i) => cell(r, i)),
    ...peers.map((_, j) => `${fmt(speedup(r, j + 1))}x`),
    r.check.toExponential(1),
  ]);

  const ceiling = await simdCeiling(progress);
  process.stdout.write('\r\x1b[K');

  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  const load = os.loadavg()[0].toFixed(1);
  const simd = await wasmSimd();
  const md = [
    '## CPU backend: matmul and elementwise ops',
    '',
    `Run ${new Date().toISOString().slice(0, 10)} on ${cpu} (${os.cpus().length} cores, load average ${loadAtStart} at start, ${load} at end), ` +
      `Node ${process.version}; ` +
      `TensorFlow.js 4.22.0 cpu and wasm (1 thread, SIMD ${simd ? 'on' : 'off'}). ` +
      "tapeflow's float32 matmul runs its WebAssembly SIMD kernel (from 4096 multiply-adds on). " +
      `float32 throughout. Median of repeats after two warm-up calls, best of ${ROUNDS} rounds in which the contenders take turns; "vs" columns are tapeflow's ` +
      'speedup over that peer (> 1: tapeflow is faster). Elementwise GB/s counts float32 bytes read and written. ' +
      '"max rel. diff" is the largest difference from tapeflow\'s result relative to its largest value. ' +
      'Regenerate with `pnpm bench cpu-ops`.',
    '',
    `| ${header.join(' | ')} |`,
    `|${header.map((_, i) => (i === 0 ? ' --- ' : ' ---: ')).join('|')}|`,
    ...table.map((r) => `| ${r.join(' | ')} |`),
    '',
    'The matmul cases by CPU time instead of wall time (the time the process waited for a core left out: steadier ' +
      'than wall time while other work loads the machine; all three contenders here run one thread):',
    '',
    `| case | ${names.join(' | ')} | ${peers.map((p) => `vs ${p}`).join(' | ')} |`,
    `| --- |${names.map(() => ' ---: |').join('')}${peers.map(() => ' ---: |').join('')}`,
    ...byCpu.map(
      ({ n, gflops }) =>
        `| matmul ${n}x${n} | ${gflops.map((g) => `${fmt(g)} GFLOP/s`).join(' | ')} | ${gflops
          .slice(1)
          .map((g) => `${fmt(gflops[0] / g)}x`)
          .join(' | ')} |`,
    ),
    '',
    `tapeflow's matmul on ${THREADS} threads (\`useThreads(${THREADS})\` from \`@tapeflow/backend-cpu/threads\`: the calling thread ` +
      'and a worker share the tiles), measured in the same rounds as the table above; the peers stay on one thread.' +
      (Number(loadAtStart) >= os.cpus().length
        ? ` The load average (${loadAtStart}) was at or above the core count during this run: the worker had to compete for a core, so these rows understate what a second core gives.`
        : ''),
    '',
    `| case | tapeflow-cpu 1 thread | tapeflow-cpu ${THREADS} threads | speedup | ${THREADS} threads vs tfjs-wasm |`,
    '| --- | ---: | ---: | ---: | ---: |',
    ...threaded.map(({ gflops }, i) => {
      const r = rows[i],
        wasm = r.values[names.indexOf('tfjs-wasm')];
      return `| ${r.label} | ${fmt(r.values[0])} GFLOP/s | ${fmt(gflops)} GFLOP/s | ${fmt(gflops / r.values[0])}x | ${fmt(gflops / wasm)}x |`;
    }),
    '',
    ceiling,
  ].join('\n');

  console.log(md);
  if (QUICK) return;
  writeSection('cpu-ops', md);
  console.log(`wrote section cpu-ops of ${RESULTS_PATH} in ${((performance.now() - started) / 1000).toFixed(0)} s`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
