/**
 * Synchronous readback in a page. WebGPU only maps buffers asynchronously, but a canvas can be
 * drawn into a 2D canvas and read with getImageData synchronously. The buffer's bytes are
 * copied into a 'webgpu' canvas texture (rgba8unorm, one 32-bit element per texel) twice: with
 * alphaMode 'opaque' the colour bytes come back exactly (alpha reads 255), with 'premultiplied'
 * the alpha byte does (colours may be rescaled). Together they give every byte. Slow, but it is
 * what makes dataSync() work; `await data()` is the fast path.
 */
import type { SyncReader } from './gpu.js';

const W = 256;
const H = 256;
const MODES: GPUCanvasAlphaMode[] = ['opaque', 'premultiplied'];

interface Canvases {
  device: GPUDevice;
  gpu: OffscreenCanvas[];
  host: OffscreenCanvasRenderingContext2D;
}
let canvases: Canvases | null = null;

function setup(device: GPUDevice): Canvases {
  if (canvases?.device === device) return canvases;
  const gpu = MODES.map((alphaMode) => {
    const c = new OffscreenCanvas(W, H);
    const ctx = c.getContext('webgpu');
    if (!ctx) throw new Error("webgpu: no 'webgpu' canvas context for a synchronous read; use `await tensor.data()`");
    ctx.configure({ device, format: 'rgba8unorm', usage: GPUTextureUsage.COPY_DST, alphaMode });
    return c;
  });
  const host = new OffscreenCanvas(W, H).getContext('2d', { willReadFrequently: true });
  if (!host) throw new Error('webgpu: no 2d canvas for a synchronous read; use `await tensor.data()`');
  canvases = { device, gpu, host };
  return canvases;
}

/** Whether this global scope can do it (a page or a worker with OffscreenCanvas). */
export const canReadSync = (): boolean => typeof OffscreenCanvas !== 'undefined';

export const canvasReadSync: SyncReader = (device, buffer, bytes) => {
  const { gpu, host } = setup(device);
  const out = new ArrayBuffer(bytes);
  const bytesOut = new Uint8Array(out);
  const texels = bytes / 4;
  MODES.forEach((mode, m) => {
    const texture = (gpu[m].getContext('webgpu') as GPUCanvasContext).getCurrentTexture();
    for (let start = 0; start < texels; start += W * H) {
      const n = Math.min(W * H, texels - start);
      const rows = Math.ceil(n / W);
      const enc = device.createCommandEncoder();
      // Whole rows, then the last partial row (a copy must not read past the buffer).
      const full = Math.floor(n / W);
      if (full)
        enc.copyBufferToTexture(
          { buffer, offset: start * 4, bytesPerRow: W * 4 },
          { texture },
          { width: W, height: full },
        );
      if (n > full * W) {
        enc.copyBufferToTexture(
          { buffer, offset: (start + full * W) * 4, bytesPerRow: W * 4 },
          { texture, origin: { x: 0, y: full } },
          { width: n - full * W, height: 1 },
        );
      }
      device.queue.submit([enc.finish()]);
      host.clearRect(0, 0, W, rows);
      host.drawImage(gpu[m], 0, 0);
      const px = host.getImageData(0, 0, W, rows).data;
      const base = start * 4;
      for (let k = 0; k < n * 4; k += 4) {
        if (mode === 'opaque') {
          bytesOut[base + k] = px[k];
          bytesOut[base + k + 1] = px[k + 1];
          bytesOut[base + k + 2] = px[k + 2];
        } else {
          bytesOut[base + k + 3] = px[k + 3];
        }
      }
    }
  });
  return out;
};
