/**
 * Node side of a GPU backend's browser tests (webgl, webgpu): bundles the conformance suites with
 * the backend's test page (esbuild, 'source' condition), serves the bundle from 127.0.0.1 on an
 * ephemeral port, drives Debian's headless Chromium with playwright-core, and runs cases in the
 * page by name (the page implements ./page_api.ts).
 */
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { CaseResult } from './page_api.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '../../../..');

export const CHROMIUM = process.env.TAPEFLOW_CHROMIUM ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

/** What a page tests: its entry module (exports start(suites)) and the module of the backend's own suites, both root-relative. */
export interface PageSpec {
  page: string;
  ownSuites: string;
  ownExport: string;
  title: string;
}

const specFrom = (file: string): string =>
  JSON.stringify(
    relative(here, join(root, file))
      .replace(/\\/g, '/')
      .replace(/^(?!\.)/, './'),
  );

/** The page entry: the suites every backend runs (@tapeflow/conformance) and the page's own, merged and handed to its start(). */
function entrySource(spec: PageSpec): { source: string; suites: string[] } {
  const suites = ['opsSuites', 'gradSuites', 'rnnSuites'];
  const source = [
    `import { start } from ${specFrom(spec.page)};`,
    `import { ${suites.join(', ')} } from ${specFrom('packages/conformance/src/index.ts')};`,
    `import { ${spec.ownExport} } from ${specFrom(spec.ownSuites)};`,
    `start({ ${suites.map((n) => `...${n}`).join(', ')}, ...${spec.ownExport} });`,
  ].join('\n');
  return { source, suites: [...suites, spec.ownExport] };
}

export async function bundle(spec: PageSpec): Promise<{ js: string; suites: string[] }> {
  const { source, suites } = entrySource(spec);
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

function serve(js: string, title: string): Promise<Server> {
  const html =
    `<!doctype html><meta charset="utf-8"><title>${title}</title>` + '<script type="module" src="/bundle.js"></script>';
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

export interface OpenPage {
  page: Page;
  logs: string[];
  close: () => Promise<void>;
}

/**
 * Serves `js` as the module of a blank page on 127.0.0.1 (a secure context, as WebGPU needs)
 * and opens it in headless Chromium with `args` added to the default flags.
 */
export async function openPage(js: string, args: readonly string[] = [], title = 'tapeflow tests'): Promise<OpenPage> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM}: install it with ` +
        '`apt-get install -y --no-install-recommends chromium` (the GPU backends need a real browser for their tests)',
    );
  }
  const server = await serve(js, title);
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  let browser: Browser | undefined;
  try {
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: [...CHROMIUM_ARGS, ...args] });
    const page = await browser.newPage();
    const logs: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') logs.push(`[${m.type()}] ${m.text()}`);
    });
    page.on('pageerror', (e) => logs.push(`[pageerror] ${e.message}`));
    await page.goto(url);
    const b = browser;
    return {
      page,
      logs,
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

export async function startBrowser(
  spec: PageSpec,
  opts: { runsScale?: number; args?: readonly string[] } = {},
): Promise<BrowserRunner> {
  const { js, suites } = await bundle(spec);
  const { page, logs, close } = await openPage(js, opts.args, spec.title);
  try {
    await page
      .waitForFunction(() => 'tapeflowTests' in window, undefined, { timeout: 60_000 })
      .catch(() => {
        throw new Error(`the test page did not start:\n${logs.join('\n')}`);
      });
    const renderer = await page.evaluate(() => window.tapeflowTests.init());
    const cases = await page.evaluate(() => window.tapeflowTests.list());
    const runsScale = opts.runsScale ?? Number(process.env.TAPEFLOW_FC_SCALE ?? '1');
    return {
      renderer,
      cases,
      suites,
      page,
      close,
      async run(name) {
        logs.length = 0;
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<CaseResult>((resolve) => {
          timer = setTimeout(
            () =>
              resolve({ ok: false, ms: CASE_TIMEOUT_MS, numDraws: 0, error: `timed out after ${CASE_TIMEOUT_MS} ms` }),
            CASE_TIMEOUT_MS,
          );
        });
        const r = await Promise.race([
          page.evaluate(([n, s]) => window.tapeflowTests.run(n, s), [name, runsScale] as const),
          timeout,
        ]);
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
