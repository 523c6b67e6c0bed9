/**
 * The playground end to end: serve it, open it in headless Chromium, and on each backend train a
 * small model for a few steps through the page's own Train/Pause button. Checks what a visitor
 * sees: the loss falls from the uniform-guess loss ln(V), the chart and samples are drawn, the
 * tape graph is an SVG with the LSTM step's kernels, nothing is leaked and the page stays live.
 * The webgl and webgpu runs are also checked against the cpu run: same seed, so the same losses.
 * webgpu runs in a second Chromium started with the flags of its SwiftShader adapter.
 * Screenshots go to playground/out/<backend>.png.
 */
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import { chromium, type Browser, type Page } from 'playwright-core';
import { splitCorpus } from '@tapeflow/demo/corpus';
import { readNames } from '@tapeflow/demo/data';
import { startPlayground, type Playground } from '../src/server/serve.js';
import { WEBGPU_ARGS } from '@tapeflow/conformance/browser';

const CHROMIUM = process.env.TAPEFLOW_CHROMIUM ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];
const outDir = join(dirname(fileURLToPath(import.meta.url)), '../out');

/** Small enough for a few seconds of training per backend on a busy 2-core machine. */
const CONFIG = { layers: 1, units: 16, batch: 16, lr: 0.02, seed: 7 };
const STEPS = 20;

let playground: Playground;
let browser: Browser;
let webgpuBrowser: Browser | undefined;
/** Losses of the cpu run, the reference for the GPU runs. */
let cpuLosses: number[] | undefined;

test.before(async () => {
  playground = await startPlayground(0);
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
});

test.after.always(async () => {
  await browser?.close();
  await webgpuBrowser?.close();
  await playground?.close();
});

type State = ReturnType<Window['playground']['state']>;
const state = (page: Page): Promise<State> => page.evaluate(() => window.playground.state());
const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

/** Clicks Train, waits until `step` reaches `until`, clicks Pause and waits until no step is in flight. */
async function train(page: Page, until: number): Promise<State> {
  await page.click('#train');
  await page.waitForFunction((n) => window.playground.state().step >= n, until, { timeout: 120_000 });
  await page.click('#train');
  await page.waitForFunction(() => {
    const s = window.playground.state();
    return !s.running && !s.busy;
  });
  return state(page);
}

/**
 * The longest gap (ms) between setTimeout(0) ticks over `ms`: how long the page is unresponsive
 * at worst. No named functions inside: tsx would wrap them in a helper the page does not have.
 */
const longestStall = (page: Page, ms: number): Promise<number> =>
  page.evaluate(async (ms) => {
    const end = performance.now() + ms;
    let last = performance.now();
    let worst = 0;
    while (last < end) {
      await new Promise((resolve) => setTimeout(resolve, 0));
      worst = Math.max(worst, performance.now() - last);
      last = performance.now();
    }
    return worst;
  }, ms);

for (const backend of ['cpu', 'webgl', 'webgpu'] as const) {
  test.serial(`${backend}: trains live, the loss falls, the chart, samples and tape graph are drawn`, async (t) => {
    if (backend === 'webgpu') {
      webgpuBrowser ??= await chromium.launch({
        executablePath: CHROMIUM,
        headless: true,
        args: [...CHROMIUM_ARGS, ...WEBGPU_ARGS],
      });
    }
    const page = await (backend === 'webgpu' ? webgpuBrowser! : browser).newPage({
      viewport: { width: 1280, height: 1000 },
    });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(`[pageerror] ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(`[console] ${m.text()}`);
    });
    try {
      const t0 = Date.now();
      const query = new URLSearchParams({
        backend,
        ...Object.fromEntries(Object.entries(CONFIG).map(([k, v]) => [k, String(v)])),
      });
      await page.goto(`${playground.url}?${query}`);
      await page.waitForFunction(
        () => window.playground?.state().ready || window.playground?.state().error,
        undefined,
        { timeout: 120_000 },
      );
      const ready = await state(page);
      t.is(ready.error, '');
      t.is(ready.backend, backend);
      await page.waitForFunction(() => window.playground.state().tapeNodes > 0, undefined, { timeout: 60_000 });
      const t1 = Date.now();

      // Train; halfway, check the page still handles timers promptly while it trains.
      await page.click('#train');
      await page.waitForFunction(() => window.playground.state().step >= 3, undefined, { timeout: 60_000 });
      const stall = await longestStall(page, 1000);
      await page.waitForFunction((n) => window.playground.state().step >= n, STEPS, { timeout: 120_000 });
      await page.click('#train');
      await page.waitForFunction(() => {
        const s = window.playground.state();
        return !s.running && !s.busy;
      });
      const s = await state(page);
      const t2 = Date.now();
      t.log(
        `${backend}: ready in ${t1 - t0} ms, ${s.step} steps in ${t2 - t1} ms, longest stall while training ${stall.toFixed(0)} ms`,
      );
      t.log(`${backend}: losses ${s.losses.map((l) => l.toFixed(3)).join(' ')}`);

      // The loss: one per step, starting near a uniform guess over the vocabulary, then falling.
      t.is(s.losses.length, s.step);
      const vocabSize = splitCorpus(readNames(), CONFIG.seed).vocab.length;
      t.true(Math.abs(s.losses[0] - Math.log(vocabSize)) < 0.1, `first loss ${s.losses[0]} vs ln(${vocabSize})`);
      t.true(
        mean(s.losses.slice(-5)) < mean(s.losses.slice(0, 5)) - 0.2,
        `loss did not fall: first 5 ${mean(s.losses.slice(0, 5))}, last 5 ${mean(s.losses.slice(-5))}`,
      );
      if (backend === 'cpu') cpuLosses = s.losses;
      else if (cpuLosses) {
        // Same seed, same batches: float32 on the GPU stays within rounding of the CPU run.
        for (let i = 0; i < 10; i++)
          t.true(Math.abs(s.losses[i] - cpuLosses[i]) < 5e-3, `step ${i}: ${s.losses[i]} vs cpu ${cpuLosses[i]}`);
      }
      t.true(stall < 2000, `the page did not respond for ${stall} ms while training`);

      // The chart has one point per step on the batch-loss line; the samples list is filled.
      const points = await page.evaluate(
        () => document.querySelector('#chart svg .mark-line path')?.getAttribute('d')?.match(/[ML]/g)?.length ?? 0,
      );
      t.is(points, s.step);
      t.is(await page.locator('#samples li').count(), 12);

      // The tape: one box per recorded kernel (the count printed above it), an LSTM step's kernels among them.
      const boxes = await page.evaluate(
        () =>
          Array.from(document.querySelectorAll('#tape svg g.node title')).filter((e) => e.textContent?.startsWith('op'))
            .length,
      );
      const recorded = Number((await page.textContent('#tape-info'))?.match(/^(\d+) kernels/)?.[1]);
      t.true(boxes > 0);
      t.is(boxes, recorded);
      const labels = (await page.textContent('#tape svg')) ?? '';
      t.regex(labels, /MatMul/);
      t.regex(labels, /LSTMBlock|Sigmoid/);

      // No leak: a few more steps keep the tensor count (variables and Adam's slots) unchanged.
      const after = await train(page, s.step + 3);
      t.is(after.numTensors, s.numTensors);

      t.deepEqual(errors, []);
      mkdirSync(outDir, { recursive: true });
      await page.screenshot({ path: join(outDir, `${backend}.png`), fullPage: true });
    } finally {
      await page.close();
    }
  });
}
