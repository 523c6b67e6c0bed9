/**
 * dynamicRnn's recompute mode (recompute.ts): the same outputs, final state and gradients (to
 * the weights, the inputs and the initial state) as the plain unroll - which the unroller suite
 * checks against a reference loop - for every cell kind, with and without sequence lengths; the
 * peak bytes of backprop through a long sequence are less than half the plain peak and less than
 * the activations plain backprop must keep; nothing leaks; bad options are errors.
 */
import {
  ENGINE,
  add,
  dispose,
  memory,
  mul,
  randomUniform,
  sum,
  tidy,
  Tensor,
  ValueError,
  type DType,
} from '@tapeflow/core';
import { grads } from '@tapeflow/autograd';
import { BasicLSTMCell, dynamicRnn, nest, type DynamicRnnOptions, type RNNCell } from '@tapeflow/rnn';
import { assert, expectClose, expectNoLeak, expectThrows, type Registry } from '../harness.js';
import { CELL_KINDS, floatType, makeCell, randomizeWeights, tol, withGraph } from './util.js';

type N = nest.Nest<Tensor>;

/** Loss sum(w ⊙ outputs) + sum(final state), its value and gradients to the weights, x and state0. */
function lossAndGrads(cell: RNNCell, x: Tensor, state0: N, opts: DynamicRnnOptions): Tensor[] {
  const s0 = nest.flatten(state0);
  const weights = cell.weights;
  const f = (...args: Tensor[]): Tensor => {
    const [o, s] = dynamicRnn(cell, args[0], {
      ...opts,
      initialState: nest.packSequenceAs(state0, args.slice(1, 1 + s0.length)),
    });
    const out = nest.flatten(o).map((v, i) => sum(mul(v, randomUniform(v.shape, { seed: 40 + i, dtype: v.dtype }))));
    return [...out, ...nest.flatten(s).map((v) => sum(v))].reduce((a, b) => add(a, b));
  };
  const value = tidy(() => f(x, ...s0, ...weights));
  return [value, ...grads(f)(x, ...s0, ...weights)];
}

export function recomputeSuite(r: Registry): void {
  r.test(
    'recompute: outputs, state and gradients (weights, inputs, initial state) equal the plain unroll, every cell kind',
    (env) => {
      const dtype = floatType(env);
      for (const kind of CELL_KINDS) {
        for (const lens of [undefined, [7, 0, 3]]) {
          expectNoLeak(() =>
            withGraph(() =>
              tidy(() => {
                const cell = makeCell(kind, 3);
                const depth = kind === 'residual' ? 3 : 2;
                const x = randomUniform([3, 7, depth], { minval: -1, maxval: 1, seed: 3, dtype });
                tidy(() => {
                  dynamicRnn(cell, x, { dtype });
                });
                randomizeWeights(cell, 5);
                const state0 = nest.mapStructure(
                  (s: Tensor) => randomUniform(s.shape, { minval: -0.5, maxval: 0.5, seed: 9, dtype: s.dtype }),
                  cell.zeroState(3, dtype),
                );
                const base: DynamicRnnOptions = { sequenceLength: lens };
                const plain = lossAndGrads(cell, x, state0, base);
                for (const every of [1, 3]) {
                  const re = lossAndGrads(cell, x, state0, { ...base, checkpointEvery: every });
                  re.forEach((g, i) =>
                    expectClose(g, plain[i], {
                      ...tol(dtype),
                      msg: `${kind}, lengths ${String(lens)}, every ${every}: ${i === 0 ? 'loss' : `gradient ${i - 1}`}`,
                    }),
                  );
                }
              }),
            ),
          );
        }
      }
    },
  );

  r.test(
    "recompute: backprop through T = 256 steps needs less than half the plain peak, and less than all steps' activations",
    () => {
      const dtype: DType = 'float32';
      const [B, T, D, H] = [4, 256, 8, 16];
      const bytes = 4;
      expectNoLeak(() =>
        withGraph(() =>
          tidy(() => {
            const cell = new BasicLSTMCell(H);
            const x = randomUniform([B, T, D], { minval: -1, maxval: 1, seed: 2, dtype });
            tidy(() => {
              dynamicRnn(cell, x, { dtype });
            });
            const peak = (opts: DynamicRnnOptions): [number, Tensor[]] => {
              const before = memory().numBytes;
              ENGINE.resetPeakBytes();
              const gs = grads((..._w: Tensor[]) => sum(dynamicRnn(cell, x, { dtype, ...opts })[0] as Tensor))(
                ...cell.weights,
              );
              const p = memory().peakBytes - before;
              return [p, gs];
            };
            const [plainPeak, plainGrads] = peak({});
            const [rePeak, reGrads] = peak({ recompute: true });
            reGrads.forEach((g, i) => expectClose(g, plainGrads[i], { rtol: 1e-3, atol: 1e-4 }));
            // What the LSTM's gradient must keep per step: the gates [B, 4H], c and h [B, H].
            const activations = T * 6 * B * H * bytes;
            assert(
              plainPeak >= activations,
              `plain backprop should need the activations: ${plainPeak} < ${activations} bytes`,
            );
            assert(rePeak < plainPeak / 2, `recompute peak ${rePeak} bytes is not below half the plain ${plainPeak}`);
            // Recompute keeps 16 segment states and reruns one 16-step segment at a time: all it needs
            // at once is well below what plain backprop must keep for all 256 steps.
            assert(
              rePeak <= activations,
              `recompute peak ${rePeak} bytes above the ${activations} bytes of all T steps' activations`,
            );
            dispose([...plainGrads, ...reGrads]);
          }),
        ),
      );
    },
  );

  r.test('recompute: bad options are errors naming them', (env) => {
    const dtype = floatType(env);
    expectNoLeak(() =>
      withGraph(() =>
        tidy(() => {
          const cell = new BasicLSTMCell(2);
          const x = randomUniform([1, 4, 2], { seed: 1, dtype });
          expectThrows(
            () => dynamicRnn(cell, x, { dtype, checkpointEvery: 0 }),
            ValueError,
            /checkpointEvery must be a positive integer/,
          );
          expectThrows(
            () => dynamicRnn(cell, x, { dtype, checkpointEvery: 2, recompute: false }),
            ValueError,
            /recompute: false/,
          );
          expectThrows(
            () => dynamicRnn(cell, x, { dtype, recompute: 'yes' as unknown as boolean }),
            TypeError,
            /recompute must be a boolean/,
          );
        }),
      ),
    );
  });
}
