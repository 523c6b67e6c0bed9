/**
 * One LSTM training step (forward, backward, Adam) on the same inputs and the same initial
 * weights: tapeflow's BasicLSTMCell through dynamicRnn, loss mean(outputs^2), against a
 * tfjs-layers Sequential LSTM (returnSequences) trained with trainOnBatch against zeros (MSE,
 * which is the same loss) on tfjs's wasm and cpu backends.
 *
 * Weights: tapeflow's kernel [D + H, 4H] (gate blocks i, j, f, o; forgetBias 1 added to f) is
 * loaded into Keras' kernel [D, 4H] and recurrentKernel [H, 4H] (blocks i, f, c, o, with the
 * forget bias folded into the bias) and recurrentActivation is sigmoid, so both compute the same
 * function and their step-0 losses must agree.
 */
import * as tp from '@tapeflow/core';
import '@tapeflow/backend-cpu';
import { adam } from '@tapeflow/autograd';
import { BasicLSTMCell, dynamicRnn, initializers, resetDefaultGraph } from '@tapeflow/rnn';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { markdownTable, QUICK, randomArray, timeIt, type Part } from './part.js';
import { useTfjs, wasmSimd } from './tfjs.js';

const [B, T, D, H] = QUICK ? [4, 6, 8, 16] : [32, 50, 128, 256];
const LR = 1e-3;

interface Contender {
  name: string;
  budgetMs: number;
  maxRepeats: number;
  setup(): Promise<Step>;
}
interface Step {
  run(): Promise<number>;
  dispose(): void;
}

/** Keras column blocks (i, f, c, o) from tapeflow's (i, j, f, o). */
function kerasColumns(w: Float32Array, rows: number): Float32Array {
  const out = new Float32Array(rows * 4 * H);
  const from = [0, 2, 1, 3];
  for (let r = 0; r < rows; r++) {
    for (let g = 0; g < 4; g++)
      out.set(w.subarray(r * 4 * H + from[g] * H, r * 4 * H + (from[g] + 1) * H), r * 4 * H + g * H);
  }
  return out;
}

async function main0(): Promise<{ x: Float32Array; kernel: Float32Array; bias: Float32Array }> {
  await tp.setBackend('cpu');
  const x = randomArray(B * T * D, 11);
  const kernel = tp.tidy(
    () =>
      initializers
        .glorotUniform({ seed: 5 })([D + H, 4 * H], 'float32')
        .dataSync() as Float32Array,
  );
  // A non-zero bias, so the forget-bias folding is exercised by the loss check.
  const bias = randomArray(4 * H, 12).map((v) => v * 0.1);
  return { x, kernel, bias };
}

function tapeflow(x: Float32Array, kernel: Float32Array, bias: Float32Array): Contender {
  return {
    name: 'tapeflow-cpu',
    budgetMs: QUICK ? 50 : 8000,
    maxRepeats: 15,
    async setup() {
      await tp.setBackend('cpu');
      resetDefaultGraph();
      const xs = tp.tensor(x, [B, T, D]);
      const init =
        (v: Float32Array): initializers.Initializer =>
        (shape) =>
          tp.tensor(v, shape);
      const cell = new BasicLSTMCell(H, { kernelInitializer: init(kernel) });
      tp.tidy(() => {
        dynamicRnn(cell, xs, { dtype: 'float32' });
      }); // builds the weights
      const [, b] = cell.weights;
      b.assign(tp.tensor(bias, [4 * H]));
      const opt = adam(LR);
      const loss = (): tp.Tensor => tp.mean(tp.square(dynamicRnn(cell, xs, { dtype: 'float32' })[0] as tp.Tensor));
      return {
        run: () => {
          const l = opt.minimize(loss);
          const v = l.dataSync()[0];
          l.dispose();
          return Promise.resolve(v);
        },
        dispose: () => {
          xs.dispose();
          cell.dispose();
          opt.dispose();
        },
      };
    },
  };
}

function keras(backend: 'wasm' | 'cpu', x: Float32Array, kernel: Float32Array, bias: Float32Array): Contender {
  return {
    name: `tfjs-layers ${backend}`,
    budgetMs: QUICK ? 50 : backend === 'cpu' ? 20000 : 8000,
    maxRepeats: backend === 'cpu' ? 3 : 15,
    async setup() {
      await useTfjs(backend);
      const model = tfl.sequential();
      model.add(
        tfl.layers.lstm({ units: H, returnSequences: true, inputShape: [T, D], recurrentActivation: 'sigmoid' }),
      );
      model.compile({ optimizer: tf.train.adam(LR), loss: 'meanSquaredError' });
      const k = kerasColumns(kernel, D + H);
      const b = kerasColumns(bias, 1);
      for (let u = 0; u < H; u++) b[H + u] += 1; // tapeflow's forgetBias
      model.layers[0].setWeights([
        tf.tensor2d(k.subarray(0, D * 4 * H), [D, 4 * H]),
        tf.tensor2d(k.subarray(D * 4 * H), [H, 4 * H]),
        tf.tensor1d(b),
      ]);
      const xs = tf.tensor3d(x, [B, T, D]),
        ys = tf.zeros([B, T, H]);
      return {
        run: async () => {
          await useTfjs(backend);
          return (await model.trainOnBatch(xs, ys)) as number;
        },
        dispose: () => {
          tf.dispose([xs, ys]);
          model.dispose();
        },
      };
    },
  };
}

export const part: Part = {
  steps: 3,
  async run(progress) {
    const { x, kernel, bias } = await main0();
    // RNN_PEERS=wasm (say) limits the peers while working on tapeflow's side; the full run has both.
    const peers = (process.env.RNN_PEERS ?? 'wasm,cpu').split(',') as ('wasm' | 'cpu')[];
    const cs = [tapeflow(x, kernel, bias), ...peers.map((b) => keras(b, x, kernel, bias))];
    const res: { name: string; ms: number; repeats: number; loss0: number }[] = [];
    for (const c of cs) {
      progress(`LSTM training step on ${c.name}`);
      const s = await c.setup();
      const loss0 = await s.run(); // also the warm-up
      const t = await timeIt(() => s.run(), c.budgetMs, QUICK ? 1 : 2, c.maxRepeats, 0);
      s.dispose();
      res.push({ name: c.name, ms: t.ms, repeats: t.repeats, loss0 });
    }
    const ref = res[0];
    const targets: Record<string, number> = { 'tfjs-layers wasm': 0.5, 'tfjs-layers cpu': 0.1 };
    const rows = res.map((r) => {
      const ratio = ref.ms / r.ms,
        target = targets[r.name];
      return [
        r.name,
        r.ms.toFixed(1),
        String(r.repeats),
        r === ref ? '1' : `${ratio.toFixed(3)}`,
        target === undefined ? '' : `<= ${target}: ${ratio <= target ? 'met' : 'NOT met'}`,
        r.loss0.toPrecision(7),
        r === ref ? '' : (Math.abs(r.loss0 - ref.loss0) / Math.abs(ref.loss0)).toExponential(1),
      ];
    });
    const simd = await wasmSimd();
    return [
      `### LSTM training step (batch ${B}, time ${T}, input ${D}, units ${H})`,
      '',
      'forward + backward + Adam, loss mean(outputs^2). tapeflow: BasicLSTMCell through dynamicRnn on the cpu backend ' +
        '(under the tape the whole recurrence is one node with fused LSTMBlock/LSTMBlockGrad kernels, packages/rnn/src/fast/lstm_sequence.ts). ' +
        `Peer: tfjs-layers 4.22.0 Sequential LSTM (returnSequences, recurrentActivation sigmoid) with trainOnBatch against zeros (MSE), ` +
        `on tfjs wasm (1 thread, SIMD ${simd ? 'on' : 'off'}) and tfjs cpu. Same inputs and initial weights; "loss at step 0" must agree. ` +
        'Median ms per step after one warm-up step. "tapeflow time / peer time": targets <= 0.5 vs wasm, <= 0.1 vs cpu.',
      '',
      markdownTable(
        [
          'contender',
          'ms / step',
          'repeats',
          'tapeflow time / peer time',
          'target',
          'loss at step 0',
          'rel. diff of loss',
        ],
        rows,
      ),
      '',
    ].join('\n');
  },
};
