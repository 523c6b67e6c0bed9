/**
 * `pnpm bench [section ...]`: runs the benchmark scripts one after another, each in its own
 * process (so one peer's thread pools or WebAssembly memory cannot slow the next), and each
 * writes its section of bench/results.md. With no argument every section runs.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const SECTIONS: Record<string, { script: string; what: string }> = {
  'cpu-ops': { script: 'bench/src/cpu_ops.ts', what: 'matmul and elementwise ops vs tfjs cpu and wasm' },
  rnn: { script: 'bench/src/rnn/main.ts', what: 'LSTM training step, dynamicRnn overhead and memory vs tfjs-layers' },
  native: {
    script: 'bench/src/native/main.ts',
    what: 'LSTM/GRU training step vs TensorFlow, PyTorch and JAX (pip, in bench/.venv-native)',
  },
  webgl: { script: 'packages/backend-webgl/bench/main.ts', what: 'webgl backend vs tfjs webgl in headless Chromium' },
  webgpu: {
    script: 'packages/backend-webgpu/bench/main.ts',
    what: 'webgpu backend vs tfjs webgpu (and tapeflow webgl) in headless Chromium',
  },
};

const asked = process.argv.slice(2).filter((a) => a !== '--');
const unknown = asked.filter((a) => !(a in SECTIONS));
if (unknown.length > 0) {
  console.error(`pnpm bench: unknown section ${unknown.join(', ')}; sections: ${Object.keys(SECTIONS).join(', ')}`);
  process.exit(2);
}
// Relaxed SIMD (the matmul's FMA flavour) is behind a flag in Node 20; newer runtimes may have it on, or drop the flag.
const RELAXED = '--experimental-wasm-relaxed-simd';
const flags = spawnSync(process.execPath, [RELAXED, '-e', '0']).status === 0 ? [RELAXED] : [];
let failed = 0;
for (const id of asked.length > 0 ? asked : Object.keys(SECTIONS)) {
  const { script, what } = SECTIONS[id];
  console.log(`\n=== bench ${id}: ${what}`);
  if (!existsSync(root + script)) {
    console.error(`missing ${script}`);
    failed++;
    continue;
  }
  const r = spawnSync(process.execPath, [...flags, '--import=tsx', '--conditions=source', root + script], {
    stdio: 'inherit',
    cwd: root,
  });
  if (r.status !== 0) {
    console.error(`bench ${id} failed (exit ${r.status})`);
    failed++;
  }
}
process.exit(failed > 0 ? 1 : 0);
