/**
 * `pnpm bench native`: tapeflow's RNN training step against the native frameworks TensorFlow
 * (Keras layer under tf.function), PyTorch and JAX on the same CPU, in the same run: same model
 * (TF1 BasicLSTMCell / GRUCell, the peers' layers loaded with the same weights), sizes, loss
 * mean(outputs^2), Adam, and thread count (1 and 2). The contenders take turns, a few steps each
 * per round, and each reports the median ms per step; the loss at step 0 shows that the weights
 * were mapped right (the peers get the TF1-layout arrays this file writes, peer.py maps them).
 * Writes section 'native' of bench/results.md.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tp from '@tapeflow/core';
import '@tapeflow/backend-cpu';
import { useThreads } from '@tapeflow/backend-cpu/threads';
import { adam } from '@tapeflow/autograd';
import { BasicLSTMCell, GRUCell, dynamicRnn, resetDefaultGraph, type RNNCell } from '@tapeflow/rnn';
import { randomArray } from '../measure.js';
import { writeSection, RESULTS_PATH } from '../report.js';
import { markdownTable, QUICK } from '../rnn/part.js';
import { FRAMEWORKS, Peer, preparePeers, type Framework } from './peers.js';

type Model = 'lstm' | 'gru';
interface Case {
  model: Model;
  B: number;
  T: number;
  D: number;
  H: number;
  threads: number;
  warmup: number;
  rounds: number;
  perRound: number;
}
/** tapeflow time / TF time targets of issue 11, by case. */
const TARGETS: Record<string, number> = {
  'lstm 32x50x128x256 2': 1.0,
  'lstm 32x50x128x256 1': 1.3,
  'gru 32x50x128x256 2': 1.0,
  'lstm 8x20x32x64 2': 1.0,
};
const key = (c: Case): string => `${c.model} ${c.B}x${c.T}x${c.D}x${c.H} ${c.threads}`;

const CASES: Case[] = [];
for (const threads of [1, 2]) {
  const big = QUICK ? { B: 4, T: 6, D: 8, H: 16 } : { B: 32, T: 50, D: 128, H: 256 };
  const small = QUICK ? { B: 2, T: 3, D: 4, H: 8 } : { B: 8, T: 20, D: 32, H: 64 };
  const [r, k] = QUICK ? [1, 1] : [7, 1];
  CASES.push({ model: 'lstm', ...big, threads, warmup: 2, rounds: r, perRound: k });
  CASES.push({ model: 'gru', ...big, threads, warmup: 2, rounds: r, perRound: k });
  CASES.push({
    model: 'lstm',
    ...small,
    threads,
    warmup: QUICK ? 2 : 10,
    rounds: QUICK ? 1 : 5,
    perRound: QUICK ? 1 : 10,
  });
}

/** The case's inputs and TF1-layout weights (glorot-uniform-sized kernels, small non-zero biases). */
function arrays(c: Case): Record<string, { data: Float32Array; shape: number[] }> {
  const { B, T, D, H } = c;
  const kernel = (cols: number, seed: number): { data: Float32Array; shape: number[] } => {
    const limit = Math.sqrt(6 / (D + H + cols));
    return { data: randomArray((D + H) * cols, seed).map((v) => v * limit), shape: [D + H, cols] };
  };
  const bias = (n: number, seed: number): { data: Float32Array; shape: number[] } => ({
    data: randomArray(n, seed).map((v) => 0.1 * v),
    shape: [n],
  });
  const x = { data: randomArray(B * T * D, 11), shape: [B, T, D] };
  if (c.model === 'lstm') return { x, kernel: kernel(4 * H, 5), bias: bias(4 * H, 12) };
  return {
    x,
    'gates/kernel': kernel(2 * H, 5),
    'gates/bias': bias(2 * H, 12),
    'candidate/kernel': kernel(H, 6),
    'candidate/bias': bias(H, 13),
  };
}

function writeData(dir: string, c: Case, a: ReturnType<typeof arrays>): void {
  const manifest: Record<string, [number, number[]]> = {};
  let off = 0;
  for (const [name, { data, shape }] of Object.entries(a)) {
    manifest[name] = [off, shape];
    off += data.length;
  }
  const all = new Float32Array(off);
  for (const [name, { data }] of Object.entries(a)) all.set(data, manifest[name][0]);
  writeFileSync(path.join(dir, 'data.f32'), all);
  writeFileSync(
    path.join(dir, 'manifest.json'),
    JSON.stringify({ sizes: { B: c.B, T: c.T, D: c.D, H: c.H }, arrays: manifest }),
  );
}

interface Stepper {
  step(): Promise<{ ms: number; cpuMs: number; loss: number }>;
  close(): void;
}

/** tapeflow: the TF1 cell through dynamicRnn on the cpu backend, `threads` matmul threads. */
function tapeflow(c: Case, a: ReturnType<typeof arrays>): Stepper {
  resetDefaultGraph();
  const xs = tp.tensor(a.x.data, a.x.shape);
  const byCols = new Map(
    Object.entries(a)
      .filter(([n]) => n.endsWith('kernel'))
      .map(([, v]) => [v.shape[1], v.data]),
  );
  const kernelInitializer = (shape: readonly number[]): tp.Tensor => tp.tensor(byCols.get(shape[1])!, shape);
  const cell: RNNCell =
    c.model === 'lstm' ? new BasicLSTMCell(c.H, { kernelInitializer }) : new GRUCell(c.H, { kernelInitializer });
  tp.tidy(() => {
    dynamicRnn(cell, xs, { dtype: 'float32' });
  }); // builds the weights
  for (const w of cell.weights) {
    const name = w.name.split('/').slice(-2).join('/');
    const src = a[name] ?? a[name.split('/').pop()!]; // gru_cell/gates/bias, lstm_cell/bias
    if (src !== undefined && !name.endsWith('kernel')) tp.tidy(() => w.assign(tp.tensor(src.data, src.shape)));
  }
  const opt = adam(1e-3);
  const loss = (): tp.Tensor => tp.mean(tp.square(dynamicRnn(cell, xs, { dtype: 'float32' })[0] as tp.Tensor));
  return {
    async step() {
      await useThreads(c.threads);
      const u = process.cpuUsage(),
        t0 = performance.now();
      const l = opt.minimize(loss);
      const v = l.dataSync()[0];
      const ms = performance.now() - t0,
        d = process.cpuUsage(u);
      l.dispose();
      return { ms, cpuMs: (d.user + d.system) / 1000, loss: v };
    },
    close() {
      xs.dispose();
      cell.dispose();
      opt.dispose();
    },
  };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((p, q) => p - q),
    m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

interface Result {
  ms: number;
  cpuMs: number;
  loss0: number;
  samples: number;
  error?: string;
  note?: string;
}

async function runCase(
  c: Case,
  available: Map<Framework, string | null>,
  versions: Map<string, string>,
): Promise<Map<string, Result>> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tapeflow-native-'));
  try {
    return await measure(c, dir, available, versions);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function measure(
  c: Case,
  dir: string,
  available: Map<Framework, string | null>,
  versions: Map<string, string>,
): Promise<Map<string, Result>> {
  const out = new Map<string, Result>();
  const a = arrays(c);
  writeData(dir, c, a);
  const steppers = new Map<string, Stepper>([['tapeflow', tapeflow(c, a)]]);
  const peers: Peer[] = [];
  for (const f of FRAMEWORKS) {
    const why = available.get(f.id);
    if (why === undefined) continue;
    if (why !== null) {
      out.set(f.id, { ms: NaN, cpuMs: NaN, loss0: NaN, samples: 0, error: why });
      continue;
    }
    peers.push(new Peer(f.id, c.model, c.threads, dir));
  }
  // The peers import their frameworks in parallel, then everyone takes turns.
  await Promise.all(
    peers.map(async (p) => {
      try {
        await p.ready();
        versions.set(p.framework, p.version);
        steppers.set(p.framework, p);
      } catch (e) {
        out.set(p.framework, { ms: NaN, cpuMs: NaN, loss0: NaN, samples: 0, error: (e as Error).message });
        p.close();
      }
    }),
  );
  const samples = new Map<string, { ms: number[]; cpu: number[]; loss0: number }>();
  for (const [name, s] of steppers) {
    let loss0 = NaN;
    for (let w = 0; w < c.warmup; w++) {
      const r = await s.step();
      if (w === 0) loss0 = r.loss;
    }
    samples.set(name, { ms: [], cpu: [], loss0 });
  }
  for (let r = 0; r < c.rounds; r++) {
    for (const [name, s] of steppers) {
      const acc = samples.get(name)!;
      for (let k = 0; k < c.perRound; k++) {
        const t = await s.step();
        acc.ms.push(t.ms);
        acc.cpu.push(t.cpuMs);
      }
    }
  }
  for (const [name, s] of steppers) {
    const acc = samples.get(name)!;
    const note = s instanceof Peer ? s.note : '';
    out.set(name, { ms: median(acc.ms), cpuMs: median(acc.cpu), loss0: acc.loss0, samples: acc.ms.length, note });
    s.close();
  }
  await useThreads(1);
  return out;
}

async function main(): Promise<void> {
  await tp.setBackend('cpu');
  const started = performance.now();
  const loadAtStart = os.loadavg()[0].toFixed(1);
  const available = preparePeers((s) => console.log(s));
  for (const [f, why] of available) if (why !== null) console.log(`${f}: ${why}`);
  const versions = new Map<string, string>();
  const results: { c: Case; r: Map<string, Result> }[] = [];
  for (const c of CASES) {
    console.log(`${key(c)} threads ...`);
    const r = await runCase(c, available, versions);
    for (const [n, v] of r)
      console.log(`  ${n}: ${v.error ?? `${v.ms.toFixed(1)} ms (cpu ${v.cpuMs.toFixed(1)}), loss0 ${v.loss0}`}`);
    results.push({ c, r });
  }

  const cell = (v: Result | undefined): string =>
    v === undefined ? '' : v.error !== undefined ? 'n/a' : `${v.ms.toFixed(1)} (${v.cpuMs.toFixed(0)})`;
  const rows = results.map(({ c, r }) => {
    const tf = r.get('tf'),
      ours = r.get('tapeflow')!;
    const ok = tf !== undefined && tf.error === undefined;
    const ratio = ok ? ours.ms / tf.ms : NaN,
      cpuRatio = ok ? ours.cpuMs / tf.cpuMs : NaN;
    const target = TARGETS[key(c)];
    const lossDiff = FRAMEWORKS.map((f) => {
      const v = r.get(f.id);
      if (v === undefined || v.error !== undefined) return '';
      if (v.note) return `${f.label}: not compared`;
      return `${f.label} ${(Math.abs(v.loss0 - ours.loss0) / Math.abs(ours.loss0)).toExponential(1)}`;
    })
      .filter(Boolean)
      .join(', ');
    return [
      `${c.model.toUpperCase()} B${c.B} T${c.T} D${c.D} H${c.H}`,
      String(c.threads),
      cell(ours),
      ...FRAMEWORKS.map((f) => cell(r.get(f.id))),
      Number.isNaN(ratio) ? 'n/a' : `${ratio.toFixed(2)} (${cpuRatio.toFixed(2)})`,
      target === undefined ? '' : `<= ${target}: ${ratio <= target ? 'met' : 'NOT met'}`,
      ours.loss0.toPrecision(7),
      lossDiff,
    ];
  });
  const failures = FRAMEWORKS.map((f) => {
    const errs = new Set(results.map(({ r }) => r.get(f.id)?.error).filter((e): e is string => e !== undefined));
    return errs.size > 0 ? `- ${f.label} (${f.pkg}) not measured: ${[...errs].join('; ')}` : '';
  }).filter(Boolean);
  const notes = new Set(
    results
      .flatMap(({ r }) => FRAMEWORKS.map((f) => (r.get(f.id)?.note ? `${f.label}: ${r.get(f.id)!.note}` : '')))
      .filter(Boolean),
  );
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  const md = [
    '## Native peers: RNN training step vs TensorFlow, PyTorch, JAX',
    '',
    `Run ${new Date().toISOString().slice(0, 10)} on ${cpu} (${os.cpus().length} cores, load average ${loadAtStart} at start, ` +
      `${os.loadavg()[0].toFixed(1)} at end), Node ${process.version}, ${[...versions.values()].join(', ')}, in ` +
      `${((performance.now() - started) / 1000).toFixed(0)} s. Regenerate with \`pnpm bench native\` (it makes bench/.venv-native with pip).`,
    '',
    'forward + backward + Adam (lr 1e-3), loss mean(outputs^2), zero initial state, median wall ms per step. ' +
      'tapeflow: TF1 BasicLSTMCell / GRUCell through dynamicRnn, cpu backend, `useThreads(n)`. ' +
      'TF: Keras LSTM / GRU(reset_after=False) under tf.function with GradientTape, intra- and inter-op threads n. ' +
      'PyTorch: nn.LSTM / nn.GRU, `torch.set_num_threads(n)`. JAX: the TF1 cell under lax.scan, value_and_grad and Adam in one jit, ' +
      'XLA intra-op threads n. Every contender starts from the same weights (TF1 layout, gate blocks mapped to each layout, ' +
      "the forget bias folded into the peers' bias) and input; the contenders take turns within one run. " +
      "Each cell is wall ms (CPU ms of all the process's threads, in parentheses: on a loaded machine it leaves out the waits for a core). " +
      '"vs TF" is tapeflow time / TF time, by wall (by CPU); the targets are on wall time.',
    '',
    markdownTable(
      [
        'model',
        'threads',
        'tapeflow ms',
        ...FRAMEWORKS.map((f) => `${f.label} ms`),
        'vs TF',
        'target',
        'tapeflow loss at step 0',
        "rel. diff of the peers' step-0 loss",
      ],
      rows,
    ),
    '',
    ...failures,
    ...[...notes].map((n) => `- ${n}: its loss is a different function of the same weights.`),
    '',
  ].join('\n');
  console.log(md);
  if (QUICK) return;
  writeSection('native', md);
  console.log(`wrote section native of ${RESULTS_PATH}`);
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
