/**
 * The conformance suites (ops, gradients, RNN) plus the webgl-specific cases, run inside
 * headless Chromium on the 'webgl' backend: one ava test per case, named `webgl › <case>`.
 * If Chromium is missing this file fails (it does not skip): CI installs it (.ci/run).
 */
import test from 'ava';
import { startBrowser } from '@tapeflow/conformance/browser';
import { WEBGL_PAGE } from './browser/spec.js';

const runner = await startBrowser(WEBGL_PAGE);

test.after.always(() => runner.close());

test.serial('webgl › the page runs on WebGL2 with float32 render targets', (t) => {
  t.log(`renderer: ${runner.renderer}; suites: ${runner.suites.join(', ')}`);
  t.true(runner.cases.length > 0, 'no conformance cases were bundled');
});

for (const name of runner.cases) {
  test.serial(`webgl › ${name}`, async (t) => {
    const r = await runner.run(name);
    if (!r.ok) t.fail(r.error);
    else t.pass();
  });
}
