/**
 * dynamicRnn, staticRnn, bidirectionalDynamicRnn and rawRnn against a plain reference loop written
 * here (per-step cell calls and `where` masking), values and gradients; central differences;
 * TF's DropoutWrapper goldens; sequence-length edge cases; errors; memory; swapMemory.
 */
import fc from 'fast-check';
import {
  ENGINE,
  add,
  concat,
  dispose,
  memory,
  mul,
  ones,
  randomUniform,
  reshape,
  reverse,
  slice,
  stack,
  sum,
  tensor,
  tidy,
  unstack,
  where,
  zeros,
  zerosLike,
  Tensor,
  ValueError,
  type DType,
} from '@tapeflow/core';
import { checkGrad, grads, trace } from '@tapeflow/autograd';
import {
  BasicLSTMCell,
  BasicRNNCell,
  DropoutWrapper,
  MultiRNNCell,
  GRUCell,
  LSTMCell,
  LSTMStateTuple,
  bidirectionalDynamicRnn,
  dynamicRnn,
  globalVariables,
  initializers,
  nest,
  rawRnn,
  rnnPath,
  staticRnn,
  variableScope,
  withFastPaths,
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
import { CELL_KINDS, ConcatInputsCell, floatType, makeCell, randomizeWeights, tol, withGraph } from './util.js';

type N = nest.Nest<Tensor>;
const leaves = (x: N): Tensor[] => nest.flatten(x);

/**
 * The reference: for t in 0..T-1, the cell on the step's slices (taken with unstack), then rows
 * with t >= len[b] get output 0 and keep their previous state.
 */
function referenceLoop(cell: RNNCell, inputs: N, state: N, timeMajor: boolean, lens?: number[]): [N, N] {
  const tAxis = timeMajor ? 0 : 1;
  const flat = leaves(inputs);
  const steps = flat.map((x) => unstack(x, tAxis));
  const B = flat[0].shape[timeMajor ? 1 : 0];
  const outs: Tensor[][] = [];
  for (let t = 0; t < steps[0].length; t++) {
    let [o, s] = cell.call(
      nest.packSequenceAs(
        inputs,
        steps.map((st) => st[t]),
      ),
      state,
    );
    if (lens) {
      const alive = tensor(
        lens.map((l) => t < l),
        [B, 1],
        'bool',
      );
      o = nest.mapStructure((v: Tensor) => where(alive, v, zerosLike(v)), o);
      s = nest.mapStructure((nw: Tensor, old: Tensor) => where(alive, nw, old), s, state);
    }
    outs.push(leaves(o));
    state = s;
  }
  const structure = cell.outputSize;
  return [
    nest.packSequenceAs(
      structure,
      outs[0].map((_, k) =>
        stack(
          outs.map((o) => o[k]),
          tAxis,
        ),
      ),
    ),
    state,
  ];
}

/** A scalar loss reading every output and state element through fixed random weights. */
function lossOf(outputs: N, state: N, seed: number): Tensor {
  const parts = [...leaves(outputs), ...leaves(state)].map((t, i) =>
    sum(mul(t, randomUniform(t.shape, { minval: -1, maxval: 1, seed: seed + i, dtype: t.dtype }))),
  );
  return parts.reduce((a, b) => add(a, b));
}

function rand(shape: number[], seed: number, dtype: DType): Tensor {
  return randomUniform(shape, { minval: -1, maxval: 1, seed, dtype });
}

export const unrollerSuite: SuiteDef = (r: Registry) => {
  r.test('property: dynamicRnn equals the reference loop - outputs, final state and every gradient', (env) => {
    fc.assert(
      fc.property(
        fc.record({
          kind: fc.constantFrom(...CELL_KINDS),
          batch: fc.integer({ min: 1, max: 3 }),
          time: fc.integer({ min: 1, max: 4 }),
          depth: fc.integer({ min: 1, max: 3 }),
          units: fc.integer({ min: 1, max: 3 }),
          nested: fc.boolean(),
          timeMajor: fc.boolean(),
          lens: fc.option(fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 3, maxLength: 3 }), { freq: 3 }),
          seed: fc.integer({ min: 1, max: 1e6 }),
          f64: fc.boolean(),
        }),
        (p) =>
          withGraph(() =>
            tidy(() => {
              const dtype: DType = env.float64 && p.f64 ? 'float64' : 'float32';
              const { batch: B, time: T, timeMajor } = p;
              const D = p.kind === 'residual' ? p.units : p.depth;
              const lens = p.lens?.slice(0, B);
              const base = makeCell(p.kind, p.units);
              const shapeOf = (d: number): number[] => (timeMajor ? [T, B, d] : [B, T, d]);
              // Nested inputs go through a user-defined cell that concatenates them.
              const nested = p.nested && p.kind !== 'residual' && D > 1;
              const cell = nested ? new ConcatInputsCell(base) : base;
              const inputs: N = nested
                ? { b: rand(shapeOf(D - 1), p.seed, dtype), a: [rand(shapeOf(1), p.seed + 1, dtype)] }
                : rand(shapeOf(D), p.seed, dtype);
              const state0 = nest.mapStructure(
                (s: Tensor) => rand(s.shape, p.seed + 7, dtype),
                cell.zeroState(B, dtype),
              );
              const opts = { initialState: state0, timeMajor, sequenceLength: lens };
              dynamicRnn(cell, inputs, opts); // builds the weights
              randomizeWeights(base, p.seed);

              const [out, st] = dynamicRnn(cell, inputs, opts);
              const [rout, rst] = variableScope('rnn', () => referenceLoop(cell, inputs, state0, timeMajor, lens));
              nest.assertSameStructure(out, rout);
              nest.assertSameStructure(st, rst);
              leaves(out).forEach((o, i) => {
                expectShape(o, leaves(rout)[i].shape);
                expectClose(o, leaves(rout)[i], { ...tol(dtype), msg: `${p.kind} output ${i}` });
              });
              leaves(st).forEach((s, i) =>
                expectClose(s, leaves(rst)[i], { ...tol(dtype), msg: `${p.kind} state ${i}` }),
              );

              const sources = [...leaves(inputs), ...leaves(state0), ...base.weights];
              const rebuild = (xs: Tensor[]): [N, N] => {
                const ins = nest.packSequenceAs(inputs, xs.slice(0, leaves(inputs).length));
                const s0 = nest.packSequenceAs(
                  state0,
                  xs.slice(leaves(inputs).length, leaves(inputs).length + leaves(state0).length),
                );
                return [ins, s0];
              };
              const g1 = grads((...xs: Tensor[]) => {
                const [ins, s0] = rebuild(xs);
                const [o, s] = dynamicRnn(cell, ins, { ...opts, initialState: s0 });
                return lossOf(o, s, p.seed);
              })(...sources);
              const g2 = grads((...xs: Tensor[]) => {
                const [ins, s0] = rebuild(xs);
                const [o, s] = variableScope('rnn', () => referenceLoop(cell, ins, s0, timeMajor, lens));
                return lossOf(o, s, p.seed);
              })(...sources);
              g1.forEach((g, i) =>
                expectClose(g, g2[i], {
                  ...tol(dtype),
                  msg: `${p.kind} gradient ${i} (${sources[i] instanceof Tensor && 'name' in sources[i] ? (sources[i] as { name: string }).name : 'input/state'})`,
                }),
              );
            }),
          ),
      ),
      fcParams(env, 100),
    );
  });

  r.test(
    'property: the fused LSTM/GRU kernels equal the composed equations - values, gradients, second-order gradients',
    (env) => {
      // fastPaths.fusedKernels off composes each step from ops; on, cells call the backend's
      // LSTMBlock/GRUBlock (and the tape their fused backward kernels) where it has them.
      const kinds = [
        'basicLstm',
        'basicLstmConcat',
        'lstm',
        'lstmConcatProj',
        'gru',
        'multi',
        'multiConcat',
        'multiLstm',
      ] as const;
      fc.assert(
        fc.property(
          fc.record({
            kind: fc.constantFrom(...kinds),
            batch: fc.integer({ min: 1, max: 3 }),
            time: fc.integer({ min: 1, max: 3 }),
            depth: fc.integer({ min: 1, max: 3 }),
            units: fc.integer({ min: 1, max: 3 }),
            hoist: fc.boolean(),
            lens: fc.option(fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 3, maxLength: 3 })),
            seed: fc.integer({ min: 1, max: 1e6 }),
            // Rows per chunk of the whole-sequence LSTM node: small ones cross chunk borders.
            chunkRows: fc.integer({ min: 1, max: 6 }),
          }),
          (p) =>
            withGraph(() =>
              tidy(() => {
                const dtype = floatType(env);
                const { batch: B, time: T } = p;
                const cell = makeCell(p.kind, p.units);
                const x = rand([B, T, p.depth], p.seed, dtype);
                const state0 = nest.mapStructure(
                  (s: Tensor) => rand(s.shape, p.seed + 7, dtype),
                  cell.zeroState(B, dtype),
                );
                const lens = p.lens?.slice(0, B);
                dynamicRnn(cell, x, { initialState: state0 });
                randomizeWeights(cell, p.seed);
                const sources = [x, ...leaves(state0), ...cell.weights];
                const run = (xs: Tensor[]): [N, N] =>
                  dynamicRnn(cell, xs[0], {
                    initialState: nest.packSequenceAs(state0, xs.slice(1, 1 + leaves(state0).length)),
                    sequenceLength: lens,
                  });
                const loss = (...xs: Tensor[]): Tensor => {
                  const [o, s] = run(xs);
                  return lossOf(o, s, p.seed);
                };
                // Second order: the gradient of <first-order gradients, fixed random directions>.
                const dirs = sources.map((q, i) => rand(q.shape, p.seed + 100 + i, dtype));
                const dot = (...xs: Tensor[]): Tensor =>
                  grads(loss)(...xs)
                    .map((g, i) => sum(mul(g, dirs[i])))
                    .reduce((a, b) => add(a, b));
                const results = [true, false].map((fusedKernels) =>
                  withFastPaths({ fusedKernels, hoistInputs: p.hoist, sequenceChunkRows: p.chunkRows }, () => {
                    const [o, s] = run(sources);
                    return {
                      values: [...leaves(o), ...leaves(s)],
                      first: grads(loss)(...sources),
                      second: grads(dot)(...sources),
                    };
                  }),
                );
                const [fused, composed] = results;
                const t2 = dtype === 'float64' ? tol(dtype) : { rtol: 2e-3, atol: 2e-4 };
                fused.values.forEach((v, i) =>
                  expectClose(v, composed.values[i], { ...tol(dtype), msg: `${p.kind} value ${i}` }),
                );
                fused.first.forEach((g, i) =>
                  expectClose(g, composed.first[i], { ...tol(dtype), msg: `${p.kind} gradient ${i}` }),
                );
                fused.second.forEach((g, i) =>
                  expectClose(g, composed.second[i], { ...t2, msg: `${p.kind} second-order gradient ${i}` }),
                );
              }),
            ),
        ),
        fcParams(env, 25),
      );
    },
  );

  r.test('property: dynamicRnn equals staticRnn, values and gradients, with sequence lengths', (env) => {
    const dtype = floatType(env);
    fc.assert(
      fc.property(
        fc.record({
          kind: fc.constantFrom(...CELL_KINDS),
          batch: fc.integer({ min: 1, max: 3 }),
          time: fc.integer({ min: 1, max: 4 }),
          units: fc.integer({ min: 1, max: 3 }),
          lens: fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 3, maxLength: 3 }),
          seed: fc.integer({ min: 1, max: 1e6 }),
        }),
        (p) =>
          withGraph(() =>
            tidy(() => {
              const { batch: B, time: T, units } = p;
              const cell = makeCell(p.kind, units);
              const x = rand([B, T, units], p.seed, dtype);
              const lens = p.lens.slice(0, B);
              dynamicRnn(cell, x, { dtype });
              randomizeWeights(cell, p.seed);
              const dyn = (xx: Tensor): [N, N] => dynamicRnn(cell, xx, { dtype, sequenceLength: lens });
              const stat = (xx: Tensor): [N, N] => {
                const [outs, s] = staticRnn(cell, unstack(xx, 1), { dtype, sequenceLength: lens });
                return [
                  nest.packSequenceAs(
                    outs[0],
                    leaves(outs[0]).map((_, k) =>
                      stack(
                        outs.map((o) => leaves(o)[k]),
                        1,
                      ),
                    ),
                  ),
                  s,
                ];
              };
              const [a, sa] = dyn(x),
                [b, sb] = stat(x);
              expectClose(leaves(a)[0], leaves(b)[0], tol(dtype));
              leaves(sa).forEach((s, i) => expectClose(s, leaves(sb)[i], tol(dtype)));
              const g = (f: (xx: Tensor) => [N, N]) =>
                grads((xx: Tensor, ...ws: Tensor[]) => {
                  void ws;
                  const [o, s] = f(xx);
                  return lossOf(o, s, 3);
                })(x, ...cell.weights);
              const ga = g(dyn),
                gb = g(stat);
              ga.forEach((q, i) => expectClose(q, gb[i], { ...tol(dtype), msg: `gradient ${i}` }));
            }),
          ),
      ),
      fcParams(env, 30),
    );
  });

  r.test('gradients through dynamicRnn with sequence lengths match central differences', (env) =>
    withGraph(() =>
      tidy(() => {
        const dtype = floatType(env);
        // LSTMCell with every option, then BasicLSTMCell (the backend's fused LSTMBlock where it has one).
        const cell = new MultiRNNCell([
          new LSTMCell(2, { usePeepholes: true, numProj: 2, cellClip: 2 }),
          new BasicLSTMCell(2),
        ]);
        const x = rand([3, 4, 2], 11, dtype),
          c0 = rand([3, 2], 12, dtype),
          h0 = rand([3, 2], 13, dtype);
        const lens = [4, 0, 2];
        const run = (xx: Tensor, cc: Tensor, hh: Tensor): Tensor => {
          const s0 = [new LSTMStateTuple(cc, hh), new LSTMStateTuple(hh, cc)];
          const [o, s] = dynamicRnn(cell, xx, { initialState: s0, sequenceLength: lens });
          return lossOf(o, s, 5);
        };
        run(x, c0, h0);
        randomizeWeights(cell, 4);
        const loose = dtype === 'float32' ? { eps: 1e-2, rtol: 5e-2, atol: 5e-3 } : {};
        const report = checkGrad(run, [x, c0, h0], loose);
        assert(report.ok, `inputs/state: ${report.message}`);
        // Weights: perturb each element through Variable.assign and difference the loss.
        const eps = dtype === 'float32' ? 1e-2 : 1e-6;
        const analytic = grads((...ws: Tensor[]) => {
          void ws;
          return run(x, c0, h0);
        })(...cell.weights);
        cell.weights.forEach((w, wi) => {
          const base = Float64Array.from(w.dataSync());
          const at = (j: number, delta: number): number =>
            tidy(() => {
              const vals = Float64Array.from(base);
              vals[j] += delta;
              const t = tensor(vals, w.shape, w.dtype);
              w.assign(t);
              return run(x, c0, h0).dataSync()[0];
            });
          const numeric = Array.from(base, (_, j) => (at(j, eps) - at(j, -eps)) / (2 * eps));
          w.assign(tensor(base, w.shape, w.dtype));
          expectClose(analytic[wi], numeric, {
            rtol: dtype === 'float32' ? 5e-2 : 1e-5,
            atol: dtype === 'float32' ? 5e-3 : 1e-7,
            msg: w.name,
          });
        });
      }),
    ),
  );

  r.test(
    'golden: DropoutWrapper(LSTMCell(3)) under dynamicRnn, keep all and state keep 1e-6 (TF _testDropoutWrapper)',
    () =>
      withGraph(() =>
        tidy(() => {
          const run = (opts: object): [N, LSTMStateTuple] =>
            variableScope(
              'root',
              () => {
                const x = tensor([[[2, 2, 2]], [[1, 1, 1]]]);
                const m = new LSTMStateTuple(tensor([[0.1, 0.1, 0.1]]), tensor([[0.1, 0.1, 0.1]]));
                const [o, s] = dynamicRnn(new DropoutWrapper(new LSTMCell(3), opts), x, {
                  dtype: 'float32',
                  timeMajor: true,
                  initialState: m,
                  scope: 'root',
                });
                return [o, s as LSTMStateTuple];
              },
              { initializer: initializers.constant(0.5) },
            );
          const [o, s] = run({ inputKeepProb: 1, outputKeepProb: 1, stateKeepProb: 1 });
          const full = [0.751109, 0.751109, 0.751109, 0.895509, 0.895509, 0.895509];
          expectClose(o as Tensor, full, { rtol: 0, atol: 1e-6 });
          expectClose(s.h, full.slice(3), { rtol: 0, atol: 1e-6 });
          expectClose(s.c, [1.949385, 1.949385, 1.949385], { rtol: 0, atol: 1e-6 });
          const [o2, s2] = withGraph(() => run({ stateKeepProb: 1e-6, seed: 1 }));
          expectClose(slice(o2 as Tensor, [0, 0, 0], [1, 1, 3]), full.slice(0, 3), { rtol: 0, atol: 1e-6 });
          assert(Math.abs((o2 as Tensor).dataSync()[3] - 0.895509) > 1e-4, 'second output sees the dropped h');
          expectClose(s2.h, [0, 0, 0]);
          expectClose(s2.c, [1.713925, 1.713925, 1.713925], { rtol: 0, atol: 1e-6 });
        }),
      ),
  );

  r.test('variational DropoutWrapper: one mask per unit shared over time and batch, new masks per unroll', () =>
    withGraph(() =>
      tidy(() => {
        const cell = new DropoutWrapper(new BasicRNNCell(40), {
          outputKeepProb: 0.5,
          variationalRecurrent: true,
          seed: 9,
        });
        const x = rand([3, 5, 4], 1, 'float32');
        const pattern = (o: Tensor): string[] => {
          const a = o.arraySync() as number[][][];
          return a.flatMap((row) => row.map((step) => step.map((q) => (q === 0 ? '0' : '1')).join('')));
        };
        const p1 = pattern(dynamicRnn(cell, x, { dtype: 'float32' })[0] as Tensor);
        assert(
          new Set(p1).size === 1,
          `the same units are dropped at every step and row: ${[...new Set(p1)].join(' ')}`,
        );
        const dropped = [...p1[0]].filter((q) => q === '0').length;
        assert(dropped > 8 && dropped < 32, `about half of 40 units dropped, got ${dropped}`);
        const p2 = pattern(dynamicRnn(cell, x, { dtype: 'float32' })[0] as Tensor);
        assert(new Set(p2).size === 1 && p2[0] !== p1[0], 'a new unroll draws a new mask');
        expectNoLeak(
          () => dispose(dynamicRnn(cell, x, { dtype: 'float32' })),
          'variational masks are freed after the unroll',
        );
      }),
    ),
  );

  r.test('sequence lengths: 0 keeps the initial state and outputs zeros; > T runs T steps; negative acts as 0', () =>
    withGraph(() =>
      tidy(() => {
        const cell = new GRUCell(3);
        const x = rand([3, 4, 2], 2, 'float32'),
          h0 = rand([3, 3], 3, 'float32');
        const [o, s] = dynamicRnn(cell, x, { initialState: h0, sequenceLength: [0, 9, -2] });
        const [oT, sT] = dynamicRnn(cell, x, { initialState: h0, sequenceLength: [0, 4, 0] });
        expectClose(o as Tensor, oT as Tensor, { rtol: 0, atol: 0 });
        expectClose(s as Tensor, sT as Tensor, { rtol: 0, atol: 0 });
        expectClose(slice(s as Tensor, [0, 0], [1, 3]), slice(h0, [0, 0], [1, 3]), { rtol: 0, atol: 0 });
        expectClose(slice(o as Tensor, [0, 0, 0], [1, 4, 3]), Array(12).fill(0), { rtol: 0, atol: 0 });
        const [oAll0, sAll0] = dynamicRnn(cell, x, { initialState: h0, sequenceLength: [0, 0, 0] });
        expectClose(oAll0 as Tensor, zeros([3, 4, 3]));
        expectClose(sAll0 as Tensor, h0, { rtol: 0, atol: 0 });
        // Without lengths every row runs T steps.
        const [oNone] = dynamicRnn(cell, x, { initialState: h0 });
        expectClose(slice(oNone as Tensor, [1, 0, 0], [1, 4, 3]), slice(o as Tensor, [1, 0, 0], [1, 4, 3]));
      }),
    ),
  );

  r.test('zero time steps: empty outputs, the initial state, the cell still built', () =>
    withGraph(() =>
      tidy(() => {
        const cell = new LSTMCell(2);
        const [o, s] = dynamicRnn(cell, zeros([3, 0, 4]), { dtype: 'float32' });
        expectShape(o as Tensor, [3, 0, 2]);
        expectClose((s as LSTMStateTuple).h, zeros([3, 2]));
        assert(globalVariables().length === 2 && cell.weights[0].shape.join() === '6,8', 'weights built');
      }),
    ),
  );

  r.test('time-major equals batch-major; rank-4 inputs work; nested outputs stack per leaf', () =>
    withGraph(() =>
      tidy(() => {
        const cell = new LSTMCell(2, { kernelInitializer: initializers.glorotUniform({ seed: 1 }) });
        const x = rand([2, 3, 4], 5, 'float32');
        const [a] = dynamicRnn(cell, x, { dtype: 'float32', sequenceLength: [3, 1] });
        const xt = concat(
          unstack(x, 1).map((q) => reshape(q, [1, 2, 4])),
          0,
        );
        const [b] = dynamicRnn(cell, xt, { dtype: 'float32', timeMajor: true, sequenceLength: [3, 1], scope: 'rnn' });
        const bt = concat(
          unstack(b as Tensor, 0).map((q) => reshape(q, [2, 1, 2])),
          1,
        );
        expectClose(a as Tensor, bt);
        const flatCell = new ConcatInputsCell(new GRUCell(2));
        const x4 = rand([2, 3, 2, 2], 6, 'float32');
        const [o4] = dynamicRnn({ ...flatCellLike(flatCell) }, x4, { dtype: 'float32', scope: 'r4' });
        expectShape(o4 as Tensor, [2, 3, 2]);
      }),
    ),
  );

  r.test('bidirectional: fw output at t equals bw output at len-1-t on palindromes; padding stays right', (env) => {
    const dtype = floatType(env);
    fc.assert(
      fc.property(
        fc.record({
          batch: fc.integer({ min: 1, max: 3 }),
          time: fc.integer({ min: 1, max: 5 }),
          seed: fc.integer({ min: 1, max: 1e6 }),
          lens: fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 3, maxLength: 3 }),
          timeMajor: fc.boolean(),
        }),
        (p) =>
          withGraph(() =>
            tidy(() => {
              const { batch: B, time: T } = p;
              const lens = p.lens.slice(0, B).map((l) => Math.min(l, T));
              // Row b is a palindrome within its first lens[b] steps.
              const raw = ref.randMat(B * T, 2, p.seed);
              const vals = Array.from({ length: B }, (_, b) =>
                Array.from({ length: T }, (_, t) => raw[b * T + (t < lens[b] ? Math.min(t, lens[b] - 1 - t) : t)]),
              );
              const xb = tensor(vals, undefined, dtype);
              const x = p.timeMajor
                ? concat(
                    unstack(xb, 1).map((q) => reshape(q, [1, B, 2])),
                    0,
                  )
                : xb;
              const init = initializers.glorotUniform({ seed: 2 });
              const fwCell = new GRUCell(3, { kernelInitializer: init }),
                bwCell = new GRUCell(3, { kernelInitializer: init });
              const [[fw, bw], [sf, sb]] = bidirectionalDynamicRnn(fwCell, bwCell, x, {
                dtype,
                sequenceLength: lens,
                timeMajor: p.timeMajor,
              });
              assert(
                fwCell.weights[0].name === 'bidirectional_rnn/fw/gru_cell/gates/kernel' &&
                  bwCell.weights[0].name === 'bidirectional_rnn/bw/gru_cell/gates/kernel',
                'scopes',
              );
              const rows = (o: Tensor): number[][][] =>
                p.timeMajor ? unstack(o, 1).map((q) => q.arraySync() as number[][]) : (o.arraySync() as number[][][]);
              const f = rows(fw as Tensor),
                g = rows(bw as Tensor);
              for (let b = 0; b < B; b++) {
                for (let t = 0; t < T; t++) {
                  if (t < lens[b])
                    expectClose(f[b][t], g[b][lens[b] - 1 - t], { ...tol(dtype), msg: `row ${b} step ${t}` });
                  else {
                    expectClose(f[b][t], [0, 0, 0]);
                    expectClose(g[b][t], [0, 0, 0]);
                  }
                }
              }
              expectClose(sf as Tensor, sb as Tensor, tol(dtype));
            }),
          ),
      ),
      fcParams(env, 30),
    );
  });

  r.test('bidirectional without lengths reverses the whole sequence; bw sees the last step first', () =>
    withGraph(() =>
      tidy(() => {
        const init = initializers.glorotUniform({ seed: 3 });
        const x = rand([2, 3, 2], 8, 'float32');
        const [[, bw], [, sb]] = bidirectionalDynamicRnn(
          new BasicRNNCell(2, { kernelInitializer: init }),
          new BasicRNNCell(2, { kernelInitializer: init }),
          x,
          { dtype: 'float32' },
        );
        const [o, s] = dynamicRnn(new BasicRNNCell(2, { kernelInitializer: init }), reverse(x, 1), {
          dtype: 'float32',
          scope: 'plain',
        });
        expectClose(bw as Tensor, reverse(o as Tensor, 1));
        expectClose(sb as Tensor, s as Tensor);
      }),
    ),
  );

  r.test('rawRnn implementing dynamic_rnn (TF docstring example) equals dynamicRnn with lengths', () =>
    withGraph(() =>
      tidy(() => {
        const B = 3,
          T = 4;
        const x = rand([T, B, 2], 4, 'float32');
        const lens = [4, 1, 0];
        const xs = unstack(x, 0);
        const cell = new LSTMCell(3, { initializer: initializers.glorotUniform({ seed: 4 }) });
        const [emit, state, loopState] = rawRnn(cell, (time, cellOutput, cellState, loop) => {
          const finished = lens.map((l) => time >= l);
          const next = finished.every(Boolean) ? zeros([B, 2]) : xs[Math.min(time, T - 1)];
          return [
            finished,
            next,
            cellState ?? cell.zeroState(B),
            cellOutput,
            loop === null ? tensor(0) : add(loop as Tensor, 1),
          ];
        });
        const [o, s] = dynamicRnn(cell, x, { dtype: 'float32', timeMajor: true, sequenceLength: lens });
        expectClose(emit as Tensor, o as Tensor);
        expectClose((state as LSTMStateTuple).c, (s as LSTMStateTuple).c);
        expectClose((state as LSTMStateTuple).h, (s as LSTMStateTuple).h);
        expectClose(loopState as Tensor, [4]);
        expectThrows(() => rawRnn(cell, (() => [1]) as never), TypeError, /loopFn must return/);
      }),
    ),
  );

  r.test('the unroll is one slice and reshape per input per step: no transposes, constant kernels per step', () =>
    withGraph(() =>
      tidy(() => {
        const cell = new GRUCell(3);
        const kernels = (T: number): string[] => {
          const inp = rand([2, T, 3], 1, 'float32');
          const tr = trace((xx: Tensor) => {
            const [o] = dynamicRnn(cell, xx, { dtype: 'float32', sequenceLength: [2, T] });
            return sum(o as Tensor);
          }, inp);
          return tr.nodes.map((q) => q.op);
        };
        // Plain per-step calls: one input slice and the two gate splits. Hoisted: one slice of the
        // projected inputs, its split into gate and candidate columns, the two gate splits. The fused
        // GRUBlock reads u itself: one gate slice (r) fewer.
        const fused = ENGINE.hasFused('GRUBlock');
        for (const [hoistInputs, fusedKernels, slicesPerStep] of [
          [false, false, 3],
          [true, false, 5],
          [false, true, fused ? 2 : 3],
          [true, true, fused ? 4 : 5],
        ] as const) {
          withFastPaths({ hoistInputs, fusedKernels, fusedSequence: false }, () => {
            const [k5, k9, k13] = [kernels(5), kernels(9), kernels(13)];
            assert(!k13.includes('Transpose'), `no transposes: ${k13.join(' ')}`);
            assert(
              k9.length - k5.length === k13.length - k9.length,
              `kernels grow linearly with the steps: ${k5.length}, ${k9.length}, ${k13.length}`,
            );
            const perStep = (k13.length - k9.length) / 4;
            const slices = (k: string[]): number => k.filter((q) => q === 'Slice').length;
            const got = (slices(k13) - slices(k9)) / 4;
            assert(
              got === slicesPerStep,
              `hoistInputs ${hoistInputs}: ${slicesPerStep} slices per step, got ${got} of ${perStep}`,
            );
            const matmuls = (k: string[]): number => k.filter((q) => q === 'BatchMatMul').length;
            // Hoisted, the input's matmul runs once for all steps: the per-step count stays 2 (h Wg, (r h) Wc).
            assert(
              (matmuls(k13) - matmuls(k9)) / 4 === 2,
              `two matmuls per step, got ${(matmuls(k13) - matmuls(k9)) / 4}`,
            );
          });
        }
      }),
    ),
  );

  r.test(
    'LSTM and GRU under a tape: the recurrence is one tape node per layer (constant in T) with the fused backward kernels; no leaks',
    () =>
      withGraph(() => {
        const cell = new BasicLSTMCell(3);
        const nodes = (T: number, lens?: number[]): string[] =>
          tidy(() => {
            const x = rand([2, T, 2], 1, 'float32');
            return trace(
              (xx: Tensor) => sum(dynamicRnn(cell, xx, { dtype: 'float32', sequenceLength: lens })[0] as Tensor),
              x,
            ).nodes.map((q) => q.op);
          });
        if (ENGINE.hasFused('LSTMBlock') && ENGINE.hasFused('LSTMBlockGrad')) {
          const [a, b] = [nodes(3), nodes(7, [7, 2])];
          assert(a.length === b.length, `same tape for 3 and 7 steps: ${a.join(' ')} | ${b.join(' ')}`);
          assert(!a.includes('LSTMBlock'), `the steps are inside one node: ${a.join(' ')}`);
        }
        // A MultiRNNCell of LSTM cells runs layer by layer: one node per layer.
        const multi = new MultiRNNCell([new BasicLSTMCell(3), new LSTMCell(2)]);
        // The ops on the tape of sum(outputs) for a batch of rows T and 1 steps long.
        const tapeOps = (cell: RNNCell, scope: string, seed: number, T: number): string[] =>
          tidy(() =>
            trace(
              (xx: Tensor) =>
                sum(dynamicRnn(cell, xx, { dtype: 'float32', sequenceLength: [T, 1], scope })[0] as Tensor),
              rand([2, T, 2], seed, 'float32'),
            ).nodes.map((q) => q.op),
          );
        const multiNodes = (T: number): string[] => tapeOps(multi, 'm', 2, T);
        if (ENGINE.hasFused('LSTMBlock') && ENGINE.hasFused('LSTMBlockGrad')) {
          const [a, b] = [multiNodes(2), multiNodes(6)];
          assert(
            a.length === b.length && !a.includes('LSTMBlock'),
            `same tape for 2 and 6 steps: ${a.join(' ')} | ${b.join(' ')}`,
          );
        }
        const gru = new GRUCell(3);
        const gruNodes = (T: number): string[] => tapeOps(gru, 'g', 3, T);
        if (ENGINE.hasFused('GRUBlock') && ENGINE.hasFused('GRUBlockGrad')) {
          const [a, b] = [gruNodes(2), gruNodes(6)];
          assert(
            a.length === b.length && !a.includes('GRUBlock'),
            `same GRU tape for 2 and 6 steps: ${a.join(' ')} | ${b.join(' ')}`,
          );
        }
        const off = withFastPaths({ fusedSequence: false }, () => nodes(7));
        assert(
          off.filter((q) => q === 'BatchMatMul').length === 8,
          `per-step path: 7 recurrent matmuls and the projection: ${off.join(' ')}`,
        );
        const x = ones([3, 5, 2]);
        const loss = (xx: Tensor): Tensor =>
          sum(dynamicRnn(cell, xx, { dtype: 'float32', sequenceLength: [5, 2, 0] })[0] as Tensor);
        dispose(grads(loss)(x));
        expectNoLeak(() => dispose(grads(loss)(x)), 'first-order gradients');
        expectNoLeak(() => dispose(grads((xx: Tensor) => sum(grads(loss)(xx)[0]))(x)), 'second-order gradients');
        const gruLoss = (xx: Tensor): Tensor =>
          sum(dynamicRnn(gru, xx, { dtype: 'float32', sequenceLength: [5, 2, 0], scope: 'g' })[0] as Tensor);
        dispose(grads(gruLoss)(x));
        expectNoLeak(() => dispose(grads(gruLoss)(x)), 'GRU gradients');
        x.dispose();
      }),
  );

  r.test(
    'rnnPath: the one dispatch predicate picks the path the switches, the cell, the inputs, the tape and the kernels allow',
    () =>
      withGraph(() =>
        tidy(() => {
          const x = zeros([2, 3, 2]);
          const lstm = ENGINE.hasFused('LSTMBlock') && ENGINE.hasFused('LSTMBlockGrad');
          const gru = ENGINE.hasFused('GRUBlock') && ENGINE.hasFused('GRUBlockGrad');
          const underTape = (f: () => string): string => {
            let p = '';
            grads((xx: Tensor) => {
              p = f();
              return sum(xx);
            })(x);
            return p;
          };
          const basic = new BasicLSTMCell(2);
          const stack2 = (): MultiRNNCell => new MultiRNNCell([new BasicLSTMCell(2), new LSTMCell(2)]);
          const cases: [string, string, string][] = [
            ['BasicRNNCell, no tape', rnnPath(new BasicRNNCell(2), x, {}), 'hoisted'],
            ['BasicLSTMCell, no tape', rnnPath(basic, x, {}), 'hoisted'],
            ['BasicLSTMCell under a tape', underTape(() => rnnPath(basic, x, {})), lstm ? 'sequence' : 'hoisted'],
            ['... with swapMemory', underTape(() => rnnPath(basic, x, { swapMemory: true })), 'hoisted'],
            [
              '... fusedSequence off',
              underTape(() => withFastPaths({ fusedSequence: false }, () => rnnPath(basic, x, {}))),
              'hoisted',
            ],
            [
              '... fusedKernels off',
              underTape(() => withFastPaths({ fusedKernels: false }, () => rnnPath(basic, x, {}))),
              'hoisted',
            ],
            [
              '... hoistInputs off',
              underTape(() => withFastPaths({ hoistInputs: false }, () => rnnPath(basic, x, {}))),
              'steps',
            ],
            ['... inputs a nest', underTape(() => rnnPath(basic, [x], {})), 'steps'],
            ['... inputs of rank 4', underTape(() => rnnPath(basic, reshape(x, [2, 3, 1, 2]), {})), 'steps'],
            [
              'BasicLSTMCell with relu under a tape',
              underTape(() => rnnPath(new BasicLSTMCell(2, { activation: (t) => t }), x, {})),
              'hoisted',
            ],
            [
              'LSTMCell with peepholes under a tape',
              underTape(() => rnnPath(new LSTMCell(2, { usePeepholes: true }), x, {})),
              'hoisted',
            ],
            ['GRUCell under a tape', underTape(() => rnnPath(new GRUCell(2), x, {})), gru ? 'sequence' : 'hoisted'],
            [
              'MultiRNNCell of LSTMs under a tape',
              underTape(() => rnnPath(stack2(), x, {})),
              lstm ? 'layers' : 'hoisted',
            ],
            [
              '... state not a tuple',
              underTape(() =>
                rnnPath(
                  new MultiRNNCell([new BasicLSTMCell(2, { stateIsTuple: false })], { stateIsTuple: false }),
                  x,
                  {},
                ),
              ),
              'hoisted',
            ],
            [
              '... an upper cell wrapped',
              underTape(() =>
                rnnPath(new MultiRNNCell([new BasicLSTMCell(2), new DropoutWrapper(new BasicLSTMCell(2))]), x, {}),
              ),
              'hoisted',
            ],
            ['DropoutWrapper(LSTM)', underTape(() => rnnPath(new DropoutWrapper(basic), x, {})), 'steps'],
          ];
          const wrong = cases
            .filter(([, got, want]) => got !== want)
            .map(([what, got, want]) => `${what}: ${got}, expected ${want}`);
          assert(wrong.length === 0, wrong.join('; '));
        }),
      ),
  );

  r.test(
    'the whole-sequence LSTM and GRU nodes in chunks of steps equal the step loop: gradients of inputs, state and weights',
    (env) =>
      withGraph(() =>
        tidy(() => {
          const dtype = floatType(env);
          const [B, T, D] = [2, 9, 3];
          const x = rand([B, T, D], 5, dtype);
          for (const cell of [new BasicLSTMCell(4, { forgetBias: 0.5 }), new LSTMCell(3), new GRUCell(3)]) {
            dynamicRnn(cell, x, { dtype });
            randomizeWeights(cell, 11);
            const state0 = nest.mapStructure((s: Tensor) => rand(s.shape, 13, dtype), cell.zeroState(B, dtype));
            const sources = [x, ...leaves(state0), ...cell.weights];
            for (const lens of [undefined, [9, 4], [3, 0]]) {
              const loss = (...xs: Tensor[]): Tensor => {
                const [o, s] = dynamicRnn(cell, xs[0], {
                  initialState: nest.packSequenceAs(state0, xs.slice(1, 1 + leaves(state0).length)),
                  sequenceLength: lens,
                });
                return lossOf(o, s, 17);
              };
              const want = withFastPaths({ fusedSequence: false }, () => grads(loss)(...sources));
              // 4 rows: chunks of 2 steps (the last one 1 step); 1000: one chunk.
              for (const sequenceChunkRows of [4, 1000]) {
                const got = withFastPaths({ sequenceChunkRows }, () => grads(loss)(...sources));
                got.forEach((g, i) =>
                  expectClose(g, want[i], {
                    ...tol(dtype),
                    msg: `${cell.constructor.name}, lengths ${String(lens)}, ${sequenceChunkRows} rows: gradient ${i}`,
                  }),
                );
              }
            }
          }
        }),
      ),
  );

  r.test(
    'no leaks: forward and gradients free everything but their results; per-step temporaries are freed during the loop',
    () =>
      withGraph(() => {
        const inner = new LSTMCell(4, { usePeepholes: true });
        const counts: number[] = [];
        const probe = new ConcatInputsCell(inner);
        const origCall = probe.call.bind(probe);
        probe.call = (i, s) => {
          counts.push(memory().numTensors);
          return origCall(i, s);
        };
        const x = ones([2, 8, 3]);
        dispose(dynamicRnn(probe, x, { dtype: 'float32', sequenceLength: [8, 3] }));
        counts.length = 0;
        expectNoLeak(() => dispose(dynamicRnn(probe, x, { dtype: 'float32', sequenceLength: [8, 3] })), 'forward');
        // Per step only the output (kept for stacking) adds up. Step 0 also keeps c (the zero state
        // stays); step 3, the first masked one, creates the mask and zero scalar reused later, and its
        // state h becomes a masked copy while the previous h stays as an output.
        const growth = counts.slice(1).map((c, i) => c - counts[i]);
        assert(growth.join() === '2,1,1,4,1,1,1', `live tensors per step: ${growth}`);
        expectNoLeak(
          () =>
            dispose(
              grads((xx: Tensor) =>
                sum(dynamicRnn(probe, xx, { dtype: 'float32', sequenceLength: [8, 3] })[0] as Tensor),
              )(x),
            ),
          'gradients',
        );
        x.dispose();
      }),
  );

  r.test('swapMemory hands the activations kept for backprop to backend.offload; results unchanged', () =>
    withGraph(() =>
      tidy(() => {
        const cell = new LSTMCell(3);
        const x = rand([2, 4, 3], 3, 'float32');
        const f = (swapMemory: boolean) =>
          grads((xx: Tensor) =>
            sum(dynamicRnn(cell, xx, { dtype: 'float32', swapMemory, sequenceLength: [4, 2] })[0] as Tensor),
          )(x)[0];
        const plain = f(false);
        const backend = ENGINE.backend as { offload?: (id: object) => void };
        const original = backend.offload;
        const offloaded: object[] = [];
        backend.offload = (id) => {
          offloaded.push(id);
          original?.call(backend, id);
        };
        try {
          const swapped = f(true);
          expectClose(swapped, plain);
          assert(offloaded.length >= 4, `activations of every step offloaded, got ${offloaded.length}`);
          offloaded.length = 0;
          dispose(dynamicRnn(cell, x, { dtype: 'float32', swapMemory: true }));
          assert(offloaded.length === 0, 'without a tape nothing is kept, so nothing is offloaded');
        } finally {
          if (original) backend.offload = original;
          else delete backend.offload;
        }
      }),
    ),
  );

  r.test('errors exactly where TF raises them (and where it only promised to)', () =>
    withGraph(() =>
      tidy(() => {
        const cell = new GRUCell(2);
        const x = ones([2, 3, 4]);
        expectThrows(
          () => dynamicRnn({} as never, x, { dtype: 'float32' }),
          TypeError,
          /'cell'.*is not an RNNCell: 'outputSize' property is missing/,
        );
        expectThrows(
          () => dynamicRnn(cell, null as never, { dtype: 'float32' }),
          ValueError,
          /inputs must not be null/,
        );
        expectThrows(() => dynamicRnn(cell, [] as never, { dtype: 'float32' }), ValueError, /inputs must not be empty/);
        expectThrows(() => dynamicRnn(cell, {}, { dtype: 'float32' }), ValueError, /inputs must not be empty/);
        expectThrows(() => dynamicRnn(cell, ones([2, 3]), { dtype: 'float32' }), ValueError, /rank at least 3/);
        expectThrows(
          () => dynamicRnn(cell, [x, ones([3, 3, 1])], { dtype: 'float32' }),
          ValueError,
          /Batch_size is not the same/,
        );
        expectThrows(
          () => dynamicRnn(cell, [x, ones([2, 4, 1])], { dtype: 'float32' }),
          ValueError,
          /Time steps is not the same/,
        );
        expectThrows(
          () => dynamicRnn(cell, ones([2, 3, 4], 'int32'), { dtype: 'float32' }),
          ValueError,
          /only supports floating point inputs, but saw dtype: int32/,
        );
        expectThrows(() => dynamicRnn(cell, x), ValueError, /If there is no initial_state, you must give a dtype/);
        expectThrows(
          () => dynamicRnn(cell, x, { dtype: 'float32', sequenceLength: tensor([[1, 2]], undefined, 'int32') }),
          ValueError,
          /sequence_length must be a vector of length batch_size, but saw shape: \[1,2\]/,
        );
        expectThrows(
          () => dynamicRnn(cell, x, { dtype: 'float32', sequenceLength: [1, 2, 3] }),
          ValueError,
          /sequence_length is \[batch_size\] = \[2\]/,
        );
        expectThrows(
          () => dynamicRnn(cell, x, { dtype: 'float32', parallelIterations: 0 }),
          ValueError,
          /parallelIterations must be a positive integer/,
        );
        expectThrows(
          () => dynamicRnn(cell, x, { dtype: 'float32', parallelIterations: 1.5 }),
          ValueError,
          /positive integer/,
        );
        expectThrows(() => dynamicRnn(cell, x, { initialState: ones([3, 2]) }), ValueError, /batch size 2/);
        expectThrows(
          () => dynamicRnn(cell, x, { initialState: ones([2, 2], 'int32') }),
          ValueError,
          /inputs are float32 but the state is int32/,
        );
        expectThrows(
          () =>
            dynamicRnn(new LSTMCell(2), x, { initialState: new LSTMStateTuple(ones([2, 2]), ones([2, 2], 'int32')) }),
          ValueError,
          /different inferred_dtypes/,
        );
        expectThrows(() => staticRnn(cell, x as never, { dtype: 'float32' }), TypeError, /inputs must be a sequence/);
        expectThrows(() => staticRnn(cell, [], { dtype: 'float32' }), ValueError, /inputs must not be empty/);
        expectThrows(() => staticRnn(cell, [ones([2])], { dtype: 'float32' }), ValueError, /rank at least 2/);
        expectThrows(() => bidirectionalDynamicRnn(cell, 5 as never, x, { dtype: 'float32' }), TypeError, /'cellBw'/);
        expectThrows(
          () =>
            bidirectionalDynamicRnn(new GRUCell(2), new GRUCell(2), x, { dtype: 'float32', sequenceLength: [1, 4] }),
          ValueError,
          /sequenceLength\[1\] = 4 must be in \[0, 3\]/,
        );
      }),
    ),
  );

  r.test('staticRnn: lists in, lists out; steps past every length are zeros; dtype float64 when available', (env) =>
    withGraph(() =>
      tidy(() => {
        const dtype = floatType(env);
        const cell = new BasicRNNCell(2);
        const xs = [0, 1, 2].map((t) => rand([2, 3], t, dtype));
        const [outs, s] = staticRnn(cell, xs, { dtype, sequenceLength: [1, 2] });
        assert(outs.length === 3, 'one output per step');
        expectClose(outs[2] as Tensor, zeros([2, 2], dtype));
        expectClose(slice(s as Tensor, [1, 0], [1, 2]), slice(outs[1] as Tensor, [1, 0], [1, 2]));
        expectClose(slice(s as Tensor, [0, 0], [1, 2]), slice(outs[0] as Tensor, [0, 0], [1, 2]));
        assert((s as Tensor).dtype === dtype && cell.weights[0].dtype === dtype, 'weights in the inputs dtype');
        assert(ones([1]).dtype === 'float32' && ENGINE.backend !== undefined, 'sanity');
      }),
    ),
  );
};

/** A plain object with the cell's members: dynamicRnn duck-types cells as TF does. */
function flatCellLike(cell: ConcatInputsCell) {
  return {
    stateSize: cell.stateSize,
    outputSize: cell.outputSize,
    zeroState: (b: number, d?: DType) => cell.zeroState(b, d),
    call: (i: N, s: N) =>
      cell.call(
        nest.mapStructure((t: Tensor) => reshape(t, [t.shape[0], -1]), i),
        s,
      ),
  };
}
