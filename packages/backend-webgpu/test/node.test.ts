/**
 * Node. Importing the backend registers 'webgpu' above webgl; with no usable Vulkan driver
 * setBackend('webgpu') resolves false and webgpuInitError() says what to install.
 *
 * The conformance suites also run here on Dawn (the `webgpu` package) over SwiftShader's Vulkan
 * ICD from Debian's chromium, but only with TAPEFLOW_WEBGPU_NODE=1: that stack crashes the
 * process at random (SIGSEGV, glibc mutex assertions, in Dawn's InstanceBase::ProcessEvents)
 * after a few hundred to a few thousand submits, also in scripts/dawn-soak.mjs without tapeflow,
 * so it cannot gate CI (the README's Node section has the measurements). The browser file runs
 * the same suites on Chromium's SwiftShader adapter.
 */
import test from 'ava';
import { getBackend, registerBackend, setBackend, ValueError } from '@tapeflow/core';
import { WEBGPU_PRIORITY, webgpuInitError } from '@tapeflow/backend-webgpu';
import { WEBGL_PRIORITY } from '@tapeflow/backend-webgl';
import { runConformance } from '@tapeflow/conformance/ava';
import { gradSuites, opsSuites, rnnSuites } from '@tapeflow/conformance';
import { webgpuSuites } from './webgpu/index.js';
import { useSwiftShader } from './swiftshader.js';

test('importing @tapeflow/backend-webgpu registers webgpu, ranked above webgl', (t) => {
  t.false(
    registerBackend('webgpu', () => {
      throw new Error('unused');
    }),
    'already registered by the import',
  );
  t.true(WEBGPU_PRIORITY > WEBGL_PRIORITY);
});

if (process.env.TAPEFLOW_WEBGPU_NODE === '1') {
  useSwiftShader();
  test.serial('webgpu › Node finds an adapter (Dawn)', async (t) => {
    t.true(await setBackend('webgpu'), `setBackend('webgpu') failed: ${webgpuInitError()}`);
  });
  runConformance('webgpu', { ...opsSuites, ...gradSuites, ...rnnSuites, ...webgpuSuites });
} else {
  test.serial('without a Vulkan driver setBackend("webgpu") resolves false and says why', async (t) => {
    process.env.VK_ICD_FILENAMES = '/nonexistent/vk_icd.json'; // the GPU worker's Dawn sees no driver
    t.false(await setBackend('webgpu'));
    t.regex(webgpuInitError() ?? '', /no GPU adapter.*libvulkan1.*VK_ICD_FILENAMES/s);
    t.throws(() => getBackend(), { instanceOf: ValueError, message: /No backend/ });
  });
}
