/** Cases about the webgl backend itself, run in the browser page next to the shared suites. */
import type { SuiteDef } from '@tapeflow/conformance';
import { fusedSuite, gpuLstmSuite } from '@tapeflow/conformance/gpu';
import { backendSuite } from './backend.js';
import { packedSuite } from './packed.js';
import { gpu, webgl } from './util.js';

export const webglSuites: Record<string, SuiteDef> = {
  webgl: backendSuite,
  'webgl fused': fusedSuite,
  'webgl lstm': gpuLstmSuite({ counts: gpu, resetPeak: () => webgl().resetPeak() }),
  'webgl packed': packedSuite,
};
