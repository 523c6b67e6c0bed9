/**
 * Regressions of issue 12 in the rnn package, each against what TF1 documents or does: rawRnn
 * when no row ever runs, the emit shapes of an emit structure, DropoutWrapper with keep 0, and
 * the truncated-BPTT idiom (keep the final state of one batch for the next).
 */
import {
  keep,
  memory,
  mul,
  ones,
  reshape,
  slice,
  sum,
  tensor,
  tidy,
  zeros,
  ValueError,
  type Tensor,
} from '@tapeflow/core';
import {
  BasicRNNCell,
  DropoutWrapper,
  LSTMCell,
  LSTMStateTuple,
  dynamicRnn,
  globalVariables,
  rawRnn,
} from '@tapeflow/rnn';
import { expectClose, expectShape, expectThrows, assert, type Registry } from '../harness.js';
import { withGraph } from './util.js';

export function rnnRegressionSuite(r: Registry): void {
  r.test(
    'rawRnn: every row finished at time 0 still builds the cell (TF builds the loop body); emit is [0, batch, ...]',
    () =>
      withGraph(() =>
        tidy(() => {
          const cell = new LSTMCell(3);
          const B = 2;
          const [emit, state] = rawRnn(cell, (_time, _out, cellState) => [
            [true, true],
            zeros([B, 4]),
            cellState ?? cell.zeroState(B),
            null,
            null,
          ]);
          // TF's variables for LSTMCell(3) on 4 inputs: kernel [4 + 3, 4 * 3] and bias [12].
          const shapes = globalVariables()
            .map((v) => `${v.name} ${v.shape}`)
            .sort();
          assert(
            shapes.length === 2 && shapes[0].endsWith('bias 12') && shapes[1].endsWith('kernel 7,12'),
            `variables ${shapes}`,
          );
          expectShape(emit as Tensor, [0, B, 3]);
          expectClose((state as LSTMStateTuple).h, zeros([B, 3]), { rtol: 0, atol: 0 });
        }),
      ),
  );

  r.test(
    'rawRnn: the emit structure leaves out the batch (TF: zeros([batch] + emit.shape)), finished rows emit zeros',
    () =>
      withGraph(() =>
        tidy(() => {
          const cell = new BasicRNNCell(2);
          const B = 3,
            T = 2;
          const lens = [2, 1, 0];
          const x = ones([B, 1]);
          // Emit out * 10 as a [batch, 2, 1] tensor; the structure at time 0 is one example's [2, 1].
          const [emit] = rawRnn(cell, (time, out, cellState) => {
            const finished = lens.map((l) => time >= l);
            const e = out === null ? zeros([2, 1]) : reshape(mul(out as Tensor, 10), [B, 2, 1]);
            return [finished, x, cellState ?? cell.zeroState(B), e, null];
          });
          expectShape(emit as Tensor, [T, B, 2, 1]);
          const [o] = dynamicRnn(
            cell,
            tensor([
              [[1], [1]],
              [[1], [1]],
              [[1], [1]],
            ]),
            { dtype: 'float32', sequenceLength: lens, timeMajor: false },
          );
          // dynamicRnn zeroes outputs past each length too: batch-major [B, T, 2] against time-major emits.
          const e = (emit as Tensor).arraySync() as number[][][][];
          const ref = (o as Tensor).arraySync() as number[][][];
          for (let t = 0; t < T; t++)
            for (let b = 0; b < B; b++)
              expectClose(
                [e[t][b][0][0], e[t][b][1][0]],
                ref[b][t].map((v) => v * 10),
                { atol: 1e-5 },
              );
        }),
      ),
  );

  r.test('DropoutWrapper keep probability 0: ValueError when called (TF1 dropout rejects it), not silent zeros', () =>
    withGraph(() =>
      tidy(() => {
        for (const key of ['inputKeepProb', 'stateKeepProb', 'outputKeepProb'] as const) {
          const cell = new DropoutWrapper(new BasicRNNCell(2), { [key]: 0 });
          expectThrows(() => cell.call(ones([1, 2]), zeros([1, 2])), ValueError, new RegExp(`${key} is 0`));
        }
      }),
    ),
  );

  r.test('truncated BPTT: keep() the final LSTM state inside tidy and feed it to the next batch', () =>
    withGraph(() => {
      const cell = new LSTMCell(3);
      const x = tensor([
        [
          [1, 0],
          [0, 1],
          [1, 1],
          [0.5, -1],
        ],
      ]); // [1, 4, 2]
      // One unroll of 4 steps is the reference; two chunks of 2 carrying the state must equal it.
      const whole = tidy(() => dynamicRnn(cell, x, { dtype: 'float32' })[1]) as LSTMStateTuple;
      let state = cell.zeroState(1) as LSTMStateTuple;
      for (const begin of [0, 2]) {
        const before = memory().numTensors;
        const old = state;
        const loss = tidy(() => {
          const [out, s] = dynamicRnn(cell, slice(x, [0, begin, 0], [1, 2, 2]), { initialState: state });
          state = keep(s) as LSTMStateTuple; // survives the tidy without being returned
          return sum(out as Tensor);
        });
        loss.dispose();
        old.c.dispose();
        old.h.dispose();
        assert(memory().numTensors === before, `chunk at ${begin} leaked ${memory().numTensors - before} tensors`);
      }
      expectClose(state.h, whole.h, { atol: 1e-6 });
      expectClose(state.c, whole.c, { atol: 1e-6 });
      for (const t of [x, state.c, state.h, whole.c, whole.h]) t.dispose();
    }),
  );

  r.test('keep() of a nest keeps every tensor in it; anything else is a TypeError naming the argument', () =>
    tidy(() => {
      const a = tensor([1]),
        b = tensor([2]),
        c = tensor([3]);
      const kept = tidy(() => {
        const t = tensor([4]);
        keep([t, { s: new LSTMStateTuple(a, b) }, c]);
        return t;
      });
      for (const t of [kept, a, b, c]) assert(!t.isDisposed, 'kept tensor survives');
      expectThrows(() => keep(3 as never), TypeError, /keep: argument x must be a Tensor or a nest/, /got number 3/);
      expectThrows(() => keep([a, { h: 'no' }] as never), TypeError, /argument x\[1\]\.h/, /got string "no"/);
    }),
  );

  r.test("errors name the user's call: LSTMCell numProj state.h, a disposed input, a nested JS array as input", () =>
    withGraph(() =>
      tidy(() => {
        // The h of LSTMCell(8, {numProj: 4}) is [batch, 4]: the message must not describe the hoisted projection [2, 32].
        const proj = new LSTMCell(8, { numProj: 4 });
        const err = expectThrows(
          () => dynamicRnn(proj, ones([2, 3, 5]), { initialState: new LSTMStateTuple(zeros([2, 8]), zeros([2, 8])) }),
          ValueError,
          /LSTMCell: state\.h must have shape \[2,4\]/,
          /got \[2,8\]/,
        );
        assert(!/32/.test(err.message), `message shows an internal tensor: ${err.message}`);
        const x = ones([2, 3, 5]);
        x.dispose();
        expectThrows(
          () => dynamicRnn(new BasicRNNCell(4), x, { dtype: 'float32' }),
          ValueError,
          /^dynamicRnn: argument 'inputs' \(float32 \[2,3,5\].*is disposed/,
        );
        expectThrows(
          () => dynamicRnn(new BasicRNNCell(4), [[[1, 2]], [[3, 4]]] as never, { dtype: 'float32' }),
          TypeError,
          /dynamicRnn: inputs must be a Tensor .* got a nested JS array of numbers/,
          /tensor\(inputs\)/,
        );
      }),
    ),
  );

  r.test('a cell called after resetDefaultGraph() says its variables were released', () => {
    const cell = new BasicRNNCell(4);
    withGraph(() =>
      tidy(() => {
        dynamicRnn(cell, ones([2, 3, 5]), { dtype: 'float32' });
      }),
    );
    withGraph(() =>
      tidy(() => {
        expectThrows(
          () => dynamicRnn(cell, ones([2, 3, 5]), { dtype: 'float32' }),
          ValueError,
          /BasicRNNCell: the cell's variables \(rnn\/basic_rnn_cell\/kernel, rnn\/basic_rnn_cell\/bias\) were released/,
          /create a new cell/,
        );
        expectThrows(() => cell.call(ones([2, 5]), zeros([2, 4])), ValueError, /were released/);
      }),
    );
  });
}
