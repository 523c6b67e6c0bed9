/** The webgpu test page for the shared browser runner (same server, same per-case protocol as webgl's). */
import type { PageSpec } from '@tapeflow/conformance/browser';

export const WEBGPU_PAGE: PageSpec = {
  page: 'packages/backend-webgpu/test/browser/page.ts',
  ownSuites: 'packages/backend-webgpu/test/webgpu/index.ts',
  ownExport: 'webgpuSuites',
  title: 'tapeflow webgpu tests',
};
