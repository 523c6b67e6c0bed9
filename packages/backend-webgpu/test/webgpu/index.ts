/** Cases about the webgpu backend itself, run in the browser page (and in Node when enabled) next to the shared suites. */
import type { SuiteDef } from '@tapeflow/conformance';
import { fusedSuite, gpuLstmSuite } from '@tapeflow/conformance/gpu';
import { backendSuite } from './backend.js';
import { gpu, webgpu } from './util.js';

export const webgpuSuites: Record<string, SuiteDef> = {
  webgpu: backendSuite,
  // The fused kernels against central differences of their equations: backend-agnostic, shared with webgl.
  'webgpu fused': fusedSuite,
  // Training keeps buffers flat; swapMemory lowers the peak (webgl's cases, on buffers).
  'webgpu lstm': gpuLstmSuite({
    counts: () => ({ ...gpu(), textures: gpu().buffers }),
    resetPeak: () => webgpu().resetPeak(),
    forwardPeakBound: false,
  }),
};
