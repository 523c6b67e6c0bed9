/**
 * `pnpm --filter @tapeflow/backend-webgl probe` (PROBE=matmul: the matmul shapes; PROBE=js: the step's JavaScript time): runs
 * probe_page.ts in headless Chromium and prints its per-pass report. A diagnostic, not a bench:
 * nothing is written.
 */
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleSource, openPage } from '@tapeflow/conformance/browser';

const here = dirname(fileURLToPath(import.meta.url));
const js = await bundleSource(`import './probe_page.ts';`, here);
const { page, logs, close } = await openPage(js);
try {
  await page.waitForFunction(() => 'probe' in window, undefined, { timeout: 60_000 });
  const which = process.env.PROBE ?? '';
  console.log(
    await page.evaluate(
      (m) => (m === 'matmul' ? window.probeMatmul() : m === 'js' ? window.probeJs() : window.probe()),
      which,
    ),
  );
} catch (e) {
  console.error(logs.join('\n'));
  throw e;
} finally {
  await close();
}
