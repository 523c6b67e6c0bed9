/**
 * Suites for GPU backends (webgl, webgpu), run in their browser pages: the fused LSTM/GRU kernels
 * against central differences, and memory under training against a probe of the backend's counters.
 */
export { fusedSuite } from './fused.js';
export { gpuLstmSuite, type GpuProbe } from './lstm.js';
