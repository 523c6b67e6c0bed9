/**
 * @tapeflow/conformance (private, source only): the suites every backend runs unchanged and the
 * harness they run in. A backend's tests run them by name, e.g. under ava
 * `runConformance('cpu', opsSuites)` (from '@tapeflow/conformance/ava'), or in a browser page
 * with `collect`, driven from Node by '@tapeflow/conformance/browser' (the GPU backends' runner).
 *
 *   harness.ts   Registry, TestEnv, assertions (expectClose, expectNoLeak, ...), fixed fast-check seed
 *   ops/         one suite per op family, against the float64 reference in ops/reference.ts
 *   grads/       gradient rules, higher order, the autograd API, trace, optimizers, tape memory
 *   rnn/         cells and unrollers against a plain reference loop, recompute
 *   gpu/         GPU backends' own shared suites: fused kernels, memory under training ('./gpu')
 *   browser/     the headless-Chromium runner and the API a backend's test page exposes ('./browser')
 */
export * from './harness.js';
export * as reference from './ops/reference.js';
export { opsSuites } from './ops/index.js';
export { gradSuites } from './grads/index.js';
export { rnnSuites } from './rnn/index.js';
