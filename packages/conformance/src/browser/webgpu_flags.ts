/**
 * Chromium 156 exposes WebGPU on SwiftShader (no GPU here) with the first two flags, on a page
 * from 127.0.0.1 (a secure context). The others put the compositor on SwiftShader's Vulkan too:
 * without them a 'webgpu' canvas draws into a 2D canvas as all zeros, and readSync (dataSync)
 * reads through exactly that (backend-webgpu's src/canvas_read.ts).
 */
export const WEBGPU_ARGS = [
  '--enable-unsafe-webgpu',
  '--use-webgpu-adapter=swiftshader',
  '--enable-features=Vulkan',
  '--use-vulkan=swiftshader',
  '--use-angle=swiftshader',
  '--enable-unsafe-swiftshader',
];
