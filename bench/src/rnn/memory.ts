/**
 * Memory of backprop through a long sequence: gradients of mean(outputs^2) with respect to a
 * BasicLSTMCell's weights through dynamicRnn over T = 500 steps, measured with the engine's
 * byte counter (memory().peakBytes, reset before each run; bytes above what was live before:
 * inputs and weights are not counted). The plain unroll against the recompute mode
 * (`recompute: true`, segments of ceil(sqrt T) steps, and a longer segment).
 *
 * "Theoretical activations": what the LSTM's gradient must read for every step - the gate
 * pre-activations [B, 4H] and the state (c, h) the step started from, [B, H] each - i.e.
 * 6·B·H·T floats. Everything above that is working memory (the hoisted input projection, the
 * stacked outputs, gradients in flight) or what the tape keeps beyond the minimum.
 */
import * as tp from '@tapeflow/core';
import '@tapeflow/backend-cpu';
import { variableGrads } from '@tapeflow/autograd';
import { BasicLSTMCell, dynamicRnn, resetDefaultGraph, type DynamicRnnOptions } from '@tapeflow/rnn';
import { markdownTable, QUICK, randomArray, type Part } from './part.js';

const [B, T, D, H] = QUICK ? [2, 50, 4, 8] : [16, 500, 32, 128];
const MB = (bytes: number): string => (bytes / 2 ** 20).toFixed(1);

interface Run { kept: number; forwardPeak: number; peak: number; ms: number; grads: Float32Array[] }

/** One gradient computation: bytes kept by the tape when f returns, peak bytes, wall time. */
function measure(cell: BasicLSTMCell, x: tp.Tensor, opts: DynamicRnnOptions): Run {
  const base = tp.memory().numBytes;
  tp.ENGINE.resetPeakBytes();
  let kept = 0, forwardPeak = 0;
  const t0 = performance.now();
  const { value, grads } = variableGrads(() => {
    const loss = tp.tidy(() => tp.mean(tp.square(dynamicRnn(cell, x, { dtype: 'float32', ...opts })[0] as tp.Tensor)));
    kept = tp.memory().numBytes - base;
    forwardPeak = tp.memory().peakBytes - base;
    return loss;
  }, cell.weights);
  const ms = performance.now() - t0;
  const peak = tp.memory().peakBytes - base;
  const out = { kept, forwardPeak, peak, ms, grads: Object.values(grads).map((g) => g.dataSync() as Float32Array) };
  tp.dispose([value, ...Object.values(grads)]);
  return out;
}

const maxRelDiff = (a: Float32Array[], b: Float32Array[]): number => {
  let worst = 0;
  a.forEach((ga, i) => ga.forEach((v, j) => { worst = Math.max(worst, Math.abs(v - b[i][j]) / Math.max(1e-6, Math.abs(b[i][j]))); }));
  return worst;
};

export const part: Part = {
  steps: 4,
  async run(progress) {
    await tp.setBackend('cpu');
    resetDefaultGraph();
    const x = tp.tensor(randomArray(B * T * D, 31), [B, T, D]);
    const cell = new BasicLSTMCell(H);
    tp.tidy(() => { dynamicRnn(cell, tp.slice(x, [0, 0, 0], [B, 1, D]), { dtype: 'float32' }); }); // builds the weights
    const k = Math.ceil(Math.sqrt(T));
    const modes: [string, DynamicRnnOptions][] = [
      ['plain', {}],
      [`recompute: true (segments of ${k} steps)`, { recompute: true }],
      [`checkpointEvery: ${4 * k}`, { checkpointEvery: 4 * k }],
    ];
    progress('backprop memory: warm-up');
    measure(cell, x, {});
    const runs = modes.map(([name, opts]) => { progress(`backprop memory: ${name}`); return measure(cell, x, opts); });
    const theory = 6 * B * H * T * 4;
    const rows = modes.map(([name], i) => {
      const r = runs[i];
      return [name, MB(r.kept), MB(r.forwardPeak), MB(r.peak), `${(r.peak / theory).toFixed(2)}x`, i === 0 ? '-' : maxRelDiff(r.grads, runs[0].grads).toExponential(1),
        (r.ms / 1000).toFixed(2)];
    });
    tp.dispose([x]);
    cell.dispose();
    return [
      '### Memory of backprop through time',
      '',
      `Gradients of mean(outputs^2) with respect to a BasicLSTMCell's weights through dynamicRnn, batch ${B}, ${T} steps, ` +
        `input depth ${D}, ${H} units, float32 on the CPU backend; bytes above what was live before (inputs, weights), from ` +
        "the engine's counter (memory().peakBytes). Theoretical activations: the gate pre-activations [B, 4H] and the " +
        `step's starting state c, h [B, H] for every step, 6·B·H·T floats = ${MB(theory)} MB. "Kept" is what is live when ` +
        'the loss is returned (what the tape holds for the backward pass). Gradients of the recompute modes are compared ' +
        'with the plain ones (largest relative difference). Note: the CPU backend returns views for reshape and slice, ' +
        "and the engine counts each view's bytes as if it were a copy, so CPU numbers overstate what views cost.",
      '',
      markdownTable(['mode', 'kept (MB)', 'forward peak (MB)', 'peak (MB)', 'peak / theoretical', 'grad rel. diff', 'time (s)'], rows),
      '',
    ].join('\n');
  },
};
