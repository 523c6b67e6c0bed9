/**
 * The float32 matmul against the machine's WebAssembly SIMD ceiling, one thread: a peak loop of
 * f32x4 multiply-adds (wasm/simd_peak.wat, assembled here with wabt) gives the GFLOP/s no kernel
 * can beat; tapeflow's matmul 512 and 1024 are measured as a fraction of it, in both flavours
 * where the runtime has relaxed SIMD (plain mul then add, and fused f32x4.relaxed_madd). By CPU
 * time, best of rounds in which the flavours take turns. Part of `pnpm bench cpu-ops`.
 */
import { readFileSync } from 'node:fs';
import * as tp from '@tapeflow/core';
import '@tapeflow/backend-cpu';
// backend-cpu internals (not its public API): whether the FMA gemm loaded, and the switch to the plain one
import { matmulRuntime } from '../../packages/backend-cpu/src/wasm/runtime.js';
import { gemmFlavour } from '../../packages/backend-cpu/src/kernels/matmul_wasm.js';
import wabt from 'wabt';
import { randomArray, time } from './measure.js';

const ACCUMULATORS = 12;
const STEPS = 1 << 20; // x 96 flops: ~0.1 GFLOP a call

/** The peak loop's text with `step` written out for each accumulator. */
function peakText(fused: boolean): string {
  const step = (a: string): string =>
    fused
      ? `(local.set ${a} (f32x4.relaxed_madd (local.get ${a}) (local.get $m) (local.get $c)))`
      : `(local.set ${a} (f32x4.add (f32x4.mul (local.get ${a}) (local.get $m)) (local.get $c)))`;
  const text = readFileSync(new URL('./wasm/simd_peak.wat', import.meta.url), 'utf8');
  return text.replace('MULADDS', Array.from({ length: ACCUMULATORS }, (_, i) => step(`$a${i}`)).join('\n      '));
}

async function peakLoop(fused: boolean): Promise<((steps: number) => number) | null> {
  const w = await wabt();
  const features = { simd: true, relaxed_simd: fused };
  const mod = w.parseWat('simd_peak.wat', peakText(fused), features);
  try {
    const bytes = new Uint8Array(mod.toBinary({}).buffer);
    if (!WebAssembly.validate(bytes)) return null;
    return new WebAssembly.Instance(new WebAssembly.Module(bytes)).exports.plain as (steps: number) => number;
  } finally {
    mod.destroy();
  }
}

const ROUNDS = process.env.BENCH_QUICK === '1' ? 1 : 3;
const gflops = (flops: number, cpuMs: number): number => flops / (cpuMs * 1e6);

export async function simdCeiling(progress: (what: string) => void): Promise<string> {
  const rt = matmulRuntime();
  if (rt === null) return 'No WebAssembly SIMD here: the ceiling was not measured.';
  const peaks: { plain: number; fma: number } = { plain: 0, fma: NaN };
  const flavours = rt.fma ? (['plain', 'fma'] as const) : (['plain'] as const);
  for (const f of flavours) {
    const loop = (await peakLoop(f === 'fma'))!;
    for (let r = 0; r < ROUNDS; r++) {
      progress(`SIMD peak loop (${f}), round ${r + 1}`);
      const t = time(() => loop(STEPS), 300);
      peaks[f] = Math.max(Number.isNaN(peaks[f]) ? 0 : peaks[f], gflops(STEPS * ACCUMULATORS * 8, t.cpuMs));
    }
  }
  const rows: string[][] = [];
  const fmaOverPlain: number[] = [];
  for (const n of [512, 1024]) {
    const a = tp.tensor(randomArray(n * n, n), [n, n]),
      b = tp.tensor(randomArray(n * n, n + 1), [n, n]);
    const best = { plain: 0, fma: 0 };
    for (let r = 0; r < ROUNDS; r++) {
      for (const f of flavours) {
        progress(`matmul ${n}, ${f} SIMD, round ${r + 1}`);
        gemmFlavour.plainSimd = f === 'plain';
        const t = time(() => tp.matmul(a, b).dispose(), n === 512 ? 500 : 1500);
        best[f] = Math.max(best[f], gflops(2 * n ** 3, t.cpuMs));
      }
    }
    gemmFlavour.plainSimd = false;
    tp.dispose([a, b]);
    for (const f of flavours) {
      const frac = best[f] / peaks[f];
      rows.push([
        `matmul ${n}x${n}, ${f === 'fma' ? 'FMA (relaxed_madd)' : 'plain SIMD (mul, add)'}`,
        `${best[f].toFixed(1)} GFLOP/s`,
        `${peaks[f].toFixed(1)} GFLOP/s`,
        `${(100 * frac).toFixed(0)}%`,
        `>= 85%: ${frac >= 0.85 ? 'met' : 'NOT met'}`,
      ]);
    }
    if (rt.fma) fmaOverPlain.push(best.fma / best.plain);
  }
  return [
    '### float32 matmul vs the WebAssembly SIMD ceiling (1 thread)',
    '',
    `The ceiling is a loop of ${ACCUMULATORS} independent f32x4 multiply-adds (bench/src/wasm/simd_peak.wat), no memory traffic; ` +
      'GFLOP/s by CPU time, best of rounds. ' +
      (rt.fma
        ? 'Relaxed SIMD is on here, so both flavours of the kernel run, each against the peak loop of its own instructions.'
        : 'Relaxed SIMD is off in this runtime (Node 20 needs --experimental-wasm-relaxed-simd), so only the plain kernel runs.'),
    '',
    '| case | kernel | peak loop | of peak | target |',
    '| --- | ---: | ---: | ---: | ---: |',
    ...rows.map((r) => `| ${r.join(' | ')} |`),
    '',
    ...(rt.fma
      ? [
          `FMA kernel / plain kernel: ${fmaOverPlain.map((x) => `${x.toFixed(2)}x`).join(' (512), ')} (1024); target >= 1.6x: ` +
            `${fmaOverPlain.every((x) => x >= 1.6) ? 'met' : 'NOT met'}. Peak loops: plain ${peaks.plain.toFixed(1)}, FMA ${peaks.fma.toFixed(1)} GFLOP/s.`,
          '',
        ]
      : []),
  ].join('\n');
}
