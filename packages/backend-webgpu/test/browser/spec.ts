/** The webgpu page for the browser runner of backend-webgl (same server, same per-case protocol). */
import type { PageSpec } from '../../../backend-webgl/test/browser/runner.js';

export const WEBGPU_PAGE: PageSpec = {
  page: 'packages/backend-webgpu/test/browser/page.ts',
  ownSuites: 'packages/backend-webgpu/test/webgpu/index.ts',
  ownExport: 'webgpuSuites',
  title: 'tapeflow webgpu tests',
};

export { WEBGPU_ARGS } from './flags.js';
