/** Cases about the webgpu backend itself, run in Node and in the browser page alike. */
import type { SuiteDef } from '../../../core/test/conformance/harness.js';

export const webgpuSuites: Record<string, SuiteDef> = {};
