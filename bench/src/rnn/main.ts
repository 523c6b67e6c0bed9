/**
 * `pnpm bench rnn`: the RNN training path against TensorFlow.js (tfjs-layers' LSTM on its wasm
 * and cpu backends) and dynamicRnn's own overhead. Runs the parts listed below in order and
 * writes their Markdown as section 'rnn' of bench/results.md. A part is a file exporting
 * `part: Part` (part.ts); optional parts (memory.ts) are run when their file exists.
 */
import { existsSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { useThreads } from '@tapeflow/backend-cpu/threads';
import { writeSection, RESULTS_PATH } from '../report.js';
import { QUICK, type Part } from './part.js';

const REQUIRED = ['./lstm_step.js', './loop_overhead.js'];
const OPTIONAL = ['./memory.js'];

async function load(): Promise<Part[]> {
  const here = (m: string): string => fileURLToPath(new URL(m.replace(/\.js$/, '.ts'), import.meta.url));
  const names = [...REQUIRED, ...OPTIONAL.filter((m) => existsSync(here(m)))];
  return Promise.all(names.map(async (m) => ((await import(m)) as { part: Part }).part));
}

async function main(): Promise<void> {
  await useThreads(1); // the tfjs peers run one thread (Node would start one per core)
  const parts = await load();
  const total = parts.reduce((n, p) => n + p.steps, 0);
  const started = performance.now();
  const loadAtStart = os.loadavg()[0].toFixed(1); // other work on the machine skews the numbers
  let k = 0;
  const progress = (what: string): void => {
    const s = ((performance.now() - started) / 1000).toFixed(0);
    const line = `[${++k}/${total}] ${s}s  ${what}`;
    if (process.stdout.isTTY) process.stdout.write(`\r\x1b[K${line}`);
    else console.log(line);
  };
  const blocks: string[] = [];
  for (const p of parts) blocks.push(await p.run(progress));
  if (process.stdout.isTTY) process.stdout.write('\r\x1b[K');

  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  const md = [
    '## RNN training',
    '',
    `Run ${new Date().toISOString().slice(0, 10)} on ${cpu} (${os.cpus().length} cores, load average ${loadAtStart} at start, ` +
      `${os.loadavg()[0].toFixed(1)} at end), Node ${process.version}, in ${((performance.now() - started) / 1000).toFixed(0)} s. ` +
      'Regenerate with `pnpm bench rnn`.',
    '',
    ...blocks,
  ].join('\n');
  console.log(md);
  if (QUICK) return;
  writeSection('rnn', md);
  console.log(`wrote section rnn of ${RESULTS_PATH}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
