/**
 * Node side of the browser tests: bundles the conformance suites with the webgl backend
 * (esbuild, 'source' condition), serves the bundle from 127.0.0.1 on an ephemeral port, drives
 * Debian's headless Chromium with playwright-core, and runs cases in the page by name.
 */
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { CaseResult } from './page.js';

const here = dirname(fileURLToPath(import.meta.url));

export const CHROMIUM = process.env.TAPEFLOW_CHROMIUM ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--no-first-run', '--disable-quic'];

/**
 * The page entry: the suites every backend runs (@tapeflow/conformance) and the cases about the
 * webgl backend itself (memory, swapping, exact integers), merged and handed to page.ts's start().
 */
function entrySource(): { source: string; suites: string[] } {
  const suites = ['opsSuites', 'gradSuites', 'rnnSuites'];
  const source = [
    `import { start } from './page.ts';`,
    `import { ${suites.join(', ')} } from '@tapeflow/conformance';`,
    `import { webglSuites } from '../webgl/index.ts';`,
    `start({ ${suites.map((n) => `...${n}`).join(', ')}, ...webglSuites });`,
  ].join('\n');
  return { source, suites: [...suites, 'webglSuites'] };
}

export async function bundle(): Promise<{ js: string; suites: string[] }> {
  const { source, suites } = entrySource();
  return { js: await bundleSource(source, here), suites };
}

/** Bundles TypeScript `source` (imports resolved from `resolveDir`) for the browser, as ESM. */
export async function bundleSource(source: string, resolveDir: string): Promise<string> {
  const out = await build({
    stdin: { contents: source, resolveDir, sourcefile: 'entry.ts', loader: 'ts' },
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    conditions: ['source'],
    logLevel: 'silent',
    define: { 'process.env.NODE_ENV': '"production"' },
  });
  return out.outputFiles[0].text;
}

function serve(js: string): Promise<Server> {
  const html = '<!doctype html><meta charset="utf-8"><title>tapeflow webgl tests</title>' +
    '<script type="module" src="/bundle.js"></script>';
  const server = createServer((req, res) => {
    if (req.url === '/bundle.js') res.writeHead(200, { 'content-type': 'text/javascript' }).end(js);
    else if (req.url === '/') res.writeHead(200, { 'content-type': 'text/html' }).end(html);
    else res.writeHead(404).end();
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}

export interface BrowserRunner {
  renderer: string;
  cases: string[];
  suites: string[];
  run(name: string): Promise<CaseResult>;
  /** Evaluates `fn` in the page (for the bench). */
  page: Page;
  close(): Promise<void>;
}

const CASE_TIMEOUT_MS = 240_000;

export interface OpenPage { page: Page; logs: string[]; close: () => Promise<void> }

/** Serves `js` as the module of a blank page on 127.0.0.1 and opens it in headless Chromium. */
export async function openPage(js: string): Promise<OpenPage> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium not found at ${CHROMIUM}: install it with ` +
      '`apt-get install -y --no-install-recommends chromium` (the webgl tests need a real browser)');
  }
  const server = await serve(js);
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  let browser: Browser | undefined;
  try {
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
    const page = await browser.newPage();
    const logs: string[] = [];
    page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') logs.push(`[${m.type()}] ${m.text()}`); });
    page.on('pageerror', (e) => logs.push(`[pageerror] ${e.message}`));
    await page.goto(url);
    const b = browser;
    return {
      page, logs,
      async close() {
        await b.close();
        await new Promise((resolve) => server.close(resolve));
      },
    };
  } catch (e) {
    await browser?.close();
    server.close();
    throw e;
  }
}

export async function startBrowser(opts: { runsScale?: number } = {}): Promise<BrowserRunner> {
  const { js, suites } = await bundle();
  const { page, logs, close } = await openPage(js);
  try {
    await page.waitForFunction(() => 'tapeflowTests' in window, undefined, { timeout: 60_000 }).catch(() => {
      throw new Error(`the test page did not start:\n${logs.join('\n')}`);
    });
    const renderer = await page.evaluate(() => window.tapeflowTests.init());
    const cases = await page.evaluate(() => window.tapeflowTests.list());
    const runsScale = opts.runsScale ?? Number(process.env.TAPEFLOW_FC_SCALE ?? '1');
    return {
      renderer, cases, suites, page, close,
      async run(name) {
        logs.length = 0;
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<CaseResult>((resolve) => {
          timer = setTimeout(() => resolve({ ok: false, ms: CASE_TIMEOUT_MS, numDraws: 0, error: `timed out after ${CASE_TIMEOUT_MS} ms` }), CASE_TIMEOUT_MS);
        });
        const r = await Promise.race([page.evaluate(([n, s]) => window.tapeflowTests.run(n, s), [name, runsScale] as const), timeout]);
        clearTimeout(timer);
        if (!r.ok && logs.length) r.error = `${r.error}\nbrowser console:\n${logs.join('\n')}`;
        return r;
      },
    };
  } catch (e) {
    await close();
    throw e;
  }
}
