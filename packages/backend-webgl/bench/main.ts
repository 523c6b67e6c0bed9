/**
 * `pnpm bench webgl`: tapeflow's webgl backend against TensorFlow.js's webgl backend in the same
 * headless Chromium page. Prints the table and writes it as the `webgl` section of
 * bench/results.md. BENCH_QUICK=1 runs each workload once and writes nothing.
 */
import os from 'node:os';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RESULTS_PATH, writeSection } from '@tapeflow/bench/report';
import { bundleSource, openPage } from '@tapeflow/conformance/browser';
import type { BenchRow } from './page.js';

const here = dirname(fileURLToPath(import.meta.url));
const quick = process.env.BENCH_QUICK === '1';
const started = performance.now();
const loadAtStart = os.loadavg()[0].toFixed(1); // other work on the machine skews the numbers

const js = await bundleSource(`import './page.ts';`, here);
const { page, logs, close } = await openPage(js);
page.on('console', (m) => {
  if (m.text().startsWith('bench:')) console.error(m.text());
});
let rows: BenchRow[];
let renderer: string;
try {
  await page.waitForFunction(() => 'tapeflowBench' in window, undefined, { timeout: 60_000 });
  rows = await page.evaluate((q) => window.tapeflowBench(q), quick);
  renderer = await page.evaluate(() => {
    const gl = document.createElement('canvas').getContext('webgl2')!;
    const dbg = gl.getExtension('WEBGL_debug_renderer_info');
    return String(gl.getParameter(dbg ? dbg.UNMASKED_RENDERER_WEBGL : gl.RENDERER));
  });
} catch (e) {
  console.error(logs.join('\n'));
  throw e;
} finally {
  await close();
}

const fmt = (v: number, digits = 1): string => v.toFixed(digits);
const md = [
  '## WebGL backend vs TensorFlow.js webgl',
  '',
  `Run ${new Date().toISOString().slice(0, 10)} in headless Chromium on ${renderer} ` +
    `(${os.cpus().length} cores, load average ${loadAtStart} at start, ${os.loadavg()[0].toFixed(1)} at end), ` +
    `in ${fmt((performance.now() - started) / 1000, 0)} s; TensorFlow.js 4.22.0 webgl in the same page. ` +
    'float32. Median wall time of repeats after a warm-up run, each ended by reading the results back ' +
    '(`await data()`); tapeflow and tfjs runs alternate, so load from other work falls on both. "vs tfjs" is tapeflow\'s speedup over tfjs (> 1: tapeflow is faster). ' +
    '"max rel. diff" compares the two results (the LSTM: loss and kernel gradient from the same weights and inputs) ' +
    'relative to their largest value. The matmul repeats multiply the same two tensors, so from the third call on ' +
    'tapeflow reuses its packed copies of them (as an RNN step reuses its weights); tfjs packs its inputs on each call. ' +
    'SwiftShader is a CPU emulation of a GPU: the ratios say more than the times. ' +
    'Regenerate with `pnpm bench webgl`.',
  '',
  '| case | tapeflow | tfjs webgl | vs tfjs | max rel. diff |',
  '| --- | ---: | ---: | ---: | ---: |',
  ...rows.map(
    (r) =>
      `| ${r.name} | ${fmt(r.tapeflowMs)} ms | ${fmt(r.tfjsMs)} ms | ${fmt(r.ratio, 2)}x | ${r.diff.toExponential(1)} |`,
  ),
  '',
].join('\n');

console.log(md);
if (!quick) {
  writeSection('webgl', md);
  console.log(`wrote section webgl of ${RESULTS_PATH}`);
}
