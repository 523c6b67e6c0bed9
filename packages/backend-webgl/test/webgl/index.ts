/** Cases about the webgl backend itself, run in the browser page next to the shared suites. */
import type { SuiteDef } from '@tapeflow/conformance';
import { backendSuite } from './backend.js';
import { fusedSuite } from './fused.js';
import { lstmSuite } from './lstm.js';
import { packedSuite } from './packed.js';

export const webglSuites: Record<string, SuiteDef> = {
  webgl: backendSuite,
  'webgl fused': fusedSuite,
  'webgl lstm': lstmSuite,
  'webgl packed': packedSuite,
};
