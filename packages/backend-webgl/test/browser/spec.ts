/** The webgl test page for the shared browser runner: the cases about the webgl backend itself (memory, swapping, exact integers) join the shared ones. */
import type { PageSpec } from '@tapeflow/conformance/browser';

export const WEBGL_PAGE: PageSpec = {
  page: 'packages/backend-webgl/test/browser/page.ts',
  ownSuites: 'packages/backend-webgl/test/webgl/index.ts',
  ownExport: 'webglSuites',
  title: 'tapeflow webgl tests',
};
