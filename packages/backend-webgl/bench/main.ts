/**
 * pnpm bench (in packages/backend-webgl): tapeflow's webgl backend against TensorFlow.js's
 * webgl backend in the same headless Chromium page. Prints milliseconds and the ratio
 * tapeflow / tfjs (below 1 means tapeflow is faster). BENCH_QUICK=1 runs each workload once.
 */
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleSource, openPage } from '../test/browser/runner.js';
import type { BenchRow } from './page.js';

const here = dirname(fileURLToPath(import.meta.url));
const js = await bundleSource(`import './page.ts';`, here);
const { page, logs, close } = await openPage(js);
page.on('console', (m) => { if (m.text().startsWith('bench:')) console.error(m.text()); });
try {
  await page.waitForFunction(() => 'tapeflowBench' in window, undefined, { timeout: 60_000 });
  const quick = process.env.BENCH_QUICK === '1';
  const rows: BenchRow[] = await page.evaluate((q) => window.tapeflowBench(q), quick);
  const renderer = await page.evaluate(() => {
    const gl = document.createElement('canvas').getContext('webgl2')!;
    const dbg = gl.getExtension('WEBGL_debug_renderer_info');
    return String(gl.getParameter(dbg ? dbg.UNMASKED_RENDERER_WEBGL : gl.RENDERER));
  });
  console.log(`tapeflow webgl vs @tensorflow/tfjs webgl, Chromium headless on ${renderer}`);
  console.log('workload'.padEnd(62) + 'tapeflow ms'.padStart(12) + 'tfjs ms'.padStart(12) + 'ratio'.padStart(8));
  for (const r of rows) {
    console.log(r.name.padEnd(62) + r.tapeflowMs.toFixed(1).padStart(12) + r.tfjsMs.toFixed(1).padStart(12) + r.ratio.toFixed(2).padStart(8));
  }
} catch (e) {
  console.error(logs.join('\n'));
  throw e;
} finally {
  await close();
}
