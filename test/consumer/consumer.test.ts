/**
 * The consumer test (`pnpm test:consumer`, a CI step): packs every library package, installs the
 * tarballs with plain npm into a fresh project in a temp dir outside the workspace, and uses them
 * there as a user would: an ESM Node program typed under `tsc --strict` (NodeNext and bundler
 * resolution), the webgpu backend's registration and its no-adapter reason in Node, CommonJS require(), and a browser page bundled by esbuild and by Vite, each run in
 * headless Chromium on webgl and webgpu, with the cpu backend's WebAssembly matmul seen to load.
 */
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import test from 'ava';
import { chromium } from 'playwright-core';
import { WEBGPU_ARGS } from '@tapeflow/conformance/browser';

const root = resolve(import.meta.dirname, '../..');
const CHROMIUM = process.env.TAPEFLOW_CHROMIUM ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
  // WebGPU on SwiftShader, as in the webgpu backend's browser tests (@tapeflow/conformance/browser)
  ...WEBGPU_ARGS,
];
/** The consumer's own tools, from the npm registry (pinned to what the workspace uses). */
const TOOLS = { typescript: '5.9.3', esbuild: '0.28.2', vite: '7.3.8', '@types/node': '20.19.43' };

const sh = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'tapeflow-consumer-'));
const run = async (cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv } = {}) => {
  try {
    return await sh(cmd, args, { cwd: dir, maxBuffer: 64 << 20, env: { ...process.env, ...opts.env } });
  } catch (e) {
    const { stdout, stderr } = e as { stdout?: string; stderr?: string };
    throw new Error(`${cmd} ${args.join(' ')} failed:\n${stdout ?? ''}\n${stderr ?? ''}`, { cause: e });
  }
};
const bin = (name: string) => join(dir, 'node_modules/.bin', name);

test.before('pack every package and npm install the tarballs in a fresh project', async () => {
  const packDir = join(dir, 'tarballs');
  await sh('node', [join(root, 'scripts/pack-all.mjs'), packDir], { cwd: root, maxBuffer: 64 << 20 });
  cpSync(join(import.meta.dirname, 'project'), dir, { recursive: true });
  const tarballs = Object.fromEntries(
    readdirSync(packDir).map((f) => {
      const pkg = JSON.parse(
        readFileSync(join(root, 'packages', f.replace(/^tapeflow-|-\d.*$/g, ''), 'package.json'), 'utf8'),
      ) as { name: string };
      return [pkg.name, `file:./tarballs/${f}`];
    }),
  );
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify(
      {
        name: 'tapeflow-consumer',
        private: true,
        type: 'module',
        dependencies: tarballs,
        devDependencies: TOOLS,
      },
      null,
      2,
    ),
  );
  // --no-package-lock: nothing of the workspace's lock leaks in; no .npmrc, no pnpm.
  await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--no-package-lock']);
});

test.after.always('remove the temp project', () => {
  if (!process.env.TAPEFLOW_KEEP_CONSUMER) rmSync(dir, { recursive: true, force: true });
});

test.serial('the tarballs hold built code, no workspace: ranges, and one copy of each package', (t) => {
  for (const name of ['core', 'autograd', 'backend-cpu', 'backend-webgl', 'backend-webgpu', 'rnn']) {
    const pkgDir = join(dir, 'node_modules/@tapeflow', name);
    const pkg = readFileSync(join(pkgDir, 'package.json'), 'utf8');
    t.false(pkg.includes('workspace:'), name);
    t.true(existsSync(join(pkgDir, 'dist/index.js')) && existsSync(join(pkgDir, 'dist/index.cjs')), name);
    t.false(existsSync(join(pkgDir, 'dist/.tsbuildinfo')), name);
    // a nested copy of core would be a second engine with its own backend registry
    t.false(existsSync(join(pkgDir, 'node_modules/@tapeflow')), `${name} has nested @tapeflow packages`);
  }
});

test.serial('tsc --strict (NodeNext) compiles the program, and Node trains an LSTM with it', async (t) => {
  await run(bin('tsc'), ['-p', 'tsconfig.json']);
  const { stdout } = await run('node', ['build/train.js']);
  const r = JSON.parse(stdout) as {
    backend: string;
    dx: number[];
    first: number;
    last: number;
    leaked: number;
    weights: string[];
  };
  t.is(r.backend, 'cpu');
  t.deepEqual(r.dx, [0.5, 1, 1.5, 2]); // d/dx mean(x^2) = 2x / 4
  t.true(r.last < r.first / 10, `loss ${r.first} -> ${r.last}`);
  t.is(r.leaked, 0);
  t.deepEqual(r.weights, ['rnn/lstm_cell/kernel', 'rnn/lstm_cell/bias']);
});

test.serial(
  'importing @tapeflow/backend-webgpu registers it; without a Vulkan driver setBackend resolves false and says why',
  async (t) => {
    // webgpu.ts was compiled under --strict by the test above, against the package's own .d.ts
    const { stdout } = await run('node', ['build/webgpu.js'], {
      env: { VK_ICD_FILENAMES: '/nonexistent/vk_icd.json' },
    });
    const r = JSON.parse(stdout) as { registeredAgain: boolean; started: boolean; reason: string | null };
    t.false(r.registeredAgain, 'the import did not register webgpu');
    t.false(r.started);
    t.regex(r.reason ?? '', /no GPU adapter.*libvulkan1.*VK_ICD_FILENAMES/s);
  },
);

test.serial('tsc --strict with bundler resolution', async (t) => {
  await run(bin('tsc'), ['-p', 'tsconfig.bundler.json']);
  t.pass(); // tsc exits non-zero on any type error, which run() turns into a failure
});

test.serial('CommonJS require() gives the same instance as import', async (t) => {
  const { stdout } = await run('node', ['build/require.cjs']); // compiled from require.cts above
  t.deepEqual(JSON.parse(stdout), { sameInstance: true, backend: 'cpu', dx: [2, -4, 6], outputShape: [2, 3, 4] });
});

test.serial('require() where Node has no require(esm) fails with an error saying what to do', async (t) => {
  const e = await t.throwsAsync(run('node', ['--no-experimental-require-module', 'build/require.cjs']));
  t.regex(e.message, /@tapeflow\/core is an ES module: require\(\) of it needs Node\.js >= 20\.19 or >= 22\.12/);
});

interface PageResult {
  webgl: boolean;
  webgpu: { started: boolean; error?: string | null; gradient: number[]; losses: number[] };
  backend: string;
  gradient: number[];
  cpuGradient: number[];
  losses: number[];
  matmulError: number;
  wasmModulesCompiled: number;
}

/** Serves `folder` on 127.0.0.1 and runs its index.html in headless Chromium. */
async function runPage(folder: string): Promise<PageResult> {
  const types: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript' };
  const server = createServer((req, res) => {
    const file = join(folder, req.url === '/' ? 'index.html' : (req.url ?? '').split('?')[0]);
    if (!file.startsWith(folder) || !existsSync(file)) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': types[extname(file)] ?? 'application/octet-stream' }).end(readFileSync(file));
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  try {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    await page
      .waitForFunction(() => 'consumer' in window, undefined, { timeout: 60_000 })
      .catch(() => {
        throw new Error(`the page did not start: ${errors.join('\n')}`);
      });
    return (await page.evaluate(() => window.consumer)) as PageResult;
  } finally {
    await browser.close();
    server.close();
  }
}

function checkPage(t: import('ava').ExecutionContext, r: PageResult): void {
  t.true(r.webgl);
  t.is(r.backend, 'webgl');
  t.is(r.gradient.length, 15);
  r.gradient.forEach((g, i) => t.true(Math.abs(g - r.cpuGradient[i]) < 1e-4, `webgl ${g} vs cpu ${r.cpuGradient[i]}`));
  t.true(r.losses[r.losses.length - 1] < r.losses[0], `webgl LSTM loss ${r.losses[0]} -> ${r.losses.at(-1)}`);
  t.true(r.webgpu.started, `setBackend('webgpu') failed in the page: ${r.webgpu.error}`);
  t.is(r.webgpu.gradient.length, 15);
  r.webgpu.gradient.forEach((g, i) =>
    t.true(Math.abs(g - r.cpuGradient[i]) < 1e-4, `webgpu ${g} vs cpu ${r.cpuGradient[i]}`),
  );
  const wl = r.webgpu.losses;
  t.true(wl.length === r.losses.length && wl[wl.length - 1] < wl[0], `webgpu LSTM loss ${wl[0]} -> ${wl.at(-1)}`);
  t.true(r.matmulError < 1e-3, `cpu matmul error ${r.matmulError}`);
  // Compiled once each: the matmul (plus its plain-SIMD twin where relaxed SIMD selects the FMA
  // variant, as in Chromium) and, if the page's ops used it, the elementwise module.
  t.true(
    r.wasmModulesCompiled >= 1 && r.wasmModulesCompiled <= 3,
    `WebAssembly modules compiled: ${r.wasmModulesCompiled} (want 1-3: each kernel module once)`,
  );
}

test.serial('an esbuild bundle runs in headless Chromium on webgl and webgpu, and the wasm matmul loads', async (t) => {
  const out = join(dir, 'out-esbuild');
  await run(bin('esbuild'), ['browser.ts', '--bundle', '--format=esm', `--outfile=${join(out, 'browser.js')}`]);
  writeFileSync(
    join(out, 'index.html'),
    readFileSync(join(dir, 'index.html'), 'utf8').replace('./browser.ts', './browser.js'),
  );
  checkPage(t, await runPage(out));
});

test.serial(
  'a Vite build (no config) runs in headless Chromium on webgl and webgpu, and the wasm matmul loads',
  async (t) => {
    await run(bin('vite'), ['build', '--outDir', 'out-vite', '--logLevel', 'warn']);
    checkPage(t, await runPage(join(dir, 'out-vite')));
  },
);
