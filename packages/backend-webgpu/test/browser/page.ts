/**
 * The webgpu test page's entry (bundled by esbuild, runs in Chromium). It registers only the
 * 'webgpu' backend, so a kernel that cannot run on the GPU fails instead of falling back, and
 * exposes the conformance cases to the Node side as window.tapeflowTests (the shared runner's API).
 */
import { ENGINE, setBackend } from '@tapeflow/core';
import { WebGPUBackend, webgpuInitError } from '../../src/index.js';
import { collect, type SuiteDef, type TestEnv } from '@tapeflow/conformance';
import type { CaseResult } from '@tapeflow/conformance/browser/page';

export function start(suites: Record<string, SuiteDef>): void {
  const cases = collect(suites);
  const byName = new Map(cases.map((c) => [c.name, c]));
  const backend = (): WebGPUBackend => {
    const b = ENGINE.backend;
    if (!(b instanceof WebGPUBackend)) throw new Error(`active backend is ${b.name}, not webgpu`);
    return b;
  };
  window.tapeflowTests = {
    async init() {
      if (!(await setBackend('webgpu')))
        throw new Error(`the webgpu backend failed to initialize: ${webgpuInitError()}`);
      let others = true;
      try {
        await setBackend('cpu');
      } catch {
        others = false;
      }
      if (others)
        throw new Error("a 'cpu' backend is registered in the test page; webgpu tests must not fall back to it");
      return backend().adapterInfo;
    },
    list: () => cases.map((c) => c.name),
    async run(name, runsScale): Promise<CaseResult> {
      const c = byName.get(name);
      if (!c) return { ok: false, ms: 0, error: `no case named ${name}`, numDraws: 0 };
      const env: TestEnv = { backend: 'webgpu', float64: false, runsScale };
      const b = backend();
      const before = b.numDispatches;
      const t0 = performance.now();
      try {
        await c.fn(env);
        return { ok: true, ms: performance.now() - t0, numDraws: b.numDispatches - before };
      } catch (e) {
        const err = e as Error;
        return {
          ok: false,
          ms: performance.now() - t0,
          error: `${err?.name ?? 'Error'}: ${err?.stack ?? String(e)}`,
          numDraws: b.numDispatches - before,
        };
      }
    },
  };
}
