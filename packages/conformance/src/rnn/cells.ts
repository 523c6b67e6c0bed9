/**
 * Cells: one step against the float64 reference equations (reference.ts), TF's published golden
 * values (tf1-rnn-semantics.md section 5), TF1 variable names and layouts, wrappers, errors.
 */
import fc from 'fast-check';
import { concat, dispose, ones, tensor, tidy, zeros, Tensor, ValueError, type DType } from '@tapeflow/core';
import {
  BasicLSTMCell,
  BasicRNNCell,
  DropoutWrapper,
  GRUCell,
  LSTMCell,
  LSTMStateTuple,
  MultiRNNCell,
  ResidualWrapper,
  dynamicRnn,
  globalVariables,
  initializers,
  variableScope,
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
const half = { initializer: initializers.constant(0.5) };

export const cellSuite: SuiteDef = (r: Registry) => {
  r.test('property: one step of every cell equals the float64 reference equations', (env) => {
    const kinds = ['basicRnn', 'basicLstm', 'basicLstmConcat', 'lstm', 'gru'] as const;
    fc.assert(
      fc.property(
        fc.record({
          kind: fc.constantFrom(...kinds),
          batch: fc.integer({ min: 1, max: 3 }),
          depth: fc.integer({ min: 1, max: 4 }),
          units: fc.integer({ min: 1, max: 4 }),
          peep: fc.boolean(),
          clip: fc.constantFrom(undefined, 0, 0.4, 5),
          proj: fc.constantFrom(undefined, 1, 3),
          projClip: fc.constantFrom(undefined, 0.2),
          tuple: fc.boolean(),
          forgetBias: fc.constantFrom(0, 1, 0.25),
          seed: fc.integer({ min: 1, max: 1e6 }),
          f64: fc.boolean(),
        }),
        (p) =>
          withGraph(() =>
            tidy(() => {
              const dtype: DType = env.float64 && p.f64 ? 'float64' : 'float32';
              const { batch: B, depth: D, units: n } = p;
              const hSize = p.kind === 'lstm' ? (p.proj ?? n) : n;
              const cell: RNNCell =
                p.kind === 'basicRnn'
                  ? new BasicRNNCell(n)
                  : p.kind === 'gru'
                    ? new GRUCell(n)
                    : p.kind === 'lstm'
                      ? new LSTMCell(n, {
                          usePeepholes: p.peep,
                          cellClip: p.clip,
                          numProj: p.proj,
                          projClip: p.proj ? p.projClip : undefined,
                          forgetBias: p.forgetBias,
                          stateIsTuple: p.tuple,
                        })
                      : new BasicLSTMCell(n, { forgetBias: p.forgetBias, stateIsTuple: p.kind === 'basicLstm' });
              const x = ref.randMat(B, D, p.seed),
                c = ref.randMat(B, n, p.seed + 1),
                h = ref.randMat(B, hSize, p.seed + 2);
              const isLstm = p.kind.includes('stm');
              const tuple = isLstm && (p.kind === 'basicLstm' || (p.kind === 'lstm' && p.tuple));
              const state = !isLstm
                ? tensor(h, undefined, dtype)
                : tuple
                  ? new LSTMStateTuple(tensor(c, undefined, dtype), tensor(h, undefined, dtype))
                  : tensor(
                      c.map((row, i) => [...row, ...h[i]]),
                      undefined,
                      dtype,
                    );
              cell.call(tensor(x, undefined, dtype), state); // builds
              randomizeWeights(cell, p.seed);
              const [out, next] = cell.call(tensor(x, undefined, dtype), state);
              const w = cell.weights;
              const byName = (s: string): Tensor => w.find((q) => q.name.endsWith(s))!;
              let wantOut: ref.Mat, wantState: ref.Mat[];
              if (p.kind === 'basicRnn') {
                wantOut = ref.basicRnn(x, h, m(w[0]), v(w[1]));
                wantState = [wantOut];
              } else if (p.kind === 'gru') {
                wantOut = ref.gru(x, h, m(w[0]), v(w[1]), m(w[2]), v(w[3]));
                wantState = [wantOut];
              } else {
                const lw: ref.LstmWeights = { K: m(byName('/kernel')), b: v(byName('/bias')) };
                if (p.kind === 'lstm' && p.peep)
                  lw.peep = { f: v(byName('w_f_diag')), i: v(byName('w_i_diag')), o: v(byName('w_o_diag')) };
                if (p.kind === 'lstm' && p.proj) lw.P = m(byName('projection/kernel'));
                const clips = p.kind === 'lstm' ? { cellClip: p.clip, projClip: p.proj ? p.projClip : undefined } : {};
                const [c2, m2] = ref.lstm(x, c, h, { ...lw, K: m(w[0]) }, { forgetBias: p.forgetBias, ...clips });
                wantOut = m2;
                wantState = tuple ? [c2, m2] : [c2.map((row, i) => [...row, ...m2[i]])];
              }
              expectShape(out as Tensor, [B, hSize]);
              expectClose(out as Tensor, wantOut.flat(), { ...tol(dtype), msg: `${p.kind} output` });
              const got = tuple ? [(next as LSTMStateTuple).c, (next as LSTMStateTuple).h] : [next as Tensor];
              got.forEach((g, i) =>
                expectClose(g, wantState[i].flat(), { ...tol(dtype), msg: `${p.kind} state ${i}` }),
              );
            }),
          ),
      ),
      fcParams(env, 150),
    );
  });

  r.test('golden: GRUCell(2) with 0.5 kernels (TF testGRUCell)', () =>
    withGraph(() =>
      variableScope(
        'root',
        () =>
          tidy(() => {
            const [a] = new GRUCell(2).call(tensor([[1, 1]]), tensor([[0.1, 0.1]]));
            expectClose(a as Tensor, [0.175991, 0.175991], { rtol: 0, atol: 1e-6 });
            const [b] = new GRUCell(2).call(tensor([[1, 1, 1]]), tensor([[0.1, 0.1]]));
            expectClose(b as Tensor, [0.156736, 0.156736], { rtol: 0, atol: 1e-6 });
          }),
        half,
      ),
    ),
  );

  r.test('golden: MultiRNNCell of two GRUCell(2), concatenated state (TF testMultiRNNCell)', () =>
    withGraph(() =>
      variableScope(
        'root',
        () =>
          tidy(() => {
            const cell = new MultiRNNCell([new GRUCell(2), new GRUCell(2)], { stateIsTuple: false });
            const [out, state] = cell.call(tensor([[1, 1]]), tensor([[0.1, 0.1, 0.1, 0.1]]));
            expectClose(state as Tensor, [0.175991, 0.175991, 0.13248, 0.13248], { rtol: 0, atol: 1e-6 });
            expectClose(out as Tensor, [0.13248, 0.13248], { rtol: 0, atol: 1e-6 });
          }),
        half,
      ),
    ),
  );

  r.test('golden: MultiRNNCell of two BasicLSTMCell(2, stateIsTuple false) (TF testBasicLSTMCell)', () =>
    withGraph(() =>
      variableScope(
        'root',
        () =>
          tidy(() => {
            const cell = new MultiRNNCell(
              [0, 1].map(() => new BasicLSTMCell(2, { stateIsTuple: false })),
              { stateIsTuple: false },
            );
            const [out, state] = cell.call(tensor([[1, 1]]), tensor([Array(8).fill(0.1)]));
            expectClose(out as Tensor, [0.24024698, 0.24024698], { rtol: 0, atol: 1e-6 });
            expectClose(
              state as Tensor,
              [0.68967271, 0.68967271, 0.44848421, 0.44848421, 0.39897051, 0.39897051, 0.24024698, 0.24024698],
              { rtol: 0, atol: 1e-6 },
            );
            assert(
              globalVariables()
                .map((q) => q.name)
                .join() ===
                'root/multi_rnn_cell/cell_0/basic_lstm_cell/kernel,root/multi_rnn_cell/cell_0/basic_lstm_cell/bias,' +
                  'root/multi_rnn_cell/cell_1/basic_lstm_cell/kernel,root/multi_rnn_cell/cell_1/basic_lstm_cell/bias',
              'variable names',
            );
          }),
        half,
      ),
    ),
  );

  r.test('TF1 variable names, shapes and default initializers under dynamicRnn', () =>
    withGraph(() =>
      tidy(() => {
        const x = ones([2, 3, 5]);
        const names = (): string =>
          globalVariables()
            .map((q) => `${q.name}[${q.shape}]`)
            .join(' ');
        dynamicRnn(new LSTMCell(4, { usePeepholes: true, numProj: 2 }), x, { dtype: 'float32' });
        assert(
          names() ===
            'rnn/lstm_cell/kernel[7,16] rnn/lstm_cell/bias[16] rnn/lstm_cell/w_f_diag[4] rnn/lstm_cell/w_i_diag[4] ' +
              'rnn/lstm_cell/w_o_diag[4] rnn/lstm_cell/projection/kernel[4,2]',
          names(),
        );
        const [kernel, bias] = globalVariables();
        const limit = Math.sqrt(6 / (7 + 16));
        const k = Array.from(kernel.dataSync());
        assert(
          k.every((q) => Math.abs(q) <= limit) && Math.max(...k.map(Math.abs)) > 0.8 * limit,
          `kernel is glorot-uniform within ±${limit}`,
        );
        expectClose(bias, Array(16).fill(0));
      }),
    ),
  );

  r.test('TF1 variable names: GRU gates/candidate (gates bias 1), MultiRNNCell cell_i, wrappers add no scope', () =>
    withGraph(() =>
      tidy(() => {
        const x = ones([1, 2, 3]);
        const gru = new GRUCell(2);
        dynamicRnn(gru, x, { dtype: 'float32', scope: 'g' });
        assert(
          gru.weights.map((q) => q.name).join() ===
            'g/gru_cell/gates/kernel,g/gru_cell/gates/bias,g/gru_cell/candidate/kernel,g/gru_cell/candidate/bias',
          'gru names',
        );
        expectClose(gru.weights[1], [1, 1, 1, 1]);
        expectClose(gru.weights[3], [0, 0]);
        const multi = new MultiRNNCell([new DropoutWrapper(new LSTMCell(2)), new ResidualWrapper(new BasicRNNCell(2))]);
        dynamicRnn(multi, x, { dtype: 'float32' });
        assert(
          multi.weights.map((q) => q.name).join() ===
            'rnn/multi_rnn_cell/cell_0/lstm_cell/kernel,rnn/multi_rnn_cell/cell_0/lstm_cell/bias,' +
              'rnn/multi_rnn_cell/cell_1/basic_rnn_cell/kernel,rnn/multi_rnn_cell/cell_1/basic_rnn_cell/bias',
          multi.weights.map((q) => q.name).join(),
        );
        // Plain cells at the bottom take dynamicRnn's hoisted-input path: the upper cells, built
        // during the first step, must still land under multi_rnn_cell/cell_i.
        const stack = new MultiRNNCell([new LSTMCell(2), new GRUCell(2), new BasicRNNCell(2)]);
        dynamicRnn(stack, x, { dtype: 'float32', scope: 'm' });
        const got = stack.weights.map((q) => q.name).join();
        assert(
          got ===
            'm/multi_rnn_cell/cell_0/lstm_cell/kernel,m/multi_rnn_cell/cell_0/lstm_cell/bias,' +
              'm/multi_rnn_cell/cell_1/gru_cell/gates/kernel,m/multi_rnn_cell/cell_1/gru_cell/gates/bias,' +
              'm/multi_rnn_cell/cell_1/gru_cell/candidate/kernel,m/multi_rnn_cell/cell_1/gru_cell/candidate/bias,' +
              'm/multi_rnn_cell/cell_2/basic_rnn_cell/kernel,m/multi_rnn_cell/cell_2/basic_rnn_cell/bias',
          got,
        );
      }),
    ),
  );

  r.test('variable names: a second cell in a scope gets lstm_cell_1; a reused cell keeps its weights', () =>
    withGraph(() =>
      tidy(() => {
        const x = ones([1, 3]),
          s = new LSTMStateTuple(zeros([1, 2]), zeros([1, 2]));
        const a = new LSTMCell(2),
          b = new LSTMCell(2);
        variableScope('root', () => {
          a.call(x, s);
          b.call(x, s);
          a.call(x, s);
        });
        assert(
          a.weights[0].name === 'root/lstm_cell/kernel' && b.weights[0].name === 'root/lstm_cell_1/kernel',
          `${a.weights[0].name} ${b.weights[0].name}`,
        );
        const count = globalVariables().length;
        dynamicRnn(a, ones([1, 2, 3]), { dtype: 'float32', scope: 'elsewhere' });
        assert(
          globalVariables().length === count && a.weights[0].name === 'root/lstm_cell/kernel',
          'reuse creates nothing',
        );
        // TF1: two dynamicRnn calls with new cells in the same default scope collide.
        dynamicRnn(new GRUCell(2), ones([1, 2, 3]), { dtype: 'float32' });
        expectThrows(
          () => dynamicRnn(new GRUCell(2), ones([1, 2, 3]), { dtype: 'float32' }),
          ValueError,
          /rnn\/gru_cell\/gates\/kernel already exists/,
        );
      }),
    ),
  );

  r.test('MultiRNNCell([cell, cell]) shares one set of weights and fails on a different input depth (TF #12581)', () =>
    withGraph(() =>
      tidy(() => {
        const cell = new GRUCell(3);
        const shared = new MultiRNNCell([cell, cell]);
        dynamicRnn(shared, ones([1, 2, 3]), { dtype: 'float32' });
        assert(shared.weights.length === 4, 'one set of GRU weights');
        const other = new GRUCell(3);
        expectThrows(
          () => dynamicRnn(new MultiRNNCell([other, other]), ones([1, 2, 5]), { dtype: 'float32', scope: 's' }),
          ValueError,
          /depth 3.*built for depth 5/,
        );
      }),
    ),
  );

  r.test('stateIsTuple false equals the tuple state, concatenated [c, h]', () =>
    withGraph(() =>
      tidy(() => {
        const x = tensor(ref.randMat(2, 3, 7)),
          c = tensor(ref.randMat(2, 4, 8)),
          h = tensor(ref.randMat(2, 2, 9));
        const init = initializers.glorotUniform({ seed: 3 });
        const a = new LSTMCell(4, { numProj: 2, usePeepholes: true, initializer: init });
        const b = new LSTMCell(4, { numProj: 2, usePeepholes: true, initializer: init, stateIsTuple: false });
        const [oa, sa] = a.call(x, new LSTMStateTuple(c, h));
        const [ob, sb] = b.call(x, concat([c, h], 1));
        expectClose(ob as Tensor, oa as Tensor);
        expectClose(sb as Tensor, concat([(sa as LSTMStateTuple).c, (sa as LSTMStateTuple).h], 1));
      }),
    ),
  );

  r.test('DropoutWrapper: keep 1 is the bare cell; output masks are 0 or 1/keep; seeds reproduce', () =>
    withGraph(() =>
      tidy(() => {
        const x = tensor(ref.randMat(4, 3, 1)),
          h = tensor(ref.randMat(4, 16, 2));
        const inner = new GRUCell(16, { kernelInitializer: initializers.glorotUniform({ seed: 1 }) });
        const [bare] = inner.call(x, h);
        const [same] = new DropoutWrapper(inner).call(x, h);
        expectClose(same as Tensor, bare as Tensor);
        const keep = 0.6;
        const [o1] = new DropoutWrapper(inner, { outputKeepProb: keep, seed: 5 }).call(x, h);
        const [o2] = new DropoutWrapper(inner, { outputKeepProb: keep, seed: 5 }).call(x, h);
        const [o3] = new DropoutWrapper(inner, { outputKeepProb: keep, seed: 6 }).call(x, h);
        expectClose(o2 as Tensor, o1 as Tensor, { rtol: 0, atol: 0 });
        const a = (o1 as Tensor).dataSync(),
          b = (bare as Tensor).dataSync(),
          c3 = (o3 as Tensor).dataSync();
        let dropped = 0;
        a.forEach((q, i) => {
          if (q === 0) dropped++;
          else assert(Math.abs(q - b[i] / keep) < 1e-5, `kept value ${q} = ${b[i]} / ${keep}`);
        });
        assert(dropped > 0.15 * a.length && dropped < 0.65 * a.length, `about 40% dropped, got ${dropped}/${a.length}`);
        assert(
          c3.some((q, i) => (q === 0) !== (a[i] === 0)),
          'another seed draws another mask',
        );
        // A tiny input keep (TF's tests use 1e-6: 0 itself is rejected) feeds the cell zeros.
        const [zin] = new DropoutWrapper(inner, { inputKeepProb: 1e-6, seed: 3 }).call(x, h);
        expectClose(zin as Tensor, inner.call(zeros([4, 3]), h)[0] as Tensor);
        // TF1's dropout raises for keep_prob 0 when the graph is built: here, when the cell is called.
        const none = new DropoutWrapper(inner, { outputKeepProb: 0 });
        expectThrows(() => none.call(x, h), ValueError, /DropoutWrapper: outputKeepProb is 0/, /\(0, 1\]/);
        expectThrows(
          () => new DropoutWrapper(inner, { stateKeepProb: 1.5 }),
          ValueError,
          /stateKeepProb must be between 0 and 1/,
        );
      }),
    ),
  );

  r.test('ResidualWrapper adds the inputs to the outputs and keeps the state', () =>
    withGraph(() =>
      tidy(() => {
        const x = tensor(ref.randMat(2, 3, 4)),
          h = tensor(ref.randMat(2, 3, 5));
        const inner = new BasicRNNCell(3);
        const [o, s] = new ResidualWrapper(inner).call(x, h);
        const [io, is] = inner.call(x, h);
        expectClose(
          o as Tensor,
          ref
            .randMat(2, 3, 4)
            .flat()
            .map((q, i) => q + (io as Tensor).dataSync()[i]),
        );
        expectClose(s as Tensor, is as Tensor);
        expectThrows(() => new ResidualWrapper(new BasicRNNCell(4)).call(x, zeros([2, 4])), ValueError);
      }),
    ),
  );

  r.test('cell errors: bad numUnits, inputs, states, MultiRNNCell arguments, non-cells', () =>
    withGraph(() =>
      tidy(() => {
        expectThrows(() => new LSTMCell(0), ValueError, /numUnits must be a positive integer/);
        expectThrows(() => new GRUCell(2.5), ValueError, /numUnits/);
        expectThrows(() => new LSTMCell(2, { cellClip: -1 }), ValueError, /cellClip/);
        const cell = new LSTMCell(2);
        const s = cell.zeroState(2, 'float32');
        expectThrows(() => cell.call(ones([2, 3, 1]), s), ValueError, /rank 2/);
        expectThrows(() => cell.call(ones([2, 3], 'int32'), s), ValueError, /float32 or float64/);
        expectThrows(() => cell.call(ones([2, 3]), ones([2, 4])), TypeError, /LSTMStateTuple/);
        expectThrows(
          () => cell.call(ones([2, 3]), new LSTMStateTuple(ones([3, 2]), ones([3, 2]))),
          ValueError,
          /state.c must have shape \[2,2\]/,
        );
        cell.call(ones([2, 3]), s);
        expectThrows(() => cell.call(ones([2, 4]), s), ValueError, /depth 4.*built for depth 3/);
        expectThrows(() => new MultiRNNCell([]), ValueError, /Must specify at least one cell for MultiRNNCell/);
        expectThrows(
          () => new MultiRNNCell([new LSTMCell(2)], { stateIsTuple: false }),
          ValueError,
          /stateIsTuple is not set/,
        );
        expectThrows(() => new MultiRNNCell([{} as never]), TypeError, /is not an RNNCell/);
        expectThrows(
          () => new MultiRNNCell([new GRUCell(2)]).call(ones([1, 2]), ones([1, 2])),
          ValueError,
          /tuple of length 1/,
        );
        expectThrows(() => cell.zeroState(-1), ValueError, /batchSize/);
        expectThrows(() => new DropoutWrapper(null as never), TypeError, /not an RNNCell/);
      }),
    ),
  );

  r.test('a cell step leaks nothing and returns only its output and state', () =>
    withGraph(() => {
      const cell = new LSTMCell(3, { usePeepholes: true, numProj: 2 });
      const x = ones([2, 4]),
        s = cell.zeroState(2);
      dispose(cell.call(x, s));
      expectNoLeak(() => dispose(cell.call(x, s)), 'LSTMCell.call');
      dispose([x, s]);
    }),
  );

  r.test('zeroState follows stateSize (tuples, concatenation, MultiRNNCell of tuples) in the dtype asked', (env) =>
    withGraph(() =>
      tidy(() => {
        const dtype: DType = floatType(env);
        const z = new MultiRNNCell([new LSTMCell(2, { numProj: 1 }), new GRUCell(3)]).zeroState(4, dtype) as [
          LSTMStateTuple,
          Tensor,
        ];
        expectShape(z[0].c, [4, 2]);
        expectShape(z[0].h, [4, 1]);
        expectShape(z[1], [4, 3]);
        assert(z[1].dtype === dtype, 'dtype');
        expectShape(new BasicLSTMCell(5, { stateIsTuple: false }).zeroState(2) as Tensor, [2, 10]);
      }),
    ),
  );
};
