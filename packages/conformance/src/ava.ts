/** Runs conformance suites under ava in Node, one ava test per case, against one backend. */
import test from 'ava';
import { ENGINE, setBackend } from '@tapeflow/core';
import { collect, type SuiteDef, type TestEnv } from './harness.js';

export function runConformance(backend: string, suites: Record<string, SuiteDef>, opts: Partial<TestEnv> = {}): void {
  const scale = Number(process.env.TAPEFLOW_FC_SCALE ?? '1');
  for (const c of collect(suites)) {
    test.serial(`${backend} › ${c.name}`, async (t) => {
      if (!(await setBackend(backend))) throw new Error(`backend ${backend} failed to initialize`);
      const env: TestEnv = { backend, float64: ENGINE.backend.supportsDType('float64'), runsScale: scale, ...opts };
      await c.fn(env);
      t.pass();
    });
  }
}
