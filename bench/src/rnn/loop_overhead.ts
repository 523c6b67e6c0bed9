/**
 * dynamicRnn's cost over the loop a user would write by hand: the same BasicLSTMCell, the same
 * sequence lengths and TF1's masking (rows past their length output zeros and keep their state),
 * forward and backward (gradients of mean(outputs^2) with respect to the cell's weights).
 * The two are timed alternately, so load changes on the machine hit both alike.
 */
import * as tp from '@tapeflow/core';
import '@tapeflow/backend-cpu';
import { variableGrads } from '@tapeflow/autograd';
import { BasicLSTMCell, LSTMStateTuple, dynamicRnn, resetDefaultGraph } from '@tapeflow/rnn';
import { markdownTable, QUICK, randomArray, type Part } from './part.js';

const [B, T, D, H] = QUICK ? [4, 6, 8, 16] : [32, 50, 128, 256];
const REPEATS = QUICK ? 1 : 7;

/** TF1's masked loop, written plainly: every step slices, calls the cell and masks. */
function handLoop(cell: BasicLSTMCell, x: tp.Tensor, lengths: Int32Array): tp.Tensor {
  let state = cell.zeroState(B, 'float32') as LSTMStateTuple<tp.Tensor>;
  const outs: tp.Tensor[] = [];
  for (let t = 0; t < T; t++) {
    const xt = tp.reshape(tp.slice(x, [0, t, 0], [B, 1, D]), [B, D]);
    const [out, next] = cell.call(xt, state) as [tp.Tensor, LSTMStateTuple<tp.Tensor>];
    const alive = tp.tensor(
      lengths.map((n) => Number(t < n)),
      [B, 1],
      'bool',
    );
    outs.push(tp.where(alive, out, tp.zerosLike(out)));
    state = new LSTMStateTuple(tp.where(alive, next.c, state.c), tp.where(alive, next.h, state.h));
  }
  return tp.stack(outs, 1);
}

export const part: Part = {
  steps: 2,
  async run(progress) {
    await tp.setBackend('cpu');
    resetDefaultGraph();
    const x = tp.tensor(randomArray(B * T * D, 21), [B, T, D]);
    // Lengths spread over [T/2, T], one full-length row, so both loops run all T steps.
    const lengths = Int32Array.from({ length: B }, (_, b) => (b === 0 ? T : Math.floor(T / 2 + ((b * 7) % (T / 2)))));
    const cell = new BasicLSTMCell(H);
    const seqLen = tp.tensor(lengths, [B], 'int32');
    const loops = {
      dynamicRnn: () => dynamicRnn(cell, x, { sequenceLength: seqLen, dtype: 'float32' })[0] as tp.Tensor,
      hand: () => handLoop(cell, x, lengths),
    };
    const step = (f: () => tp.Tensor): number[] => {
      const { value, grads } = variableGrads(
        () => tp.mean(tp.square(f())),
        cell.weights.length ? cell.weights : undefined,
      );
      const v = [value.dataSync()[0], ...Object.values(grads).map((g) => tp.sum(tp.abs(g)).dataSync()[0])];
      tp.dispose([value, ...Object.values(grads)]);
      return v;
    };
    tp.tidy(() => {
      loops.dynamicRnn();
    }); // builds the weights
    progress('dynamicRnn with lengths vs hand loop: check and warm-up');
    const a = step(loops.dynamicRnn),
      b = step(loops.hand);
    const check = Math.max(...a.map((v, i) => Math.abs(v - b[i]) / Math.max(1e-30, Math.abs(b[i]))));
    progress(`dynamicRnn with lengths vs hand loop: ${REPEATS} alternating repeats`);
    const ms = { dynamicRnn: [] as number[], hand: [] as number[] };
    for (let r = 0; r < REPEATS; r++) {
      for (const k of ['dynamicRnn', 'hand'] as const) {
        const t0 = performance.now();
        step(loops[k]);
        ms[k].push(performance.now() - t0);
      }
    }
    const median = (xs: number[]): number => [...xs].sort((p, q) => p - q)[xs.length >> 1];
    const md = median(ms.dynamicRnn),
      mh = median(ms.hand);
    tp.dispose([x, seqLen]);
    cell.dispose();
    return [
      `### dynamicRnn with sequence lengths vs a hand-written loop (batch ${B}, time ${T}, input ${D}, units ${H})`,
      '',
      'Forward and backward (gradients of mean(outputs^2) with respect to the weights) of one BasicLSTMCell, lengths spread over ' +
        `[${T / 2}, ${T}]. The hand loop calls the cell on each step's slice and masks every step with where() (TF1's semantics); ` +
        'dynamicRnn runs the same cell with its input projection hoisted out of the loop and, under the tape, the whole ' +
        `recurrence as one node (no masking before the shortest length). Median of ${REPEATS} alternating repeats. Target: ratio <= 1.05. ` +
        '"rel. diff" compares the loss and the gradients\' L1 norms of the two.',
      '',
      markdownTable(
        ['loop', 'ms / step', 'dynamicRnn time / hand loop time', 'target', 'rel. diff'],
        [
          [
            'dynamicRnn (sequenceLength)',
            md.toFixed(1),
            (md / mh).toFixed(3),
            `<= 1.05: ${md / mh <= 1.05 ? 'met' : 'NOT met'}`,
            check.toExponential(1),
          ],
          ['hand-written loop', mh.toFixed(1), '1', '', ''],
        ],
      ),
      '',
    ].join('\n');
  },
};
