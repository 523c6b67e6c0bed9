/**
 * The browser side of the conformance run, shared by the GPU backends: the Node runner that
 * bundles a backend's test page and drives headless Chromium (runner.ts), the API that page
 * implements (page_api.ts), and the Chromium flags that give WebGPU a SwiftShader adapter.
 */
export * from './runner.js';
export type { CaseResult, PageApi } from './page_api.js';
export { WEBGPU_ARGS } from './webgpu_flags.js';
