/**
 * The float32 matmul against the machine's WebAssembly SIMD ceilings, one thread: peak loops of
 * independent f32x4 multiply-adds (wasm/simd_peak.wat, assembled here with wabt), one with mul
 * then add and one with relaxed SIMD's fused f32x4.relaxed_madd, give the GFLOP/s no kernel of
 * that flavour can beat; tapeflow's matmul 256-1024 runs in both flavours (where the runtime has
 * relaxed SIMD) and is reported as a fraction of its ceiling, with the FMA / plain ratio. By CPU
 * time, best of rounds in which the flavours take turns. Part of `pnpm bench cpu-ops`.
 */
import { readFileSync } from 'node:fs';
import * as tp from '@tapeflow/core';
import '@tapeflow/backend-cpu';
// backend-cpu internals (not its public API): whether the FMA gemm loaded, and the switch to the plain one
import { matmulRuntime, scratch, type MatmulRuntime } from '../../packages/backend-cpu/src/wasm/runtime.js';
import { KC, MC_PANELS, MR, NC_PANELS, NR, gemmFlavour } from '../../packages/backend-cpu/src/kernels/matmul_wasm.js';
import wabt from 'wabt';
import { randomArray, time } from './measure.js';

/**
 * Accumulators per flavour: the plain loop needs 2 adds in flight per add pipe (latency 2-3 cycles,
 * 2 pipes) and a register for each product, so 8 (8 + 4 loaded + 1 product = 13 of the 15 xmm
 * registers V8 leaves to wasm; 10 spills). An FMA's latency is 4 cycles on 2 pipes: 8 just covers
 * it, 10 measured ~8% faster.
 */
const ACCUMULATORS = { plain: 8, fma: 10 } as const;
const STEPS = 1 << 20; // x 64-80 flops: ~0.1 GFLOP a call

/** The peak loop's text: `n` accumulators, each adding its own product of two of the 4 loaded vectors. */
function peakText(fused: boolean, n: number): string {
  const pairs: [number, number][] = [];
  for (let x = 0; x < 4; x++) for (let y = x; y < 4; y++) pairs.push([x, y]); // 10 distinct products
  const step = ([x, y]: [number, number], i: number): string =>
    fused
      ? `(local.set $a${i} (f32x4.relaxed_madd (local.get $v${x}) (local.get $v${y}) (local.get $a${i})))`
      : `(local.set $a${i} (f32x4.add (local.get $a${i}) (f32x4.mul (local.get $v${x}) (local.get $v${y}))))`;
  const acc = Array.from({ length: n }, (_, i) => i);
  const text = readFileSync(new URL('./wasm/simd_peak.wat', import.meta.url), 'utf8');
  return text
    .replace('LOCALS', acc.map((i) => `(local $a${i} v128)`).join(' '))
    .replace('MULADDS', pairs.slice(0, n).map(step).join('\n      '))
    .replace(
      'SUM',
      acc.slice(1).reduce((s, i) => `(f32x4.add ${s} (local.get $a${i}))`, '(local.get $a0)'),
    );
}

async function peakLoop(fused: boolean, n: number): Promise<((steps: number) => number) | null> {
  const w = await wabt();
  const features = { simd: true, relaxed_simd: fused };
  const mod = w.parseWat('simd_peak.wat', peakText(fused, n), features);
  try {
    const bytes = new Uint8Array(mod.toBinary({}).buffer);
    if (!WebAssembly.validate(bytes)) return null;
    return new WebAssembly.Instance(new WebAssembly.Module(bytes)).exports.peak as (steps: number) => number;
  } finally {
    mod.destroy();
  }
}

const ROUNDS = process.env.BENCH_QUICK === '1' ? 1 : 5;
const gflops = (flops: number, cpuMs: number): number => flops / (cpuMs * 1e6);

/** The module's gemm on random n x n operands laid out as packed panels in its memory (no staging, packing or copy-out). */
function gemmAlone(rt: MatmulRuntime, n: number, plain: boolean): () => void {
  const mp = Math.ceil(n / MR),
    np = Math.ceil(n / NR);
  const aSize = mp * MR * n,
    bSize = np * NR * n;
  const { mem, base } = scratch(aSize + bSize + mp * MR * np * NR)!;
  mem.set(randomArray(aSize + bSize, n + 2), base); // matmul calls between rounds reuse this memory
  const gemm = plain ? rt.gemmPlain : rt.gemm;
  const at = base * 4;
  return () =>
    gemm(at, at + aSize * 4, at + (aSize + bSize) * 4, n, np * NR, 0, mp, 0, np, KC, MC_PANELS, NC_PANELS, n);
}

const SIZES = [256, 512, 1024];
const TARGET_SIZES = [512, 1024]; // the sizes issue 11's targets name

export async function simdCeiling(progress: (what: string) => void): Promise<string> {
  const rt = matmulRuntime();
  if (rt === null) return 'No WebAssembly SIMD here: the ceiling was not measured.';
  const flavours = rt.fma ? (['plain', 'fma'] as const) : (['plain'] as const);
  type Flavour = (typeof flavours)[number];
  const peaks: Record<Flavour, number> = { plain: 0, fma: NaN };
  const loops = new Map<Flavour, (steps: number) => number>();
  for (const f of flavours) loops.set(f, (await peakLoop(f === 'fma', ACCUMULATORS[f]))!);
  for (let r = 0; r < ROUNDS; r++) {
    for (const f of flavours) {
      progress(`SIMD peak loop (${f}), round ${r + 1}`);
      const t = time(() => loops.get(f)!(STEPS), 300);
      peaks[f] = Math.max(Number.isNaN(peaks[f]) ? 0 : peaks[f], gflops(STEPS * ACCUMULATORS[f] * 8, t.cpuMs));
    }
  }
  type Best = Record<Flavour, number>;
  const kernels: { n: number; matmul: Best; gemm: Best }[] = [];
  for (const n of SIZES) {
    const a = tp.tensor(randomArray(n * n, n), [n, n]),
      b = tp.tensor(randomArray(n * n, n + 1), [n, n]);
    const best = { n, matmul: { plain: 0, fma: NaN }, gemm: { plain: 0, fma: NaN } };
    const keep = (to: Best, f: Flavour, cpuMs: number): void => {
      to[f] = Math.max(Number.isNaN(to[f]) ? 0 : to[f], gflops(2 * n ** 3, cpuMs));
    };
    for (let r = 0; r < ROUNDS; r++) {
      for (const f of flavours) {
        progress(`matmul ${n}, ${f} SIMD, round ${r + 1}`);
        const budget = n === 1024 ? 1500 : 500;
        gemmFlavour.plainSimd = f === 'plain';
        keep(best.matmul, f, time(() => tp.matmul(a, b).dispose(), budget).cpuMs);
        gemmFlavour.plainSimd = false;
        const gemm = gemmAlone(rt, n, f === 'plain');
        keep(best.gemm, f, time(gemm, budget).cpuMs);
      }
    }
    tp.dispose([a, b]);
    kernels.push(best);
  }
  const pct = (x: number): string => `${(100 * x).toFixed(0)}%`;
  const atTargets = kernels.filter((k) => TARGET_SIZES.includes(k.n));
  const plainMet = atTargets.every((k) => k.matmul.plain / peaks.plain >= 0.85);
  const lines = [
    '### float32 matmul vs the WebAssembly SIMD ceiling (1 thread)',
    '',
    `Two ceilings, each a loop of nothing but independent f32x4 multiply-adds shaped like the matmul's inner loop ` +
      `(bench/src/wasm/simd_peak.wat: 4 vectors loaded from L1 per step, distinct products of them into ` +
      `${ACCUMULATORS.plain} accumulators with mul then add, or ${ACCUMULATORS.fma} with f32x4.relaxed_madd). ` +
      '"matmul" is tapeflow\'s `matmul` (staging, packing and copies included; the targets are read off it), switched ' +
      'between its plain and FMA gemm; "gemm alone" is the module\'s gemm on operands already packed in its memory ' +
      `(${MR} x ${NR} tiles, the kernel's own share). ` +
      `GFLOP/s by CPU time, best of ${ROUNDS} rounds in which the flavours take turns. ` +
      (rt.fma
        ? 'Relaxed SIMD is on here, so both flavours run.'
        : 'Relaxed SIMD is off in this runtime (Node 20 needs --experimental-wasm-relaxed-simd), so only the plain kernel runs.'),
    '',
    `Ceilings: mul+add ${peaks.plain.toFixed(1)} GFLOP/s` +
      (rt.fma
        ? `, FMA ${peaks.fma.toFixed(1)} GFLOP/s (FMA / mul+add = ${(peaks.fma / peaks.plain).toFixed(2)}x: ` +
          'the most an FMA kernel can gain over a plain one running at the mul+add ceiling).'
        : '.'),
    '',
    rt.fma
      ? '| case | plain SIMD (mul, add) | of mul+add ceiling | FMA (relaxed_madd) | of FMA ceiling | FMA / plain |'
      : '| case | plain SIMD (mul, add) | of mul+add ceiling |',
    rt.fma ? '| --- | ---: | ---: | ---: | ---: | ---: |' : '| --- | ---: | ---: |',
    ...kernels.flatMap(({ n, matmul, gemm }) =>
      (
        [
          [`matmul ${n}x${n}`, matmul],
          [`gemm alone ${n}x${n}`, gemm],
        ] as [string, Best][]
      ).map(([label, { plain, fma }]) =>
        rt.fma
          ? `| ${label} | ${plain.toFixed(1)} GFLOP/s | ${pct(plain / peaks.plain)} | ${fma.toFixed(1)} GFLOP/s | ` +
            `${pct(fma / peaks.fma)} | ${(fma / plain).toFixed(2)}x |`
          : `| ${label} | ${plain.toFixed(1)} GFLOP/s | ${pct(plain / peaks.plain)} |`,
      ),
    ),
    '',
    `Target: plain kernel at 512 and 1024 >= 85% of the mul+add ceiling: ${plainMet ? 'met' : 'NOT met'}.`,
  ];
  if (rt.fma) {
    const ratioMet = atTargets.every((k) => k.matmul.fma / k.matmul.plain >= 1.6);
    lines.push(
      `Target: FMA kernel / plain kernel at 512 and 1024 >= 1.6x: ${ratioMet ? 'met' : 'NOT met'}` +
        (ratioMet
          ? '.'
          : ` (the ceilings allow at most ${(peaks.fma / (0.85 * peaks.plain)).toFixed(2)}x over a plain kernel at 85%).`),
    );
  }
  return [...lines, ''].join('\n');
}
