/**
 * The whole-sequence kernels (LSTMSequence, LSTMSequenceGrad; core's sequence_fused.ts) as
 * dynamicRnn's training path runs them: against the composed whole-sequence node
 * (fastPaths.sequenceKernels off) and TF1's step loop, values and gradients of first and second
 * order; against a float64 reference loop written here (reference.ts's equations with TF1's
 * masking); their front-ends' errors. On a backend without the kernels both switch settings take
 * the composed node, and the comparisons still hold.
 */
import fc from 'fast-check';
import {
  ENGINE,
  add,
  cast,
  lstmSequenceKernel,
  mul,
  randomUniform,
  sum,
  tensor,
  tidy,
  zeros,
  ValueError,
  type DType,
  type Tensor,
} from '@tapeflow/core';
import { grads } from '@tapeflow/autograd';
import { BasicLSTMCell, GRUCell, MultiRNNCell, dynamicRnn, nest, withFastPaths, type RNNCell } from '@tapeflow/rnn';
import { expectClose, expectNoLeak, expectThrows, fcParams, type Registry, type SuiteDef } from '../harness.js';
import * as ref from './reference.js';
import { randomizeWeights, withGraph } from './util.js';

type N = nest.Nest<Tensor>;
const leaves = (x: N): Tensor[] => nest.flatten(x);
const rand = (shape: number[], seed: number, dtype: DType = 'float32'): Tensor =>
  randomUniform(shape, { minval: -1, maxval: 1, seed, dtype });

/** A loss that reads every output and state element through fixed random weights. */
const lossOf = (o: N, s: N, seed: number): Tensor =>
  [...leaves(o), ...leaves(s)].map((t, i) => sum(mul(t, rand(t.shape, seed + i, t.dtype)))).reduce((a, b) => add(a, b));

type Kind = 'lstm' | 'gru';
const single = (kind: Kind, units: number): RNNCell =>
  kind === 'lstm' ? new BasicLSTMCell(units, { forgetBias: 0.5 }) : new GRUCell(units);
/** One cell (the inputs given to the node), or two in a MultiRNNCell (the upper layer's projections given). */
const cellOf = (kind: Kind, multi: boolean, units: number): RNNCell =>
  multi ? new MultiRNNCell([single(kind, units), single(kind, units + 2)]) : single(kind, units);

/**
 * TF1's loop over reference.ts's cells in float64: rows with t >= len output 0 and keep their
 * state. w: the cell's weights as matrices (LSTM: K, b; GRU: Kg, bg, Kc, bc); c0 unused for the GRU.
 */
function referenceLoop(
  kind: Kind,
  x: number[][][],
  c0: number[][],
  h0: number[][],
  w: ref.Mat[],
  fb: number,
  lens?: number[],
) {
  let c = c0,
    h = h0;
  const outs = x.map((xt, t) => {
    const [cn, hn] =
      kind === 'lstm'
        ? ref.lstm(xt, c, h, { K: w[0], b: w[1][0] }, { forgetBias: fb })
        : [c, ref.gru(xt, h, w[0], w[1][0], w[2], w[3][0])];
    const run = (r: number): boolean => !lens || t < lens[r];
    c = cn.map((row, r) => (run(r) ? row : c[r]));
    h = hn.map((row, r) => (run(r) ? row : h[r]));
    return hn.map((row, r) => (run(r) ? row : row.map(() => 0)));
  });
  return { outs, c, h };
}

const toMat = (t: Tensor): number[][] => {
  const [rows, cols] = t.rank === 1 ? [1, t.shape[0]] : t.shape,
    v = t.dataSync();
  return Array.from({ length: rows }, (_, r) => Array.from(v.subarray(r * cols, (r + 1) * cols)));
};

export const sequenceKernelSuite: SuiteDef = (r: Registry) => {
  r.test(
    'property: the LSTM and GRU sequence kernels equal the composed node and the step loop - values, dx, dW, db, dc0, dh0, second order',
    (env) => {
      fc.assert(
        fc.property(
          fc.record({
            kind: fc.constantFrom<Kind>('lstm', 'gru'),
            multi: fc.boolean(),
            batch: fc.integer({ min: 1, max: 3 }),
            time: fc.integer({ min: 1, max: 4 }),
            depth: fc.integer({ min: 1, max: 5 }),
            units: fc.constantFrom(1, 3, 5, 7),
            // lengths 0 included; [0, 0, 0] is every row finished from the start
            lens: fc.option(fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 3, maxLength: 3 })),
            chunkRows: fc.integer({ min: 1, max: 8 }),
            seed: fc.integer({ min: 1, max: 1e6 }),
          }),
          (p) =>
            expectNoLeak(() =>
              withGraph(() =>
                tidy(() => {
                  const cell = cellOf(p.kind, p.multi, p.units);
                  const x = rand([p.batch, p.time, p.depth], p.seed);
                  const state0 = nest.mapStructure(
                    (s: Tensor) => rand(s.shape, p.seed + 7),
                    cell.zeroState(p.batch, 'float32'),
                  );
                  const lens = p.lens?.slice(0, p.batch);
                  dynamicRnn(cell, x, { initialState: state0 });
                  randomizeWeights(cell, p.seed);
                  const nState = leaves(state0).length;
                  const sources = [x, ...leaves(state0), ...cell.weights];
                  const run = (xs: Tensor[]): [N, N] =>
                    dynamicRnn(cell, xs[0], {
                      initialState: nest.packSequenceAs(state0, xs.slice(1, 1 + nState)),
                      sequenceLength: lens,
                    });
                  const loss = (...xs: Tensor[]): Tensor => lossOf(...run(xs), p.seed);
                  const dirs = sources.map((q, i) => rand(q.shape, p.seed + 100 + i));
                  const dot = (...xs: Tensor[]): Tensor =>
                    grads(loss)(...xs)
                      .map((g, i) => sum(mul(g, dirs[i])))
                      .reduce((a, b) => add(a, b));
                  const paths = [
                    { sequenceKernels: true },
                    { sequenceKernels: false },
                    { hoistInputs: false }, // TF1's step loop
                  ].map((sw) =>
                    withFastPaths({ ...sw, sequenceChunkRows: p.chunkRows }, () => {
                      // Values read under a tape: only then does the whole-sequence node run.
                      let values: Float32Array[] = [];
                      const first = grads((...xs: Tensor[]) => {
                        const [o, s] = run(xs);
                        values = [...leaves(o), ...leaves(s)].map((t) => t.dataSync() as Float32Array);
                        return lossOf(o, s, p.seed);
                      })(...sources);
                      return { values, first, second: sw.hoistInputs === false ? [] : grads(dot)(...sources) };
                    }),
                  );
                  const [kernel, composed, steps] = paths;
                  const t1 = { rtol: 2e-4, atol: 2e-5 },
                    t2 = { rtol: 2e-3, atol: 2e-4 };
                  const what = `${p.kind}${p.multi ? ' multi' : ''} B${p.batch} T${p.time} lens ${String(lens)}`;
                  for (const [other, name] of [
                    [composed, 'composed node'],
                    [steps, 'step loop'],
                  ] as const) {
                    kernel.values.forEach((v, i) =>
                      expectClose(v, other.values[i], { ...t1, msg: `${what}: value ${i} vs ${name}` }),
                    );
                    kernel.first.forEach((g, i) =>
                      expectClose(g, other.first[i], { ...t1, msg: `${what}: gradient of source ${i} vs ${name}` }),
                    );
                  }
                  kernel.second.forEach((g, i) =>
                    expectClose(g, composed.second[i], { ...t2, msg: `${what}: second-order gradient ${i}` }),
                  );
                }),
              ),
            ),
        ),
        // Fewer runs where the backend has no sequence kernels (both settings take the composed node there).
        fcParams(env, ENGINE.hasFused('LSTMSequence') || ENGINE.hasFused('GRUSequence') ? 30 : 8),
      );
    },
  );

  r.test(
    'the LSTM and GRU sequence kernels equal a float64 reference loop: outputs, final state and gradients',
    (env) => {
      const [B, T, D, H, fb] = [3, 6, 5, 7, 0.5];
      const lensCases: (number[] | undefined)[] = [undefined, [6, 2, 0], [0, 0, 0], [1, 6, 3]];
      for (const kind of ['lstm', 'gru'] as const)
        for (const lens of lensCases) {
          withGraph(() =>
            tidy(() => {
              const what = `${kind}, lens ${String(lens)}`;
              const make = (): RNNCell => (kind === 'lstm' ? new BasicLSTMCell(H, { forgetBias: fb }) : new GRUCell(H));
              const cell = make();
              const x = rand([B, T, D], 3);
              const states = leaves(cell.zeroState(B, 'float32')).map((s, i) => rand(s.shape, 4 + i));
              const pack = (c: RNNCell, ss: Tensor[], dtype: DType): N =>
                nest.packSequenceAs(c.zeroState(B, dtype), ss);
              dynamicRnn(cell, x, { initialState: pack(cell, states, 'float32') });
              randomizeWeights(cell, 11);
              const ns = states.length;
              let got: Float32Array[] = [];
              const g32 = grads((xx: Tensor, ...ss: Tensor[]) => {
                const [o, s] = dynamicRnn(cell, xx, {
                  initialState: pack(cell, ss.slice(0, ns), 'float32'),
                  sequenceLength: lens,
                });
                got = [...leaves(o), ...leaves(s)].map((t) => t.dataSync() as Float32Array);
                return lossOf(o, s, 21);
              })(x, ...states, ...cell.weights);
              // Values: the plain float64 loop (inputs batch-major, so step t is x[:, t]).
              const xv = x.dataSync(),
                xSteps = Array.from({ length: T }, (_, t) =>
                  Array.from({ length: B }, (_, b) => Array.from(xv.subarray((b * T + t) * D, (b * T + t + 1) * D))),
                );
              const c0 = kind === 'lstm' ? toMat(states[0]) : [];
              const want = referenceLoop(kind, xSteps, c0, toMat(states[ns - 1]), cell.weights.map(toMat), fb, lens);
              const outs = Array.from({ length: B }, (_, b) => want.outs.map((ot) => ot[b])).flat(2);
              const tolV = { rtol: 1e-4, atol: 1e-5 };
              expectClose(got[0], Float32Array.from(outs), { ...tolV, msg: `outputs, ${what}` });
              if (kind === 'lstm')
                expectClose(got[1], Float32Array.from(want.c.flat()), { ...tolV, msg: `final c, ${what}` });
              expectClose(got[ns], Float32Array.from(want.h.flat()), { ...tolV, msg: `final h, ${what}` });
              if (!env.float64) return;
              // Gradients: the same cell in float64 through TF1's step loop (another path, in float64).
              const cell64 = make();
              dynamicRnn(cell64, cast(x, 'float64'), { dtype: 'float64', scope: 'ref64' });
              cell64.weights.forEach((w, i) => w.assign(cast(cell.weights[i], 'float64')));
              const g64 = withFastPaths({ hoistInputs: false }, () =>
                grads((xx: Tensor, ...ss: Tensor[]) => {
                  const [o, s] = dynamicRnn(cell64, xx, {
                    initialState: pack(cell64, ss.slice(0, ns), 'float64'),
                    sequenceLength: lens,
                    scope: 'ref64',
                  });
                  return lossOf(o, s, 21);
                })(cast(x, 'float64'), ...states.map((q) => cast(q, 'float64')), ...cell64.weights),
              );
              g32.forEach((g, i) =>
                expectClose(g, cast(g64[i], 'float32'), {
                  rtol: 5e-4,
                  atol: 5e-5,
                  msg: `gradient of source ${i}, ${what}`,
                }),
              );
            }),
          );
        }
    },
  );

  r.test('lstmSequenceKernel: bad shapes, dtypes and options are ValueErrors naming the argument', () => {
    tidy(() => {
      const [T, B, u] = [2, 3, 4];
      const p = zeros([T, B, 4 * u]),
        wh = zeros([u, 4 * u]),
        s = zeros([B, u]);
      expectThrows(
        () => lstmSequenceKernel([p], zeros([u, u]), s, s, 1),
        ValueError,
        /lstmSequenceKernel: wh must be \[4,16\], got \[4,4\]/,
      );
      expectThrows(
        () => lstmSequenceKernel([zeros([T, B, u])], wh, s, s, 1),
        ValueError,
        /lstmSequenceKernel: p must be \[2,3,16\]/,
      );
      expectThrows(
        () => lstmSequenceKernel([p], wh, zeros([B + 1, u]), s, 1),
        ValueError,
        /lstmSequenceKernel: c0 must be \[3,4\]/,
      );
      expectThrows(
        () => lstmSequenceKernel([zeros([T, B, 2]), zeros([3, 4 * u]), zeros([4 * u])], wh, s, s, 1),
        ValueError,
        /lstmSequenceKernel: wx must be \[2,16\], got \[3,16\]/,
      );
      expectThrows(
        () => lstmSequenceKernel([p], wh, s, s, 1, { lengths: Int32Array.of(1, 2) }),
        ValueError,
        /lstmSequenceKernel: lengths must have one entry per batch row \(3\), got 2/,
      );
      expectThrows(
        () => lstmSequenceKernel([p], wh, s, s, 1, { chunk: 0 }),
        ValueError,
        /chunk must be an integer >= 1/,
      );
      expectThrows(
        () => lstmSequenceKernel([tensor([[[1]]], undefined, 'int32')], wh, s, s, 1),
        ValueError,
        /lstmSequenceKernel: p must be float32/,
      );
    });
  });
};
