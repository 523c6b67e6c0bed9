/**
 * The conformance suites (ops, gradients, RNN) plus the webgpu-specific cases, run inside
 * headless Chromium on the 'webgpu' backend (SwiftShader adapter): one ava test per case, named
 * `webgpu browser › <case>`. If Chromium or its WebGPU adapter is missing this file fails.
 */
import test from 'ava';
import { startBrowser, WEBGPU_ARGS } from '@tapeflow/conformance/browser';
import { WEBGPU_PAGE } from './browser/spec.js';

const runner = await startBrowser(WEBGPU_PAGE, { args: WEBGPU_ARGS });

test.after.always(() => runner.close());

test.serial('webgpu browser › the page runs on a WebGPU adapter', (t) => {
  t.log(`adapter: ${runner.renderer}; suites: ${runner.suites.join(', ')}`);
  t.true(runner.cases.length > 0, 'no conformance cases were bundled');
});

for (const name of runner.cases) {
  test.serial(`webgpu browser › ${name}`, async (t) => {
    const r = await runner.run(name);
    if (!r.ok) t.fail(r.error);
    else t.pass();
  });
}
