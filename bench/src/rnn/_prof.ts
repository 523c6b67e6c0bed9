/**
 * Profiling aid for the LSTM training step of lstm_step.ts (not a bench part: main.ts does not
 * run it). Wraps every kernel of the cpu backend with a timer and prints where a step's time goes,
 * by kernel and input shapes, next to the total wall time (the rest is engine, tape and op
 * front-end overhead).
 * Run from bench/ (so the workspace packages resolve to one copy of core):
 *   npx tsx --conditions=source src/rnn/_prof.ts                 # sizes 32,50,128,256, 3 steps
 *   SIZES=4,6,8,16 N=1 TOP=10 npx tsx --conditions=source src/rnn/_prof.ts
 */
import * as tp from '@tapeflow/core';
import { CpuBackend } from '@tapeflow/backend-cpu';
import { adam } from '@tapeflow/autograd';
import { BasicLSTMCell, dynamicRnn } from '@tapeflow/rnn';

const [B, T, D, H] = (process.env.SIZES ?? '32,50,128,256').split(',').map(Number);
await tp.setBackend('cpu');
const backend = tp.ENGINE.backend as CpuBackend;

const stats = new Map<string, { ms: number; calls: number }>();
let on = false;
type Fn = (...a: unknown[]) => unknown;
function wrap(table: Record<string, Fn | undefined>): void {
  for (const [name, f] of Object.entries(table)) {
    if (!f) continue;
    table[name] = (...args: unknown[]) => {
      if (!on) return f(...args);
      const t0 = performance.now();
      const r = f(...args);
      const key = `${name} ${(args[0] as { shape: number[] }[]).map((i) => `[${i.shape}]`).join(' ')}`;
      const s = stats.get(key) ?? { ms: 0, calls: 0 };
      s.ms += performance.now() - t0;
      s.calls++;
      stats.set(key, s);
      return r;
    };
  }
}
wrap(backend.kernels as unknown as Record<string, Fn>);
wrap(backend.fused as unknown as Record<string, Fn>);

const x = tp.randomUniform([B, T, D], { minval: -1, maxval: 1, seed: 1 });
const cell = new BasicLSTMCell(H);
const opt = adam(1e-3);
const step = (): void =>
  opt.minimize(() => tp.mean(tp.square(dynamicRnn(cell, x, { dtype: 'float32' })[0] as tp.Tensor))).dispose();
step();
step();
const n = Number(process.env.N ?? 3);
on = true;
const t0 = performance.now();
for (let i = 0; i < n; i++) step();
const wall = (performance.now() - t0) / n;
on = false;
const rows = [...stats].sort((a, b) => b[1].ms - a[1].ms);
const inKernels = rows.reduce((s, [, v]) => s + v.ms, 0) / n;
console.log(`ms/step ${wall.toFixed(1)}, in kernels ${inKernels.toFixed(1)}, live tensors ${tp.memory().numTensors}`);
for (const [k, v] of rows.slice(0, Number(process.env.TOP ?? 30))) {
  console.log(`${(v.ms / n).toFixed(2).padStart(9)} ms ${String(v.calls / n).padStart(5)}x  ${k}`);
}
