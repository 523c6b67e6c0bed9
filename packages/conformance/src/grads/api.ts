/** The API's behaviour: customGrad, stopGradient, noGrad, accumulation, variableGrads, errors, memory. */
import * as tf from '@tapeflow/core';
import { ENGINE, ValueError, type Tensor } from '@tapeflow/core';
import {
  checkGrad,
  customGrad,
  grad,
  grads,
  isRecording,
  noGrad,
  stopGradient,
  valueAndGrad,
  valueAndGrads,
  variableGrads,
  vjp,
  withKernelListener,
  type SaveFn,
} from '@tapeflow/autograd';
import {
  assert,
  expectArrayEqual,
  expectClose,
  expectNoLeak,
  expectShape,
  expectThrows,
  type Registry,
  type TestEnv,
} from '../harness.js';
import { gradTolerance } from './numeric.js';

const dt = (env: TestEnv) => gradTolerance(env).dtype;
const vals = [0.5, -1.25, 2, 0.75];

/** Runs a case in a tidy and asserts nothing is left behind and nothing is recording. */
function clean(fn: () => void): void {
  expectNoLeak(() => tf.tidy(fn));
  assert(ENGINE.recorder === null, 'a recorder is still installed after the gradient returned');
}

export function apiSuite(r: Registry): void {
  r.test('grad, grads, valueAndGrad and valueAndGrads agree with hand-derived gradients', (env) =>
    clean(() => {
      const x = tf.tensor(vals, [4], dt(env));
      const y = tf.tensor([1, 2, 3, 4], [4], dt(env));
      // f = sum(x² y): df/dx = 2xy, df/dy = x².
      const f = (a: Tensor, b: Tensor): Tensor => tf.sum(tf.mul(tf.square(a), b));
      expectClose(
        grad((a) => f(a, y))(x),
        vals.map((v, i) => 2 * v * (i + 1)),
      );
      const [gx, gy] = grads(f)(x, y);
      expectClose(
        gx,
        vals.map((v, i) => 2 * v * (i + 1)),
      );
      expectClose(
        gy,
        vals.map((v) => v * v),
      );
      const [gx2] = grads(f)([x, y]);
      expectClose(gx2, gx.dataSync());
      const { value, grad: g } = valueAndGrad((a) => f(a, y))(x);
      expectClose(
        value,
        vals.reduce((s, v, i) => s + v * v * (i + 1), 0),
      );
      expectClose(g, gx.dataSync());
      const vg = valueAndGrads(f)(x, y);
      expectClose(vg.value, value.dataSync());
      expectClose(vg.grads[1], gy.dataSync());
    }),
  );

  r.test('dy seeds a non-scalar result (vector-Jacobian product)', (env) =>
    clean(() => {
      const x = tf.tensor(vals, [2, 2], dt(env));
      const dy = tf.tensor([1, -1, 2, 0.5], [2, 2], dt(env));
      expectClose(
        grad((a) => tf.exp(a))(x, dy),
        vals.map((v, i) => Math.exp(v) * [1, -1, 2, 0.5][i]),
        { rtol: 1e-6 },
      );
      const [g] = grads((a) => tf.mul(a, 3))([x], dy);
      expectClose(g, [3, -3, 6, 1.5]);
    }),
  );

  r.test('a tensor used twice gets the sum of both gradients (fan-out accumulation)', (env) =>
    clean(() => {
      const x = tf.tensor(vals, [4], dt(env));
      // f = sum(x·x + x + exp(x)·x): df/dx = 2x + 1 + exp(x)(1 + x).
      const g = grad((a) => tf.sum(tf.add(tf.add(tf.mul(a, a), a), tf.mul(tf.exp(a), a))))(x);
      expectClose(
        g,
        vals.map((v) => 2 * v + 1 + Math.exp(v) * (1 + v)),
        { rtol: 1e-6 },
      );
      // The same tensor reached through a broadcast and directly: f = sum(x[1,2] + x_col) ...
      const m = tf.tensor([1, 2, 3, 4, 5, 6], [2, 3], dt(env));
      const b = tf.tensor([0.5, 1, 1.5], [3], dt(env));
      const [, gb] = grads((p, q) => tf.sum(tf.mul(tf.add(p, q), q)))(m, b);
      // d/dq sum((p+q)q) over the broadcast rows: sum_i (p_i + 2q).
      expectClose(gb, [1 + 4 + 2 * 2 * 0.5, 2 + 5 + 2 * 2 * 1, 3 + 6 + 2 * 2 * 1.5]);
    }),
  );

  r.test('customGrad replaces the gradient, passes saved tensors, and works under grad(grad())', (env) =>
    clean(() => {
      const x = tf.tensor(vals, [4], dt(env));
      // value x², but a declared gradient of 3·dy·x (deliberately not 2x, so it is visibly used).
      const f = customGrad((a: Tensor, save: SaveFn) => {
        save([a]);
        return { value: tf.square(a), gradFunc: (dy: Tensor, [s]: Tensor[]) => tf.mul(tf.mul(dy, s), 3) };
      });
      const { value, grad: g } = valueAndGrad((a) => tf.sum(f(a)))(x);
      expectClose(
        value,
        vals.reduce((s, v) => s + v * v, 0),
      );
      expectClose(
        g,
        vals.map((v) => 3 * v),
      );
      // The gradient function is built of ops, so it is differentiable: d/dx sum(3x) = 3.
      expectClose(grad((a) => tf.sum(grad((b) => tf.sum(f(b)))(a)))(x), [3, 3, 3, 3]);
      // Identity forward with a scaled gradient: the value may be the input itself.
      const scaleGrad = customGrad((a: Tensor) => ({ value: a, gradFunc: (dy: Tensor) => tf.mul(dy, -2) }));
      expectClose(grad((a) => tf.sum(tf.mul(scaleGrad(a), 5)))(x), [-10, -10, -10, -10]);
      // Two inputs, gradients returned as an array.
      const two = customGrad((a: Tensor, b: Tensor) => ({
        value: tf.add(a, b),
        gradFunc: (dy: Tensor) => [dy, tf.neg(dy)],
      }));
      const [ga, gb] = grads((a, b) => tf.sum(two(a, b)))(x, tf.neg(x));
      expectClose(ga, [1, 1, 1, 1]);
      expectClose(gb, [-1, -1, -1, -1]);
    }),
  );

  r.test('customGrad forward ops are not recorded and leak nothing outside a gradient', (env) =>
    clean(() => {
      const x = tf.tensor(vals, [4], dt(env));
      const f = customGrad((a: Tensor, save: SaveFn) => {
        const e = tf.exp(a);
        save([e]);
        return { value: tf.mul(e, 2), gradFunc: (dy: Tensor, [s]: Tensor[]) => tf.mul(dy, tf.mul(s, 2)) };
      });
      const before = tf.memory().numTensors;
      const y = f(x);
      expectClose(
        y,
        vals.map((v) => 2 * Math.exp(v)),
        { rtol: 1e-6 },
      );
      y.dispose();
      assert(tf.memory().numTensors === before, 'customGrad outside a gradient kept its saved tensors alive');
      expectClose(
        grad((a) => tf.sum(f(a)))(x),
        vals.map((v) => 2 * Math.exp(v)),
        { rtol: 1e-6 },
      );
    }),
  );

  r.test('stopGradient blocks the gradient but keeps the value', (env) =>
    clean(() => {
      const x = tf.tensor(vals, [4], dt(env));
      // sum(x · stop(x)) has gradient stop(x) = x, not 2x.
      expectClose(grad((a) => tf.sum(tf.mul(a, stopGradient(a))))(x), vals);
      // Nothing but a stopped path: zero gradient.
      expectArrayEqual(grad((a) => tf.sum(tf.exp(stopGradient(a))))(x), [0, 0, 0, 0]);
    }),
  );

  r.test('noGrad runs without recording: its results act as constants', (env) =>
    clean(() => {
      const x = tf.tensor(vals, [4], dt(env));
      const g = grad((a) =>
        tf.sum(
          tf.mul(
            a,
            noGrad(() => tf.mul(a, 2)),
          ),
        ),
      )(x);
      expectClose(
        g,
        vals.map((v) => 2 * v),
      );
      const recorderInside = noGrad(() => ENGINE.recorder);
      assert(recorderInside === null, 'noGrad left a recorder installed');
    }),
  );

  r.test('a function that ignores its input gets a zero gradient, not an error', (env) =>
    clean(() => {
      const x = tf.tensor(vals, [2, 2], dt(env));
      const c = tf.tensor(3, [], dt(env));
      const g = grad(() => tf.mul(c, 2))(x);
      expectShape(g, [2, 2]);
      expectArrayEqual(g, [0, 0, 0, 0]);
      const [g1, g2] = grads((a) => tf.sum(a))(x, c);
      expectArrayEqual(g1, [1, 1, 1, 1]);
      expectArrayEqual(g2, [0]);
    }),
  );

  r.test('integer and boolean inputs get no gradient (zeros), float ones still do', (env) =>
    clean(() => {
      const x = tf.tensor(vals, [4], dt(env));
      const idx = tf.tensor([3, 0, 0], [3], 'int32');
      const [gx, gi] = grads((a, i) => tf.sum(tf.gather(a, i)))(x, idx);
      expectArrayEqual(gx, [2, 0, 0, 1]);
      assert(gi.dtype === 'int32', `gradient of an int32 input should be int32 zeros, got ${gi.dtype}`);
      expectArrayEqual(gi, [0, 0, 0]);
      // Through a cast to int32 the gradient is cut: zero.
      expectArrayEqual(grad((a) => tf.sum(tf.cast(tf.cast(a, 'int32'), a.dtype)))(x), [0, 0, 0, 0]);
    }),
  );

  r.test('errors: non-scalar result without dy, bad dy, non-tensor result, disposed input', (env) =>
    clean(() => {
      const x = tf.tensor(vals, [2, 2], dt(env));
      expectThrows(() => grad((a) => tf.exp(a))(x), ValueError, /grad/, /scalar/, /\[2,2\]/);
      expectThrows(() => grads((a) => tf.exp(a))(x), ValueError, /scalar/);
      expectThrows(() => grad((a) => tf.exp(a))(x, tf.ones([3], x.dtype)), ValueError, /dy/, /\[3\]/, /\[2,2\]/);
      expectThrows(() => grad(() => 3 as unknown as Tensor)(x), TypeError, /must return a Tensor/);
      expectThrows(() => grad(42 as unknown as (t: Tensor) => Tensor), TypeError, /f must be a function/);
      const d = tf.tensor([1, 2], [2], dt(env));
      d.dispose();
      expectThrows(() => grad((a) => tf.sum(a))(d), ValueError, /grad/, /disposed/);
      expectThrows(() => grad((a) => tf.sum(tf.mul(a, d)))(x), ValueError, /disposed/);
      // A gradient with the wrong shape names the op it came from.
      const bad = customGrad((a: Tensor) => ({ value: tf.mul(a, 1), gradFunc: (dy: Tensor) => tf.sum(dy) }));
      expectThrows(() => grad((a) => tf.sum(bad(a)))(x), ValueError, /CustomGrad/, /\[\]/, /\[2,2\]/);
      assert(ENGINE.recorder === null, 'a failed gradient left the recorder installed');
    }),
  );

  r.test('variableGrads: gradients of the trainable variables read, keyed by name', (env) =>
    clean(() => {
      const w = tf.variable(tf.tensor([1, 2, 3], [3], dt(env)), { name: 'test/w' });
      const b = tf.variable(tf.tensor([0.5], [1], dt(env)), { name: 'test/b' });
      const frozen = tf.variable(tf.tensor([2, 2, 2], [3], dt(env)), { name: 'test/frozen', trainable: false });
      const x = tf.tensor([1, -1, 2], [3], dt(env));
      // loss = sum((w·x + b)·frozen): d/dw = x·frozen, d/db = sum(frozen).
      const loss = (): Tensor => tf.sum(tf.mul(tf.add(tf.mul(w, x), b), frozen));
      const { value, grads: g } = variableGrads(loss);
      expectClose(value, (1 - 2 + 6 + 1.5) * 2);
      assert(Object.keys(g).sort().join() === 'test/b,test/w', `variables: ${Object.keys(g)}`);
      expectClose(g['test/w'], [2, -2, 4]);
      expectClose(g['test/b'], [6]);
      const only = variableGrads(loss, [b]);
      assert(Object.keys(only.grads).join() === 'test/b', 'varList restricts the variables');
      for (const v of [w, b, frozen]) v.dispose();
    }),
  );

  r.test('tidy inside f: disposed temporaries stay readable by the backward pass, then are freed', (env) =>
    clean(() => {
      const x = tf.tensor(vals, [4], dt(env));
      const before = tf.memory().numTensors;
      // An RNN-like loop that tidies every step: tanh's saved outputs are disposed by the tidy.
      const g = grad((a) => {
        let h = a;
        for (let t = 0; t < 3; t++) {
          const prev = h;
          h = tf.tidy(() => tf.tanh(tf.mul(prev, 1.5)));
        }
        return tf.sum(h);
      })(x);
      const expected = vals.map((v) => {
        let h = v,
          d = 1;
        for (let t = 0; t < 3; t++) {
          h = Math.tanh(1.5 * h);
          d *= 1.5 * (1 - h * h);
        }
        return d;
      });
      expectClose(g, expected, { rtol: 1e-5 });
      g.dispose();
      assert(tf.memory().numTensors === before, `the tape kept ${tf.memory().numTensors - before} tensors alive`);
    }),
  );

  r.test('checkGrad accepts a correct gradient and reports the worst element of a wrong one', (env) =>
    clean(() => {
      const x = tf.tensor(vals, [4], dt(env));
      const good = checkGrad((a) => tf.mul(tf.tanh(a), a), [x]);
      assert(good.ok, good.message);
      const wrong = customGrad((a: Tensor, save: SaveFn) => {
        save([a]);
        // Correct gradient of sin-free f = a³ is 3a²; element 2 is made wrong on purpose.
        return {
          value: tf.mul(tf.mul(a, a), a),
          gradFunc: (dy: Tensor, [s]: Tensor[]) =>
            tf.mul(dy, tf.mul(tf.mul(s, s), tf.tensor([3, 3, 4, 3], [4], s.dtype))),
        };
      });
      const report = checkGrad((a) => wrong(a), [x]);
      assert(!report.ok, 'checkGrad missed a wrong gradient');
      assert(
        report.worst?.arg === 0 && report.worst.index === 2,
        `worst element should be xs[0][2], got ${report.message}`,
      );
      expectClose(report.worst.numeric, 3 * 2 * 2, { rtol: 1e-2 });
    }),
  );

  r.test('customGrad with several outputs: one dy per output (zeros for an unused one), checked numerically', (env) =>
    clean(() => {
      const x = tf.tensor(vals, [4], dt(env));
      // [x², 3x] with the true gradient: d/dx (<x², dy0> + <3x, dy1>) = 2x dy0 + 3 dy1.
      const f = customGrad((a: Tensor, save: SaveFn) => {
        save([a]);
        return {
          value: [tf.mul(a, a), tf.mul(a, 3)],
          gradFunc: ([d0, d1]: Tensor[], [s]: Tensor[]) => tf.add(tf.mul(tf.mul(d0, s), 2), tf.mul(d1, 3)),
        };
      });
      const both = checkGrad(
        (a) => {
          const [p, q] = f(a);
          return tf.add(tf.sum(tf.tanh(p)), tf.sum(tf.mul(q, q)));
        },
        [x],
      );
      assert(both.ok, both.message);
      // Only the second output used: the first one's dy is zeros.
      expectClose(grad((a) => tf.sum(f(a)[1]))(x), [3, 3, 3, 3]);
    }),
  );

  r.test('vjp equals grads of sum(f(x) * dy), for one output and several, and is differentiable again', (env) =>
    clean(() => {
      const x = tf.tensor(vals, [4], dt(env));
      const dy = tf.tensor([1, -2, 0.5, 3], [4], dt(env));
      const [g] = vjp((a) => tf.tanh(a), [x], dy);
      expectClose(g, tf.mul(dy, tf.sub(1, tf.square(tf.tanh(x)))).dataSync());
      const [g2] = vjp((a) => [tf.exp(a), tf.mul(a, a)], [x], [dy, tf.onesLike(x)]);
      expectClose(g2, tf.add(tf.mul(dy, tf.exp(x)), tf.mul(x, 2)).dataSync());
      // d/dx of sum(vjp(tanh)(x, 1)) = d/dx sum(1 - tanh² x) = -2 tanh(x)(1 - tanh² x).
      const second = grad((a) => tf.sum(vjp((b) => tf.tanh(b), [a], tf.onesLike(a))[0]))(x);
      const t = tf.tanh(x);
      expectClose(second, tf.mul(tf.mul(t, -2), tf.sub(1, tf.square(t))).dataSync());
      expectThrows(() => vjp((a) => [a, a], [x], [dy]), ValueError, /vjp.*2 output.*1 dys/);
    }),
  );

  r.test(
    'isRecording is true only while a gradient records; a kernel listener sees kernels and records nothing',
    (env) =>
      clean(() => {
        const x = tf.tensor(vals, [4], dt(env));
        assert(!isRecording(), 'recording outside any gradient');
        let inside = false,
          underNoGrad = true;
        grad((a) => {
          inside = isRecording();
          underNoGrad = noGrad(() => isRecording());
          return tf.sum(a);
        })(x);
        assert(inside && !underNoGrad, `isRecording inside grad ${inside}, under noGrad ${underNoGrad}`);
        const seen: string[] = [];
        const g = withKernelListener(
          (rec) => {
            seen.push(rec.kernel);
          },
          () => {
            assert(!isRecording(), 'a kernel listener made isRecording true');
            tf.neg(x);
            noGrad(() => tf.exp(x));
            return grad((a) => tf.sum(tf.mul(a, a)))(x);
          },
        );
        expectClose(
          g,
          vals.map((v) => 2 * v),
        );
        assert(
          seen[0] === 'Neg' && seen[1] === 'Exp' && seen.includes('Mul') && seen.includes('Sum'),
          `listener saw ${seen.join(', ')}`,
        );
        const after = seen.length;
        tf.neg(x);
        assert(seen.length === after, 'the listener still sees kernels after its scope');
      }),
  );
}
