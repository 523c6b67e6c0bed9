// Soak test of Dawn (the `webgpu` package) in Node, without tapeflow: N submits of a tiny compute
// pass, each with its own bind group over two storage buffers, a readback every READ_EVERY-th
// submit checked against the expected values. Exits 0 after N submits; a driver-stack crash
// shows as a signal (SIGSEGV 139, SIGABRT 134) or a hang. See the README's Node section.
//
//   VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json node scripts/dawn-soak.mjs
//   env: N (submits, 6000), READ_EVERY (3), POOL=0 (a fresh buffer pair per submit, destroyed
//   after it), DAWN_OPTS (space-separated create() options, e.g. enable-dawn-features=...)
import { create, globals } from 'webgpu';

const { GPUBufferUsage: U, GPUMapMode } = globals;
const N = Number(process.env.N ?? 6000);
const readEvery = Number(process.env.READ_EVERY ?? 3);
const pool = process.env.POOL !== '0';
const adapter = await create((process.env.DAWN_OPTS ?? '').split(' ').filter(Boolean)).requestAdapter();
if (!adapter) {
  console.error('no adapter (set VK_ICD_FILENAMES)');
  process.exit(2);
}
const device = await adapter.requestDevice();
device.addEventListener('uncapturederror', (e) => {
  console.error(`uncaptured: ${e.error.message}`);
  process.exit(3);
});
const module = device.createShaderModule({
  code: `@group(0) @binding(0) var<storage, read> a: array<f32>;
@group(0) @binding(1) var<storage, read_write> b: array<f32>;
@compute @workgroup_size(64) fn main(@builtin(global_invocation_id) g: vec3u) {
  if (g.x < arrayLength(&b)) { b[g.x] = a[g.x] * 2.0 + 1.0; }
}`,
});
const pipeline = device.createComputePipeline({ layout: 'auto', compute: { module, entryPoint: 'main' } });
const n = 64;
const make = () => ({
  a: device.createBuffer({ size: n * 4, usage: U.STORAGE | U.COPY_DST }),
  b: device.createBuffer({ size: n * 4, usage: U.STORAGE | U.COPY_SRC }),
});
const kept = make();
const staging = device.createBuffer({ size: n * 4, usage: U.MAP_READ | U.COPY_DST });
for (let i = 0; i < N; i++) {
  const { a, b } = pool ? kept : make();
  const src = new Float32Array(n).map((_, j) => (i + j) % 7);
  device.queue.writeBuffer(a, 0, src);
  const bindGroup = device.createBindGroup({
    layout: pipeline.getBindGroupLayout(0),
    entries: [
      { binding: 0, resource: { buffer: a } },
      { binding: 1, resource: { buffer: b } },
    ],
  });
  const encoder = device.createCommandEncoder();
  const pass = encoder.beginComputePass();
  pass.setPipeline(pipeline);
  pass.setBindGroup(0, bindGroup);
  pass.dispatchWorkgroups(1);
  pass.end();
  const read = i % readEvery === 0;
  if (read) encoder.copyBufferToBuffer(b, 0, staging, 0, n * 4);
  device.queue.submit([encoder.finish()]);
  if (!pool) {
    a.destroy();
    b.destroy();
  }
  if (read) {
    await staging.mapAsync(GPUMapMode.READ);
    const out = new Float32Array(staging.getMappedRange().slice(0));
    staging.unmap();
    const j = out.findIndex((v, k) => v !== src[k] * 2 + 1);
    if (j >= 0) {
      console.error(`submit ${i}: element ${j} is ${out[j]}, expected ${src[j] * 2 + 1}`);
      process.exit(4);
    }
  }
  if (i % 500 === 0) console.log(`submit ${i}`);
}
console.log(`ok: ${N} submits`);
device.destroy();
process.exit(0);
