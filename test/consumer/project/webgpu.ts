// The webgpu backend as a Node consumer without a GPU sees it: importing the package registers
// 'webgpu' (so registering it again is refused), and with no Vulkan driver setBackend('webgpu')
// resolves false and webgpuInitError() says what to install; then Node exits by itself (no GPU
// worker left running). Run with VK_ICD_FILENAMES pointing nowhere, so that a machine with a
// driver takes the same path.
import { WEBGPU_PRIORITY, WebGPUBackend, webgpuInitError } from '@tapeflow/backend-webgpu';
import { registerBackend, setBackend } from '@tapeflow/core';

const registeredAgain = registerBackend('webgpu', () => Promise.reject(new Error('unused')), WEBGPU_PRIORITY);
const started = await setBackend('webgpu');
console.log(
  JSON.stringify({
    registeredAgain,
    started,
    reason: webgpuInitError(),
    backendClass: typeof WebGPUBackend,
  }),
);
