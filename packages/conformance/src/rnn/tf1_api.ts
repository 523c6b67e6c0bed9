/**
 * The second wave of TF1's rnn API: variable-scope reuse, the projection/embedding/device
 * wrappers, LayerNormBasicLSTMCell, static and stacked bidirectional unrollers, getInitialState,
 * activations by name and LSTMStateTuple indexing. References are float64 loops written here
 * from TF's equations (reference.ts for the plain cells), numerical gradients, and TF's names.
 */
import fc from 'fast-check';
import {
  add,
  mean,
  relu,
  reshape,
  scalar,
  square,
  sum,
  tensor,
  tidy,
  transpose,
  variable,
  Tensor,
  ValueError,
  type DType,
} from '@tapeflow/core';
import { checkGrad, grad } from '@tapeflow/autograd';
import {
  ACTIVATIONS,
  BasicLSTMCell,
  BasicRNNCell,
  DeviceWrapper,
  DropoutWrapper,
  MultiRNNCell,
  defaultDropoutStateFilter,
  EmbeddingWrapper,
  GRUCell,
  InputProjectionWrapper,
  LSTMCell,
  LSTMStateTuple,
  LayerNormBasicLSTMCell,
  OutputProjectionWrapper,
  bidirectionalDynamicRnn,
  dynamicRnn,
  globalVariables,
  initializers,
  sequenceLoss,
  stackBidirectionalDynamicRnn,
  staticBidirectionalRnn,
  variableScope,
  type DropoutStateFilter,
  type RNNCell,
} from '@tapeflow/rnn';
import {
  assert,
  expectClose,
  expectNoLeak,
  expectShape,
  expectThrows,
  fcParams,
  type Registry,
  type SuiteDef,
} from '../harness.js';
import * as ref from './reference.js';
import { floatType, randomizeWeights, tol, withGraph } from './util.js';

const m = (t: Tensor): ref.Mat => t.arraySync() as ref.Mat;
const v = (t: Tensor): ref.Vec => t.arraySync() as ref.Vec;
const names = (cell: RNNCell): string[] => cell.weights.map((w) => w.name);
const dense = (x: ref.Mat, K: ref.Mat, b: ref.Vec): ref.Mat =>
  x.map((r) => b.map((bj, j) => r.reduce((s, xv, k) => s + xv * K[k][j], bj)));

/** LayerNormBasicLSTMCell's step in float64, from the contrib cell's equations (no dropout). */
function layerNormLstm(
  x: ref.Mat,
  c: ref.Mat,
  h: ref.Mat,
  K: ref.Mat,
  gb: Record<string, [ref.Vec, ref.Vec]> | null,
  bias: ref.Vec | null,
  forgetBias: number,
): [ref.Mat, ref.Mat] {
  const n = c[0].length;
  const z = dense(
    x.map((r, i) => [...r, ...h[i]]),
    K,
    bias ?? new Array<number>(4 * n).fill(0),
  ).map((r) => r);
  const ln = (row: ref.Vec, s: string): ref.Vec => {
    if (!gb) return row;
    const mu = row.reduce((a, b) => a + b, 0) / row.length;
    const va = row.reduce((a, b) => a + (b - mu) ** 2, 0) / row.length;
    return row.map((q, k) => ((q - mu) / Math.sqrt(va + 1e-12)) * gb[s][0][k] + gb[s][1][k]);
  };
  const newC: ref.Mat = [],
    newH: ref.Mat = [];
  z.forEach((zr, r) => {
    const [i, j, f, o] = (['input', 'transform', 'forget', 'output'] as const).map((s, q) =>
      ln(zr.slice(q * n, (q + 1) * n), s),
    );
    const cRow = ln(
      c[r].map((cv, k) => cv * ref.sig(f[k] + forgetBias) + ref.sig(i[k]) * Math.tanh(j[k])),
      'state',
    );
    newC.push(cRow);
    newH.push(cRow.map((cv, k) => Math.tanh(cv) * ref.sig(o[k])));
  });
  return [newC, newH];
}

/** A plain BasicRNNCell run over rows with lengths: outputs zero past a row's length, state kept. */
function rnnLoop(xs: ref.Mat[], h0: ref.Mat, K: ref.Mat, b: ref.Vec, lens: number[], reverse: boolean): ref.Mat[] {
  const T = xs.length,
    n = b.length;
  const out: ref.Mat[] = Array.from({ length: T }, () => h0.map(() => new Array<number>(n).fill(0)));
  h0.forEach((hRow, r) => {
    let h = [hRow];
    for (let s = 0; s < lens[r]; s++) {
      const t = reverse ? lens[r] - 1 - s : s;
      h = ref.basicRnn([xs[t][r]], h, K, b);
      out[t][r] = h[0];
    }
  });
  return out;
}

export const tf1ApiSuite: SuiteDef = (r: Registry) => {
  r.test(
    "variableScope reuse: a second model in a reusing scope shares the first one's variables, with TF1's errors",
    (env) =>
      withGraph(() =>
        tidy(() => {
          const dtype = floatType(env);
          const x = tensor(ref.randMat(6, 3, 1), [2, 3, 3], dtype);
          const a = new LSTMCell(4),
            b = new LSTMCell(4);
          const [outA] = variableScope('model', () => dynamicRnn(a, x, { dtype }));
          const count = globalVariables().length;
          const [outB] = variableScope('model', () => dynamicRnn(b, x, { dtype }), { reuse: true });
          assert(
            globalVariables().length === count,
            `reuse created variables: ${globalVariables().length} vs ${count}`,
          );
          assert(JSON.stringify(names(b)) === JSON.stringify(names(a)), `names differ: ${names(b)} vs ${names(a)}`);
          b.weights.forEach((w, i) => assert(w === a.weights[i], `weight ${i} is not shared`));
          expectClose(outB as Tensor, (outA as Tensor).dataSync(), { rtol: 0, atol: 0 });
          // Disposing the cell that only borrowed the variables leaves them with their owner.
          b.dispose();
          assert(
            !a.weights[0].isDisposed && globalVariables().length === count,
            "disposing the sharing cell freed the owner's variables",
          );
          // reuse: true on a path with nothing there: TF's "does not exist".
          expectThrows(
            () => variableScope('other', () => dynamicRnn(new LSTMCell(4), x, { dtype }), { reuse: true }),
            ValueError,
            /other\/rnn\/lstm_cell\/kernel does not exist/,
          );
          // A shape that differs: TF's "Trying to share variable".
          expectThrows(
            () => variableScope('model', () => dynamicRnn(new LSTMCell(5), x, { dtype }), { reuse: true }),
            ValueError,
            /Trying to share variable model\/rnn\/lstm_cell\/kernel, but specified shape \[8,20\] and found shape \[7,16\]/,
          );
          // Without reuse: "already exists", pointing at reuse.
          expectThrows(
            () => variableScope('model', () => dynamicRnn(new LSTMCell(4), x, { dtype })),
            ValueError,
            /already exists.*reuse/,
          );
          expectThrows(
            () => variableScope('model', () => 0, { reuse: false as never }),
            ValueError,
            /variableScope: reuse must be true, 'auto'/,
          );
        }),
      ),
  );

  r.test(
    "variableScope reuse 'auto' creates on first use and shares afterwards; reuse is inherited by inner scopes",
    (env) =>
      withGraph(() =>
        tidy(() => {
          const dtype = floatType(env);
          const x = tensor(ref.randMat(2, 3, 2), [2, 3], dtype);
          const s0 = tensor(ref.randMat(2, 2, 3), [2, 2], dtype);
          const first = new GRUCell(2),
            second = new GRUCell(2);
          const [o1] = variableScope('shared', () => variableScope('inner', () => first.call(x, s0)), {
            reuse: 'auto',
          });
          const made = globalVariables().length;
          const [o2] = variableScope('shared', () => variableScope('inner', () => second.call(x, s0)), {
            reuse: 'auto',
          });
          assert(
            globalVariables().length === made && made === 4,
            `auto reuse: ${made} then ${globalVariables().length} variables`,
          );
          assert(names(second)[0] === 'shared/inner/gru_cell/gates/kernel', `name ${names(second)[0]}`);
          expectClose(o2 as Tensor, (o1 as Tensor).dataSync(), { rtol: 0, atol: 0 });
        }),
      ),
  );

  r.test(
    'OutputProjectionWrapper / InputProjectionWrapper: TF1 names, creation order, and the dense layer around the cell',
    (env) =>
      withGraph(() =>
        tidy(() => {
          const dtype = floatType(env);
          const B = 3,
            D = 4,
            n = 5,
            P = 2;
          const xs = ref.randMat(B, D, 7),
            h0 = ref.randMat(B, n, 8);
          const out = new OutputProjectionWrapper(new BasicRNNCell(n), P, { activation: 'relu' });
          out.call(tensor(xs, undefined, dtype), tensor(h0, undefined, dtype));
          assert(
            JSON.stringify(names(out)) ===
              JSON.stringify([
                'output_projection_wrapper/basic_rnn_cell/kernel',
                'output_projection_wrapper/basic_rnn_cell/bias',
                'output_projection_wrapper/kernel',
                'output_projection_wrapper/bias',
              ]),
            `names ${names(out)}`,
          );
          assert(out.outputSize === P, "outputSize is the projection's");
          randomizeWeights(out, 3);
          const [y, s] = out.call(tensor(xs, undefined, dtype), tensor(h0, undefined, dtype));
          const w = out.weights.map((q) => q.arraySync());
          const hNew = ref.basicRnn(xs, h0, w[0] as ref.Mat, w[1] as ref.Vec);
          expectClose(s as Tensor, hNew.flat(), tol(dtype));
          expectClose(
            y as Tensor,
            dense(hNew, w[2] as ref.Mat, w[3] as ref.Vec)
              .flat()
              .map((q) => Math.max(0, q)),
            tol(dtype),
          );

          const inp = new InputProjectionWrapper(new BasicRNNCell(n), P);
          const [y2] = variableScope('in', () => inp.call(tensor(xs, undefined, dtype), tensor(h0, undefined, dtype)));
          assert(
            names(inp)[0] === 'in/input_projection_wrapper/kernel' &&
              names(inp)[2] === 'in/input_projection_wrapper/basic_rnn_cell/kernel',
            `names ${names(inp)}`,
          );
          assert(
            inp.weights[2].shape[0] === P + n,
            `the inner kernel reads the ${P} projected units: ${inp.weights[2].shape}`,
          );
          const wi = inp.weights.map((q) => q.arraySync());
          const px = dense(xs, wi[0] as ref.Mat, wi[1] as ref.Vec);
          expectClose(y2 as Tensor, ref.basicRnn(px, h0, wi[2] as ref.Mat, wi[3] as ref.Vec).flat(), tol(dtype));
          expectThrows(
            () => new OutputProjectionWrapper(new BasicRNNCell(2), 0),
            ValueError,
            /OutputProjectionWrapper: outputSize must be a positive integer/,
          );
          expectThrows(
            () => new OutputProjectionWrapper({} as never, 2),
            TypeError,
            /OutputProjectionWrapper: the argument 'cell'/,
          );
          expectThrows(
            () => new OutputProjectionWrapper(new BasicRNNCell(2), 2, { activation: 'nope' as never }),
            ValueError,
            /unknown activation "nope"/,
          );
        }),
      ),
  );

  r.test(
    "OutputProjectionWrapper through dynamicRnn: outputs are the projection of the cell's, zero past each length, no leaks",
    (env) =>
      withGraph(() => {
        const dtype = floatType(env);
        const B = 2,
          T = 4,
          D = 3,
          n = 3,
          P = 2,
          lens = [4, 2];
        const cell = new OutputProjectionWrapper(new BasicRNNCell(n), P);
        const xs = ref.randMat(B * T, D, 11);
        const x = reshape(tensor(xs, undefined, dtype), [B, T, D]);
        tidy(() => dynamicRnn(cell, x, { dtype, sequenceLength: lens }));
        randomizeWeights(cell, 5);
        const w = cell.weights.map((q) => q.arraySync());
        const steps = Array.from({ length: T }, (_, t) => Array.from({ length: B }, (_, b) => xs[b * T + t]));
        const hs = rnnLoop(
          steps,
          [
            [0, 0, 0],
            [0, 0, 0],
          ],
          w[0] as ref.Mat,
          w[1] as ref.Vec,
          lens,
          false,
        );
        const want = Array.from({ length: B }, (_, b) =>
          Array.from({ length: T }, (_, t) =>
            t < lens[b] ? dense([hs[t][b]], w[2] as ref.Mat, w[3] as ref.Vec)[0] : [0, 0],
          ),
        );
        expectNoLeak(
          () =>
            tidy(() => {
              const [o] = dynamicRnn(cell, x, { dtype, sequenceLength: lens });
              expectShape(o as Tensor, [B, T, P]);
              expectClose(o as Tensor, want.flat(2), tol(dtype));
            }),
          'dynamicRnn over OutputProjectionWrapper',
        );
        x.dispose();
      }),
  );

  r.test(
    'EmbeddingWrapper: looks up int32 ids in rnn/embedding_wrapper/embedding, then runs the cell; DeviceWrapper changes nothing',
    (env) =>
      withGraph(() =>
        tidy(() => {
          const dtype = floatType(env);
          const cell = new EmbeddingWrapper(new DeviceWrapper(new BasicRNNCell(3), '/gpu:0'), 5, 2);
          const idRows = [
            [4, 0, 2],
            [1, 1, 3],
          ];
          const ids = tensor(idRows.flat(), [2, 3, 1], 'int32'); // dynamicRnn wants [batch, time, depth]
          dynamicRnn(cell, ids, { dtype });
          assert(
            JSON.stringify(names(cell)) ===
              JSON.stringify([
                'rnn/embedding_wrapper/embedding',
                'rnn/embedding_wrapper/basic_rnn_cell/kernel',
                'rnn/embedding_wrapper/basic_rnn_cell/bias',
              ]),
            `names ${names(cell)}`,
          );
          const lim = Math.sqrt(3);
          const E0 = m(cell.weights[0]).flat();
          assert(
            E0.every((q) => Math.abs(q) <= lim) && E0.some((q) => Math.abs(q) > 0.5),
            `embedding not ~ U(-sqrt3, sqrt3): ${E0}`,
          );
          assert(cell.weights[0].dtype === dtype, "the embedding takes the state's dtype");
          randomizeWeights(cell, 9);
          const [E, K, b] = cell.weights.map((q) => q.arraySync());
          const steps = [0, 1, 2].map((t) => idRows.map((row) => (E as ref.Mat)[row[t]]));
          const hs = rnnLoop(
            steps,
            [
              [0, 0, 0],
              [0, 0, 0],
            ],
            K as ref.Mat,
            b as ref.Vec,
            [3, 3],
            false,
          );
          const [o] = dynamicRnn(cell, ids, { dtype });
          expectClose(
            o as Tensor,
            [0, 1].flatMap((bi) => [0, 1, 2].flatMap((t) => hs[t][bi])),
            tol(dtype),
          );
          expectThrows(
            () => cell.call(tensor([[1, 2]], [1, 2], 'int32'), cell.zeroState(1, dtype)),
            ValueError,
            /EmbeddingWrapper: inputs must be int32 symbol ids of shape \[batch\] or \[batch, 1\]/,
          );
          expectThrows(
            () => new EmbeddingWrapper(new BasicRNNCell(2), 0, 3),
            ValueError,
            /Both embeddingClasses and embeddingSize must be > 0: 0, 3/,
          );
        }),
      ),
  );

  r.test(
    "property: LayerNormBasicLSTMCell equals its published equations (layer norm of the gates and c, TF's names and initial gain/shift)",
    (env) => {
      fc.assert(
        fc.property(
          fc.record({
            B: fc.integer({ min: 1, max: 3 }),
            D: fc.integer({ min: 1, max: 4 }),
            n: fc.integer({ min: 2, max: 4 }),
            layerNorm: fc.boolean(),
            forgetBias: fc.constantFrom(0, 1, 0.5),
            seed: fc.integer({ min: 1, max: 1e6 }),
          }),
          (p) =>
            withGraph(() =>
              tidy(() => {
                const dtype = floatType(env);
                const cell = new LayerNormBasicLSTMCell(p.n, {
                  layerNorm: p.layerNorm,
                  forgetBias: p.forgetBias,
                  normGain: 0.7,
                  normShift: 0.1,
                });
                const x = ref.randMat(p.B, p.D, p.seed),
                  c = ref.randMat(p.B, p.n, p.seed + 1),
                  h = ref.randMat(p.B, p.n, p.seed + 2);
                const state = new LSTMStateTuple(tensor(c, undefined, dtype), tensor(h, undefined, dtype));
                cell.call(tensor(x, undefined, dtype), state);
                const w = cell.weights;
                const want = p.layerNorm
                  ? [
                      'kernel',
                      ...['input', 'transform', 'forget', 'output', 'state'].flatMap((s) => [
                        `${s}/gamma`,
                        `${s}/beta`,
                      ]),
                    ]
                  : ['kernel', 'bias'];
                assert(
                  JSON.stringify(w.map((q) => q.name)) ===
                    JSON.stringify(want.map((q) => `layer_norm_basic_lstm_cell/${q}`)),
                  `names ${w.map((q) => q.name)}`,
                );
                if (p.layerNorm) {
                  expectClose(w[1], new Array(p.n).fill(0.7), { rtol: 0, atol: 1e-7, msg: 'gamma starts at normGain' });
                  expectClose(w[2], new Array(p.n).fill(0.1), { rtol: 0, atol: 1e-7, msg: 'beta starts at normShift' });
                }
                randomizeWeights(cell, p.seed);
                const gb = p.layerNorm
                  ? Object.fromEntries(
                      ['input', 'transform', 'forget', 'output', 'state'].map((s, i) => [
                        s,
                        [v(w[1 + 2 * i]), v(w[2 + 2 * i])] as [ref.Vec, ref.Vec],
                      ]),
                    )
                  : null;
                const [c2, h2] = layerNormLstm(x, c, h, m(w[0]), gb, p.layerNorm ? null : v(w[1]), p.forgetBias);
                const [out, next] = cell.call(tensor(x, undefined, dtype), state);
                expectClose(out as Tensor, h2.flat(), { ...tol(dtype), msg: 'h' });
                expectClose((next as LSTMStateTuple).c, c2.flat(), { ...tol(dtype), msg: 'c' });
              }),
            ),
        ),
        fcParams(env, 40),
      );
    },
  );

  r.test(
    'LayerNormBasicLSTMCell: gradients match central differences; recurrent dropout keeps E[g] and is seeded',
    (env) =>
      withGraph(() =>
        tidy(() => {
          const dtype: DType = env.float64 ? 'float64' : 'float32';
          const cell = new LayerNormBasicLSTMCell(3);
          const x = tensor(ref.randMat(2, 2, 5), undefined, dtype),
            c = tensor(ref.randMat(2, 3, 6), undefined, dtype),
            h = tensor(ref.randMat(2, 3, 7), undefined, dtype);
          const run = (xx: Tensor, cc: Tensor, hh: Tensor): Tensor => {
            const [o, s] = cell.call(xx, new LSTMStateTuple(cc, hh));
            return add(sum(square(o as Tensor)), mean((s as LSTMStateTuple).c));
          };
          run(x, c, h);
          randomizeWeights(cell, 3);
          const loose = dtype === 'float32' ? { eps: 1e-2, rtol: 5e-2, atol: 5e-3 } : {};
          const report = checkGrad(run, [x, c, h], loose);
          assert(report.ok, report.message);
          const drop = (seed: number): number[] =>
            withGraph(() => {
              const d = new LayerNormBasicLSTMCell(4, {
                dropoutKeepProb: 0.5,
                dropoutProbSeed: seed,
                kernelInitializer: initializers.glorotUniform({ seed: 3 }),
              });
              const z = tensor(ref.randMat(3, 2, 1), undefined, dtype);
              const [o1] = d.call(z, d.zeroState(3, dtype));
              const [o2] = d.call(z, d.zeroState(3, dtype));
              return [...(o1 as Tensor).dataSync(), ...(o2 as Tensor).dataSync()];
            });
          const a = drop(42),
            b = drop(42);
          assert(
            a.every((q, i) => q === b[i]),
            'the same seed gives the same masks',
          );
          assert(
            a.slice(0, 12).some((q, i) => q !== a[12 + i]),
            'each step draws a new mask',
          );
          expectThrows(
            () => new LayerNormBasicLSTMCell(2, { dropoutKeepProb: 0 }),
            ValueError,
            /dropoutKeepProb must be in \(0, 1\]/,
          );
        }),
      ),
  );

  r.test(
    'staticBidirectionalRnn equals forward and length-reversed plain loops, and bidirectionalDynamicRnn with shared weights',
    (env) =>
      withGraph(() =>
        tidy(() => {
          const dtype = floatType(env);
          const B = 3,
            T = 4,
            D = 2,
            n = 3,
            lens = [4, 1, 0];
          const xs = Array.from({ length: T }, (_, t) => ref.randMat(B, D, 20 + t));
          const fw = new BasicRNNCell(n),
            bw = new BasicRNNCell(n);
          const inputs = xs.map((x) => tensor(x, undefined, dtype));
          staticBidirectionalRnn(fw, bw, inputs, { dtype, sequenceLength: lens });
          assert(
            names(fw)[0] === 'bidirectional_rnn/fw/basic_rnn_cell/kernel' &&
              names(bw)[0] === 'bidirectional_rnn/bw/basic_rnn_cell/kernel',
            `names ${names(fw)} ${names(bw)}`,
          );
          randomizeWeights(fw, 1);
          randomizeWeights(bw, 2);
          const [outs, sFw, sBw] = staticBidirectionalRnn(fw, bw, inputs, { dtype, sequenceLength: lens });
          const h0 = Array.from({ length: B }, () => new Array<number>(n).fill(0));
          const f = rnnLoop(xs, h0, m(fw.weights[0]), v(fw.weights[1]), lens, false);
          const g = rnnLoop(xs, h0, m(bw.weights[0]), v(bw.weights[1]), lens, true);
          outs.forEach((o, t) =>
            expectClose(
              o as Tensor,
              f[t].flatMap((row, b) => [...row, ...g[t][b]]),
              { ...tol(dtype), msg: `step ${t}` },
            ),
          );
          // Final states: the forward one at each row's last step, the backward one after its first.
          expectClose(
            sFw as Tensor,
            lens.flatMap((len, b) => (len ? f[len - 1][b] : h0[b])),
            tol(dtype),
          );
          expectClose(
            sBw as Tensor,
            lens.flatMap((len, b) => (len ? g[0][b] : h0[b])),
            tol(dtype),
          );
          // The dynamic unroller over the same cells (same scope names, reused) gives the same numbers.
          const stacked = transpose(tensor(xs, undefined, dtype), [1, 0, 2]);
          const [[oFw, oBw]] = variableScope('dyn', () =>
            bidirectionalDynamicRnn(fw, bw, stacked, { dtype, sequenceLength: lens }),
          );
          outs.forEach((o, t) => {
            const want = [...((oFw as Tensor).arraySync() as number[][][])].map((row, b) => [
              ...row[t],
              ...((oBw as Tensor).arraySync() as number[][][])[b][t],
            ]);
            expectClose(o as Tensor, want.flat(), { ...tol(dtype), msg: `dynamic step ${t}` });
          });
          expectThrows(
            () => staticBidirectionalRnn(fw, bw, inputs, { dtype, sequenceLength: [5, 1, 0] }),
            ValueError,
            /staticBidirectionalRnn: sequenceLength\[0\] = 5 must be in \[0, 4\]/,
          );
          expectThrows(() => staticBidirectionalRnn(fw, bw, [], { dtype }), ValueError, /inputs must not be empty/);
        }),
      ),
  );

  r.test("stackBidirectionalDynamicRnn: layer i reads concat([fw, bw]) of layer i-1; TF's scopes; errors", (env) =>
    withGraph(() =>
      tidy(() => {
        const dtype = floatType(env);
        const B = 2,
          T = 3,
          D = 2,
          lens = [3, 2];
        const flat = ref.randMat(B * T, D, 31);
        const x = reshape(tensor(flat, undefined, dtype), [B, T, D]);
        const fws = [new BasicRNNCell(2), new BasicRNNCell(3)],
          bws = [new BasicRNNCell(2), new BasicRNNCell(1)];
        stackBidirectionalDynamicRnn(fws, bws, x, { dtype, sequenceLength: lens });
        assert(
          names(fws[1])[0] === 'stack_bidirectional_rnn/cell_1/bidirectional_rnn/fw/basic_rnn_cell/kernel',
          `names ${names(fws[1])}`,
        );
        [...fws, ...bws].forEach((c, i) => randomizeWeights(c, 40 + i));
        const [out, statesFw, statesBw] = stackBidirectionalDynamicRnn(fws, bws, x, { dtype, sequenceLength: lens });
        let layer = Array.from({ length: T }, (_, t) => Array.from({ length: B }, (_, b) => flat[b * T + t]));
        const finals: number[][] = [];
        fws.forEach((fc0, i) => {
          const zeros = (k: number): ref.Mat => Array.from({ length: B }, () => new Array<number>(k).fill(0));
          const f = rnnLoop(layer, zeros(fc0.outputSize), m(fc0.weights[0]), v(fc0.weights[1]), lens, false);
          const g = rnnLoop(layer, zeros(bws[i].outputSize), m(bws[i].weights[0]), v(bws[i].weights[1]), lens, true);
          finals.push(lens.flatMap((len, b) => f[len - 1][b]));
          layer = f.map((step, t) => step.map((row, b) => [...row, ...g[t][b]]));
        });
        expectShape(out, [B, T, 4]);
        expectClose(out, Array.from({ length: B }, (_, b) => layer.map((step) => step[b])).flat(2), tol(dtype));
        assert(statesFw.length === 2 && statesBw.length === 2, 'one state per layer');
        expectClose(statesFw[1] as Tensor, finals[1], tol(dtype));
        expectThrows(
          () => stackBidirectionalDynamicRnn(fws, bws.slice(0, 1), x, { dtype }),
          ValueError,
          /Forward and Backward cells must have the same depth: 2 fw vs 1 bw/,
        );
        expectThrows(
          () => stackBidirectionalDynamicRnn([], [], x, { dtype }),
          ValueError,
          /cellsFw must be a non-empty array/,
        );
        expectThrows(
          () => stackBidirectionalDynamicRnn(fws, bws, x, { dtype, initialStatesFw: [fws[0].zeroState(B, dtype)] }),
          ValueError,
          /initialStatesFw must be an array of 2 states/,
        );
      }),
    ),
  );

  r.test('getInitialState, activations by name, LSTMStateTuple indexing', (env) =>
    withGraph(() =>
      tidy(() => {
        const dtype = floatType(env);
        const cell = new LSTMCell(3, { numProj: 2 });
        const x = tensor(ref.randMat(4, 5, 1), undefined, dtype);
        const s = cell.getInitialState({ inputs: x }) as LSTMStateTuple;
        expectShape(s.c, [4, 3]);
        expectShape(s.h, [4, 2]);
        assert(s.c.dtype === dtype, 'dtype from the inputs');
        assert(s[0] === s.c && s[1] === s.h && s.length === 2, 'state[0] is c, state[1] is h');
        const [c, h] = s;
        assert(c === s.c && h === s.h, 'tuple unpacking');
        expectShape(new GRUCell(2).getInitialState({ batchSize: 3, dtype }) as Tensor, [3, 2]);
        expectThrows(
          () => cell.getInitialState({ inputs: x, batchSize: 2 }),
          ValueError,
          /batch size from input tensor is different from the input param. Input tensor batch: 4, batchSize: 2/,
        );
        expectThrows(
          () => cell.getInitialState({ batchSize: 2 }),
          ValueError,
          /batchSize and dtype cannot be undefined/,
        );
        // 'relu' resolves to core's relu: the cell's output equals the function-valued option's.
        const byName = new BasicRNNCell(3, { activation: 'relu' as never, name: 'a' });
        const byFn = new BasicRNNCell(3, { activation: relu, name: 'b' });
        const h0 = tensor(ref.randMat(4, 3, 2), undefined, dtype);
        byName.call(x, h0);
        byFn.call(x, h0);
        byFn.weights.forEach((w, i) => w.assign(byName.weights[i]));
        expectClose(byName.call(x, h0)[0] as Tensor, (byFn.call(x, h0)[0] as Tensor).dataSync(), { rtol: 0, atol: 0 });
        expectThrows(
          () => new GRUCell(2, { activation: 'tanhh' as never }),
          ValueError,
          /GRUCell: unknown activation "tanhh"/,
        );
      }),
    ),
  );

  r.test(
    'property: sequenceLoss equals the weighted cross-entropy loop under every averaging option (TF seq2seq), gradients included',
    (env) => {
      const dtype: DType = env.float64 ? 'float64' : 'float32';
      const modes = [
        {},
        { averageAcrossTimesteps: false },
        { averageAcrossBatch: false },
        { averageAcrossTimesteps: false, averageAcrossBatch: false },
        { averageAcrossTimesteps: false, averageAcrossBatch: false, sumOverTimesteps: true, sumOverBatch: true },
        { averageAcrossTimesteps: false, sumOverTimesteps: true },
        { averageAcrossBatch: false, sumOverBatch: true },
      ];
      fc.assert(
        fc.property(
          fc.record({
            B: fc.integer({ min: 1, max: 3 }),
            T: fc.integer({ min: 1, max: 4 }),
            C: fc.integer({ min: 1, max: 5 }),
            mode: fc.integer({ min: 0, max: modes.length - 1 }),
            seed: fc.integer({ min: 1, max: 1e6 }),
            scale: fc.constantFrom(1, 30),
          }),
          (p) =>
            tidy(() => {
              const { B, T, C } = p;
              const lg = ref.randMat(B * T, C, p.seed, p.scale);
              const tg = ref.randMat(B, T, p.seed + 1).map((row) => row.map((q) => Math.floor(Math.abs(q) * C) % C));
              // Weights: a length mask with some fractional entries, and a row of zeros when B > 1.
              const w = ref
                .randMat(B, T, p.seed + 2)
                .map((row, b) => row.map((q, t) => (b === 1 ? 0 : t === 0 || q > 0 ? Math.abs(q) + 0.5 : 0)));
              const ce = (b: number, t: number): number => {
                const row = lg[b * T + t];
                const mx = Math.max(...row);
                return Math.log(row.reduce((s, q) => s + Math.exp(q - mx), 0)) + mx - row[tg[b][t]];
              };
              const o = modes[p.mode] as Record<string, boolean>;
              const avgT = o.averageAcrossTimesteps ?? true,
                avgB = o.averageAcrossBatch ?? true,
                sT = o.sumOverTimesteps ?? false,
                sB = o.sumOverBatch ?? false;
              const nan0 = (n: number, d: number): number => (d === 0 ? 0 : n / d);
              const cell = (b: number, t: number): number => ce(b, t) * w[b][t];
              const over = (axis: 0 | 1, count: boolean): number[] =>
                (axis === 0 ? [...Array(T).keys()] : [...Array(B).keys()]).map((k) => {
                  const idx =
                    axis === 0 ? [...Array(B).keys()].map((b) => [b, k]) : [...Array(T).keys()].map((t) => [k, t]);
                  return nan0(
                    idx.reduce((s, [b, t]) => s + cell(b, t), 0),
                    idx.reduce((s, [b, t]) => s + (count ? (w[b][t] !== 0 ? 1 : 0) : w[b][t]), 0),
                  );
                });
              const all = [...Array(B).keys()].flatMap((b) => [...Array(T).keys()].map((t) => [b, t]));
              const want =
                avgT && avgB
                  ? [
                      nan0(
                        all.reduce((s, [b, t]) => s + cell(b, t), 0),
                        w.flat().reduce((a, q) => a + q, 0),
                      ),
                    ]
                  : sT && sB
                    ? [
                        nan0(
                          all.reduce((s, [b, t]) => s + cell(b, t), 0),
                          w.flat().filter((q) => q !== 0).length,
                        ),
                      ]
                    : avgT || avgB
                      ? over(avgB ? 0 : 1, false)
                      : sT || sB
                        ? over(sB ? 0 : 1, true)
                        : all.map(([b, t]) => cell(b, t));
              const logits = reshape(tensor(lg, undefined, dtype), [B, T, C]);
              const got = sequenceLoss(logits, tensor(tg, undefined, 'int32'), tensor(w, undefined, dtype), o);
              expectClose(got, want, { ...tol(dtype), msg: `mode ${JSON.stringify(o)}` });
              // d/dlogits of the summed loss: w (softmax - onehot) scaled by each entry's divisor; finite where totals are 0.
              const g = grad((l: Tensor) =>
                sum(sequenceLoss(l, tensor(tg, undefined, 'int32'), tensor(w, undefined, dtype), o)),
              )(logits);
              assert([...g.dataSync()].every(Number.isFinite), 'gradients are finite, also where a total weight is 0');
              if (p.mode === 0 && dtype === 'float64' && p.scale === 1) {
                const report = checkGrad(
                  (l: Tensor) => sequenceLoss(l, tensor(tg, undefined, 'int32'), tensor(w, undefined, dtype)),
                  [logits],
                );
                assert(report.ok, report.message);
              }
            }),
        ),
        fcParams(env, 60),
      );
      expectThrows(
        () => sequenceLoss(tensor([[1]]), tensor([[0]], undefined, 'int32'), tensor([[1]])),
        ValueError,
        /sequenceLoss: Logits must be a \[batch_size x sequence_length x logits\] tensor, got shape \[1,1\]/,
      );
      expectThrows(
        () =>
          sequenceLoss(reshape(tensor([1, 2]), [1, 1, 2]), tensor([[0]], undefined, 'int32'), tensor([[1]]), {
            sumOverBatch: true,
          }),
        ValueError,
        /averageAcrossBatch and sumOverBatch cannot be set to true/,
      );
    },
  );

  r.test("activations by name equal their formulas (Keras's activations.get names)", (env) =>
    tidy(() => {
      const dtype = floatType(env);
      const xs = [-30, -3, -1, -0.25, 0, 0.3, 1, 2.5, 20];
      const sg = (x: number): number => 1 / (1 + Math.exp(-x));
      // SELU's alpha and scale (Klambauer et al. 2017) as the float64 values the published digits round to.
      const A = 1.6732632423543772,
        S = 1.0507009873554805;
      const want: Record<string, (x: number) => number> = {
        tanh: Math.tanh,
        sigmoid: sg,
        relu: (x) => Math.max(0, x),
        linear: (x) => x,
        exponential: Math.exp,
        hard_sigmoid: (x) => Math.min(1, Math.max(0, 0.2 * x + 0.5)),
        softsign: (x) => x / (1 + Math.abs(x)),
        swish: (x) => x * sg(x),
        elu: (x) => (x > 0 ? x : Math.expm1(x)),
        selu: (x) => S * (x > 0 ? x : A * Math.expm1(x)),
        softplus: (x) => Math.log1p(Math.exp(-Math.abs(x))) + Math.max(x, 0),
      };
      const x = tensor(xs, [1, xs.length], dtype);
      for (const [name, f] of Object.entries(ACTIVATIONS)) {
        const expected =
          name === 'softmax'
            ? (() => {
                const e = xs.map((q) => Math.exp(q - 20));
                const z = e.reduce((a, b) => a + b, 0);
                return e.map((q) => q / z);
              })()
            : xs.map(want[name]);
        expectClose(f(x), expected, { ...tol(dtype), atol: 1e-6, msg: name });
      }
    }),
  );

  r.test(
    'DropoutWrapper: keep probabilities as scalar tensors read at each call (a Variable: train 0.5, eval 1), and dropoutStateFilterVisitor',
    (env) =>
      withGraph(() =>
        tidy(() => {
          const dtype = floatType(env);
          const x = tensor(ref.randMat(3, 4, 1), undefined, dtype);
          const inner = new BasicLSTMCell(5);
          const s0 = inner.zeroState(3, dtype);
          const bare = (): [Tensor, LSTMStateTuple] => {
            const [o, s] = inner.call(x, s0);
            return [o as Tensor, s as LSTMStateTuple];
          };
          bare();
          randomizeWeights(inner, 2);
          const [o0, st0] = bare();
          // Every entry of a dropped tensor is 0 or the bare value / keep.
          const droppedBy = (got: Tensor, want: Tensor, keepP: number): boolean => {
            const g = got.dataSync(),
              w = want.dataSync();
            return [...g].every((q, i) => q === 0 || Math.abs(q - w[i] / keepP) <= 1e-5 * (1 + Math.abs(w[i] / keepP)));
          };
          const same = (a: Tensor, b: Tensor): boolean => a.dataSync().every((q, i) => q === b.dataSync()[i]);
          const keepV = variable(scalar(0.5, dtype), { name: 'keep_prob', trainable: false });
          const d = new DropoutWrapper(inner, { outputKeepProb: keepV, seed: 7 });
          const [o1] = d.call(x, s0);
          assert(droppedBy(o1 as Tensor, o0, 0.5) && !same(o1 as Tensor, o0), 'keep 0.5 read from the Variable');
          keepV.assign(scalar(1, dtype));
          assert(same(d.call(x, s0)[0] as Tensor, o0), 'keep 1 after assign: the bare output');
          keepV.assign(scalar(1.5, dtype));
          expectThrows(() => d.call(x, s0), ValueError, /outputKeepProb must be between 0 and 1, the tensor holds 1.5/);
          expectThrows(
            () => new DropoutWrapper(inner, { inputKeepProb: tensor([0.5, 0.5]) }),
            ValueError,
            /inputKeepProb must be a scalar float Tensor/,
          );
          keepV.dispose();

          // State filters: the default spares c; a custom one spares everything, or drops c instead of h.
          const stateOf = (filter?: DropoutStateFilter) =>
            new DropoutWrapper(inner, { stateKeepProb: 0.5, seed: 11, dropoutStateFilterVisitor: filter }).call(
              x,
              s0,
            )[1] as LSTMStateTuple;
          const def = stateOf();
          assert(
            same(def.c, st0.c) && droppedBy(def.h, st0.h, 0.5) && !same(def.h, st0.h),
            'default: c kept, h dropped',
          );
          const none = stateOf(() => false);
          assert(same(none.c, st0.c) && same(none.h, st0.h), 'a filter answering false spares the whole state');
          const flipped = stateOf((s) => (s instanceof LSTMStateTuple ? new LSTMStateTuple(true, false) : true));
          assert(
            droppedBy(flipped.c, st0.c, 0.5) && !same(flipped.c, st0.c) && same(flipped.h, st0.h),
            'c dropped, h spared',
          );
          // A structure answer at the root of a MultiRNNCell state: layer 0 spared, layer 1 asked again (default there).
          const multi = new MultiRNNCell([new BasicLSTMCell(3), new BasicLSTMCell(3)]);
          const ms0 = multi.zeroState(3, dtype);
          const [, mBare] = multi.call(x, ms0);
          const layered = new DropoutWrapper(multi, {
            stateKeepProb: 0.5,
            seed: 5,
            dropoutStateFilterVisitor: (s) => (Array.isArray(s) ? [false, true] : defaultDropoutStateFilter(s)),
          }).call(x, ms0)[1] as LSTMStateTuple[];
          const mb = mBare as LSTMStateTuple[];
          assert(same(layered[0].c, mb[0].c) && same(layered[0].h, mb[0].h), 'layer 0 spared');
          assert(
            same(layered[1].c, mb[1].c) && droppedBy(layered[1].h, mb[1].h, 0.5) && !same(layered[1].h, mb[1].h),
            'layer 1: c spared, h dropped',
          );
          expectThrows(
            () =>
              new DropoutWrapper(inner, { stateKeepProb: 0.5, dropoutStateFilterVisitor: () => 'yes' as never }).call(
                x,
                s0,
              ),
            TypeError,
            /dropoutStateFilterVisitor must return a boolean or a structure of booleans/,
          );
        }),
      ),
  );
};
