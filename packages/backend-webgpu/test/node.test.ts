/**
 * The conformance suites (ops, gradients, RNN) plus the webgpu-specific cases on the 'webgpu'
 * backend in Node (Dawn on SwiftShader's Vulkan). Only webgpu is registered, so nothing can fall
 * back to the CPU. If no adapter is found this file fails with the reason: CI installs
 * libvulkan1 and chromium (.ci/run).
 */
import test from 'ava';
import { setBackend } from '@tapeflow/core';
import { webgpuInitError } from '@tapeflow/backend-webgpu';
import { runConformance } from '../../core/test/conformance/ava.js';
import { opsSuites } from '../../core/test/conformance/ops/index.js';
import { gradSuites } from '../../autograd/test/conformance/index.js';
import { rnnSuites } from '../../rnn/test/conformance/index.js';
import { webgpuSuites } from './webgpu/index.js';
import { useSwiftShader } from './swiftshader.js';

useSwiftShader();

test.serial('webgpu › Node finds an adapter (Dawn)', async (t) => {
  const ok = await setBackend('webgpu');
  t.true(ok, `setBackend('webgpu') failed: ${webgpuInitError()}`);
});

runConformance('webgpu', { ...opsSuites, ...gradSuites, ...rnnSuites, ...webgpuSuites });
