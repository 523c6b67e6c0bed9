/**
 * Memory of backprop through a long sequence: gradients of mean(outputs^2) with respect to a
 * BasicLSTMCell's weights through dynamicRnn over T = 500 steps, measured with the engine's
 * byte counter (memory().peakBytes, reset before each run; bytes above what was live before:
 * inputs and weights are not counted). The plain unroll against the recompute mode
 * (`recompute: true`, segments of ceil(sqrt T) steps, and a longer segment).
 *
 * "Theoretical activations": what the LSTM's gradient must read for every step - the gate
 * pre-activations [B, 4H] and the state (c, h) the step started from, [B, H] each - i.e.
 * 6·B·H·T floats, the yardstick. Everything above that is working memory (stacked outputs,
 * gradients in flight) or what the tape keeps beyond it. Below it means something is recomputed.
 * On the CPU backend the plain unroll's whole-sequence LSTM node runs the LSTMSequence kernels,
 * which keep the gate activations and h of every step and c' at chunk ends (5 numbers), so that
 * backprop recomputes only c' within a chunk (elementwise); without them (fastPaths.sequenceKernels off, other backends) it
 * keeps only h and c' and recomputes the gates a chunk of steps at a time (lstm_sequence.ts).
 */
import * as tp from '@tapeflow/core';
import '@tapeflow/backend-cpu';
import type { CpuBackend } from '@tapeflow/backend-cpu';
import { variableGrads } from '@tapeflow/autograd';
import { BasicLSTMCell, dynamicRnn, resetDefaultGraph, type DynamicRnnOptions } from '@tapeflow/rnn';
import { markdownTable, QUICK, randomArray, type Part } from './part.js';

const [B, T, D, H] = QUICK ? [2, 50, 4, 8] : [16, 500, 32, 128];
const MB = (bytes: number): string => (bytes / 2 ** 20).toFixed(1);

/**
 * The engine counts bytes per DataId, so on the CPU backend, where reshape and slice return views
 * over their input's array, every view is counted as if it were a copy (a matmul's reshaped
 * weight operand held by the tape costs nothing, but counts 4·H² floats per step). The backend's
 * opt-in array count (CpuBackend.countArrays) counts what is really allocated: each live storage
 * array once, however many views share it.
 */
const meter = {
  backend: (): CpuBackend => tp.ENGINE.backend as CpuBackend,
  get live(): number {
    return tp.memory().numBytesInArrays ?? 0;
  },
  get peak(): number {
    return tp.memory().peakBytesInArrays ?? 0;
  },
  install(): void {
    this.backend().countArrays();
  },
  reset(): void {
    this.backend().resetArrayPeak();
  },
};

/** Bytes above the baseline, as the engine counts them and as storage (see meter). */
interface Bytes {
  counted: number;
  storage: number;
}
interface Run {
  kept: Bytes;
  forwardPeak: Bytes;
  backwardPeak: Bytes;
  ms: number;
  grads: Float32Array[];
}

/**
 * One gradient computation: what is live when f returns (what the tape keeps), the peak during
 * f and the peak during the backward pass (both counters restart when f returns), wall time.
 */
function measure(cell: BasicLSTMCell, x: tp.Tensor, opts: DynamicRnnOptions): Run {
  const base = { counted: tp.memory().numBytes, storage: meter.live };
  const live = (): Bytes => ({ counted: tp.memory().numBytes - base.counted, storage: meter.live - base.storage });
  const peak = (): Bytes => ({ counted: tp.memory().peakBytes - base.counted, storage: meter.peak - base.storage });
  const restart = (): void => {
    tp.ENGINE.resetPeakBytes();
    meter.reset();
  };
  let kept = live(),
    forwardPeak = peak();
  restart();
  const t0 = performance.now();
  const { value, grads } = variableGrads(() => {
    const loss = tp.tidy(() => tp.mean(tp.square(dynamicRnn(cell, x, { dtype: 'float32', ...opts })[0] as tp.Tensor)));
    kept = live();
    forwardPeak = peak();
    restart();
    return loss;
  }, cell.weights);
  const ms = performance.now() - t0;
  const out = {
    kept,
    forwardPeak,
    backwardPeak: peak(),
    ms,
    grads: Object.values(grads).map((g) => g.dataSync() as Float32Array),
  };
  tp.dispose([value, ...Object.values(grads)]);
  return out;
}

const maxRelDiff = (a: Float32Array[], b: Float32Array[]): number => {
  let worst = 0;
  a.forEach((ga, i) =>
    ga.forEach((v, j) => {
      worst = Math.max(worst, Math.abs(v - b[i][j]) / Math.max(1e-6, Math.abs(b[i][j])));
    }),
  );
  return worst;
};

export const part: Part = {
  steps: 4,
  async run(progress) {
    await tp.setBackend('cpu');
    meter.install();
    resetDefaultGraph();
    const x = tp.tensor(randomArray(B * T * D, 31), [B, T, D]);
    const cell = new BasicLSTMCell(H);
    tp.tidy(() => {
      dynamicRnn(cell, tp.slice(x, [0, 0, 0], [B, 1, D]), { dtype: 'float32' });
    }); // builds the weights
    const k = Math.ceil(Math.sqrt(T));
    const modes: [string, DynamicRnnOptions][] = [
      ['plain', {}],
      [`recompute: true (segments of ${k} steps)`, { recompute: true }],
      [`checkpointEvery: ${4 * k}`, { checkpointEvery: 4 * k }],
    ];
    progress('backprop memory: warm-up');
    measure(cell, x, {});
    const runs = modes.map(([name, opts]) => {
      progress(`backprop memory: ${name}`);
      return measure(cell, x, opts);
    });
    const theory = 6 * B * H * T * 4;
    const ratio = (b: number): string => `${(b / theory).toFixed(2)}x`;
    const rows = modes.map(([name], i) => {
      const { kept, forwardPeak: f, backwardPeak: b, ms, grads } = runs[i];
      const counted = Math.max(f.counted, b.counted),
        storage = Math.max(f.storage, b.storage);
      return [
        name,
        MB(kept.counted),
        MB(counted),
        ratio(counted),
        MB(kept.storage),
        MB(f.storage),
        MB(b.storage),
        ratio(storage),
        storage <= 1.2 * theory ? 'met' : 'not met',
        i === 0 ? '-' : maxRelDiff(grads, runs[0].grads).toExponential(1),
        (ms / 1000).toFixed(2),
      ];
    });
    tp.dispose([x]);
    cell.dispose();
    return [
      '### Memory of backprop through time',
      '',
      `Gradients of mean(outputs^2) with respect to a BasicLSTMCell's weights through dynamicRnn, batch ${B}, ${T} steps, ` +
        `input depth ${D}, ${H} units, float32 on the CPU backend; bytes above what was live before (inputs, weights), from ` +
        "the engine's counter (memory().peakBytes). Theoretical activations: the gate pre-activations [B, 4H] and the " +
        `step's starting state c, h [B, H] for every step, 6·B·H·T floats = ${MB(theory)} MB (the plain unroll's ` +
        "whole-sequence LSTM node keeps 5 of them, the gate activations and h, with c' only at chunk ends, through the " +
        "CPU's LSTMSequence kernel, so that backprop recomputes only c' within a chunk, packages/rnn/src/fast/lstm_sequence.ts). " +
        '"Kept" is what is live when ' +
        'the loss is returned (what the tape holds for the backward pass); the forward and backward peaks are measured ' +
        'separately (the counters restart when the loss is returned). Gradients of the recompute modes are compared ' +
        'with the plain ones (largest relative difference). The engine counts bytes per tensor storage handle, and the CPU ' +
        "backend's reshape and slice return views that share their input's array, so the engine counts each view as a " +
        'copy (e.g. the reshaped weight operand of every step\'s matmul); the "storage" columns count each live array once: ' +
        'what is really allocated.',
      '',
      markdownTable(
        [
          'mode',
          'kept (MB)',
          'peak (MB)',
          'peak / theor.',
          'storage kept (MB)',
          'storage peak, forward (MB)',
          'storage peak, backward (MB)',
          'storage peak / theor.',
          'target <= 1.2x',
          'grad rel. diff',
          'time (s)',
        ],
        rows,
      ),
      '',
    ].join('\n');
  },
};
