/**
 * `pnpm bench webgpu`: tapeflow's webgpu backend against TensorFlow.js's webgpu backend (and
 * tapeflow's own webgl backend) in the same headless Chromium page, on its SwiftShader WebGPU
 * adapter. Prints the table and writes it as the `webgpu` section of bench/results.md.
 * BENCH_QUICK=1 runs each workload once and writes nothing.
 */
import os from 'node:os';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RESULTS_PATH, writeSection } from '../../../bench/src/report.js';
import { bundleSource, openPage, WEBGPU_ARGS } from '@tapeflow/conformance/browser';
import type { BenchRow } from './page.js';

const here = dirname(fileURLToPath(import.meta.url));
const quick = process.env.BENCH_QUICK === '1';
const started = performance.now();
const loadAtStart = os.loadavg()[0].toFixed(1); // other work on the machine skews the numbers

const js = await bundleSource(`import './page.ts';`, here);
const { page, logs, close } = await openPage(js, WEBGPU_ARGS, 'tapeflow webgpu bench');
page.on('console', (m) => {
  if (m.text().startsWith('bench:')) console.error(m.text());
});
let rows: BenchRow[];
let adapter: string;
try {
  await page.waitForFunction(() => 'tapeflowWebgpuBench' in window, undefined, { timeout: 60_000 });
  rows = await page.evaluate((q) => window.tapeflowWebgpuBench(q), quick);
  adapter = await page.evaluate(async () => {
    const a = await navigator.gpu.requestAdapter();
    return [a?.info.vendor, a?.info.architecture].filter(Boolean).join(' ');
  });
} catch (e) {
  console.error(logs.join('\n'));
  throw e;
} finally {
  await close();
}

const fmt = (v: number, digits = 1): string => v.toFixed(digits);
const md = [
  '## WebGPU backend vs TensorFlow.js webgpu (and tapeflow webgl)',
  '',
  `Run ${new Date().toISOString().slice(0, 10)} in headless Chromium on the ${adapter} WebGPU adapter ` +
    `(${os.cpus().length} cores, load average ${loadAtStart} at start, ${os.loadavg()[0].toFixed(1)} at end), ` +
    `in ${fmt((performance.now() - started) / 1000, 0)} s; TensorFlow.js 4.22.0 webgpu in the same page, on the same adapter. ` +
    'float32. Median wall time of repeats after a warm-up run, each ended by reading the results back ' +
    '(`await data()`); the three contenders take turns, so load from other work falls on all. ' +
    '"vs tfjs" is tapeflow webgpu\'s speedup over tfjs webgpu, "vs webgl" over tapeflow\'s webgl backend (> 1: webgpu is faster). ' +
    '"max rel. diff" compares tapeflow webgpu\'s result with tfjs\'s (the LSTM: loss and kernel gradient from the same weights and inputs) ' +
    'relative to their largest value. SwiftShader emulates a GPU on the CPU: the ratios say more than the times, ' +
    'and real-GPU numbers are still to be measured. Regenerate with `pnpm bench webgpu`.',
  '',
  '| case | tapeflow webgpu | tfjs webgpu | vs tfjs | tapeflow webgl | vs webgl | max rel. diff |',
  '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
  ...rows.map(
    (r) =>
      `| ${r.name} | ${fmt(r.webgpuMs)} ms | ${fmt(r.tfjsMs)} ms | ${fmt(r.tfjsMs / r.webgpuMs, 2)}x | ` +
      `${fmt(r.webglMs)} ms | ${fmt(r.webglMs / r.webgpuMs, 2)}x | ${r.diff.toExponential(1)} |`,
  ),
  '',
].join('\n');

console.log(md);
if (!quick) {
  writeSection('webgpu', md);
  console.log(`wrote section webgpu of ${RESULTS_PATH}`);
}
