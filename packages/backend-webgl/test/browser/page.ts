/**
 * The test page's entry (bundled by esbuild, runs in Chromium). It registers only the 'webgl'
 * backend, so a kernel that cannot run on the GPU fails instead of falling back to the CPU,
 * and exposes the conformance cases to the Node side as window.tapeflowTests.
 */
import { ENGINE, setBackend } from '@tapeflow/core';
import { WebGLBackend } from '../../src/index.js';
import { collect, type SuiteDef, type TestEnv } from '@tapeflow/conformance';
import type {} from '@tapeflow/conformance/browser/page'; // window.tapeflowTests

export function start(suites: Record<string, SuiteDef>): void {
  const cases = collect(suites);
  const byName = new Map(cases.map((c) => [c.name, c]));
  const backend = (): WebGLBackend => {
    const b = ENGINE.backend;
    if (!(b instanceof WebGLBackend)) throw new Error(`active backend is ${b.name}, not webgl`);
    return b;
  };
  window.tapeflowTests = {
    async init() {
      if (!(await setBackend('webgl'))) throw new Error('the webgl backend failed to initialize in this browser');
      // The page must not be able to fall back to another backend.
      let others = true;
      try {
        await setBackend('cpu');
      } catch {
        others = false;
      }
      if (others)
        throw new Error("a 'cpu' backend is registered in the test page; webgl tests must not fall back to it");
      const gl = backend().gpgpu.gl;
      const dbg = gl.getExtension('WEBGL_debug_renderer_info');
      return String(gl.getParameter(dbg ? dbg.UNMASKED_RENDERER_WEBGL : gl.RENDERER));
    },
    list: () => cases.map((c) => c.name),
    async run(name, runsScale) {
      const c = byName.get(name);
      if (!c) return { ok: false, ms: 0, error: `no case named ${name}`, numDraws: 0 };
      const env: TestEnv = { backend: 'webgl', float64: false, runsScale };
      const b = backend();
      const draws = b.numDraws;
      const t0 = performance.now();
      try {
        await c.fn(env);
        return { ok: true, ms: performance.now() - t0, numDraws: b.numDraws - draws };
      } catch (e) {
        const err = e as Error;
        const msg = err?.stack ?? String(e);
        return {
          ok: false,
          ms: performance.now() - t0,
          error: `${err?.name ?? 'Error'}: ${msg}`,
          numDraws: b.numDraws - draws,
        };
      }
    },
  };
}
