/**
 * The optimizers' two-step API (computeGradients / applyGradients over pairs, names or arrays)
 * and their state under TF1's checkpoint names, against plain reference update loops.
 */
import * as tf from '@tapeflow/core';
import type { Tensor, Variable } from '@tapeflow/core';
import { adam, momentum, sgd, variableGrads, type Optimizer } from '@tapeflow/autograd';
import { assert, expectClose, type Registry, type TestEnv } from '../harness.js';
import { gradTolerance } from './numeric.js';

const start = [1.5, -2, 0.25];
const target = [0.5, 1, -1];
const lossOf = (v: Variable, t: Tensor) => (): Tensor => tf.sum(tf.square(tf.sub(v, t)));

/** Plain-JS Adam (TF1's update) on sum((v - target)²), with the gradient scaled by `scale` as clipping would. */
function adamReference(steps: number, scale = 1, [lr, b1, b2, eps] = [0.1, 0.8, 0.99, 1e-6]): number[] {
  const v = [...start],
    m = [0, 0, 0],
    s = [0, 0, 0];
  for (let t = 1; t <= steps; t++) {
    const lrT = (lr * Math.sqrt(1 - b2 ** t)) / (1 - b1 ** t);
    v.forEach((x, i) => {
      const g = 2 * (x - target[i]) * scale;
      m[i] = b1 * m[i] + (1 - b1) * g;
      s[i] = b2 * s[i] + (1 - b2) * g * g;
      v[i] -= (lrT * m[i]) / (Math.sqrt(s[i]) + eps);
    });
  }
  return v;
}

function throwsValue(fn: () => unknown, pattern: RegExp, what: string): void {
  try {
    fn();
  } catch (e) {
    assert(
      e instanceof tf.ValueError || e instanceof TypeError,
      `${what}: threw ${String(e)}, not a ValueError/TypeError`,
    );
    assert(pattern.test(e.message), `${what}: message ${JSON.stringify(e.message)} does not match ${pattern}`);
    return;
  }
  throw new Error(`${what}: did not throw`);
}

export function optimizerApiSuite(r: Registry): void {
  const tol = (env: { float64: boolean }) => (env.float64 ? { rtol: 1e-9, atol: 1e-11 } : { rtol: 1e-3, atol: 1e-4 });
  const setup = (env: TestEnv) => {
    const dtype = gradTolerance(env).dtype;
    return { v: tf.variable(tf.tensor(start, [3], dtype), { name: 'api/v' }), t: tf.tensor(target, [3], dtype), dtype };
  };

  r.test(
    "computeGradients -> scaled grads -> applyGradients([grad, var] pairs) is TF1's clip-then-apply loop",
    (env) => {
      const { v, t } = setup(env);
      const opt = adam(0.1, 0.8, 0.99, 1e-6);
      for (let k = 0; k < 12; k++) {
        const gv = opt.computeGradients(lossOf(v, t));
        assert(gv.length === 1 && gv[0][1] === v && gv.loss.rank === 0, 'one [grad, var] pair and a scalar loss');
        const clipped = gv.map(([g]) => tf.mul(g, 0.5));
        opt.applyGradients(clipped.map((g, i) => [g, gv[i][1]]));
        tf.dispose([...gv.map(([g]) => g), ...clipped, gv.loss]);
      }
      expectClose(v, adamReference(12, 0.5), tol(env));
      v.dispose();
      t.dispose();
      opt.dispose();
    },
  );

  r.test(
    'applyGradients takes variableGrads records (by varList or by the variables seen) and the old (vars, grads) arrays',
    (env) => {
      const { v, t } = setup(env);
      const opt = adam(0.1, 0.8, 0.99, 1e-6);
      for (let k = 0; k < 9; k++) {
        const { value, grads } = variableGrads(lossOf(v, t));
        if (k % 3 === 0) opt.applyGradients(grads, [v]);
        else if (k % 3 === 1)
          opt.applyGradients(new Map(Object.entries(grads))); // v is known from step 0
        else opt.applyGradients([v], [grads['api/v']]);
        tf.dispose([value, grads]);
      }
      expectClose(v, adamReference(9), tol(env));
      v.dispose();
      t.dispose();
      opt.dispose();
    },
  );

  r.test(
    'a null gradient leaves its variable alone (TF1 skips None); bad gradients change nothing and say why',
    (env) => {
      const { v, t, dtype } = setup(env);
      const w = tf.variable(tf.tensor([7, 8], [2], dtype), { name: 'api/w' });
      const opt = sgd(0.25);
      const g = tf.tensor([1, 2, 4], [3], dtype);
      opt.applyGradients([
        [g, v],
        [null, w],
      ]);
      expectClose(
        v,
        start.map((x, i) => x - 0.25 * [1, 2, 4][i]),
        tol(env),
      );
      expectClose(w, [7, 8], tol(env));
      const before = Array.from(v.dataSync());
      const wrong = tf.tensor([1, 2], [2], dtype); // fits w, not v
      throwsValue(
        () =>
          opt.applyGradients([
            [wrong, w],
            [wrong, v],
          ]),
        /applyGradients: the gradient of 'api\/v' is \w+ \[2\], the variable is \w+ \[3\]/,
        'shape',
      );
      throwsValue(() => opt.applyGradients({ 'no/such': g }), /no variable named 'no\/such'/, 'unknown name');
      throwsValue(() => opt.applyGradients([[null, v]]), /no gradients provided/, 'all null');
      expectClose(v, before, tol(env));
      expectClose(w, [7, 8], tol(env));
      tf.dispose([v, t, w, g, wrong]);
      opt.dispose();
    },
  );

  r.test("adam('0.01') names the argument and shows the value as given, quotes included", () => {
    throwsValue(
      () => adam('0.01' as unknown as number),
      /adam: learningRate must be a number .*got '0\.01' \(a string\)/,
      "adam('0.01')",
    );
    throwsValue(() => momentum(0.1, -1), /momentum: momentum must be a number .*got -1/, 'momentum(0.1, -1)');
  });

  r.test(
    "getSlots/setSlots: TF1 names ('<var>/Adam', '<var>/Adam_1', beta1_power, beta2_power), and a restored Adam continues exactly",
    (env) => {
      const { v, t, dtype } = setup(env);
      const a = adam(0.1, 0.8, 0.99, 1e-6);
      for (let k = 0; k < 5; k++) a.minimize(lossOf(v, t)).dispose();
      const slots = a.getSlots([v]);
      assert(
        Object.keys(slots).sort().join() === 'api/v/Adam,api/v/Adam_1,beta1_power,beta2_power',
        `keys ${Object.keys(slots)}`,
      );
      expectClose(slots.beta1_power, [Math.fround(0.8 ** 6)], { rtol: 0, atol: 0 });
      expectClose(slots.beta2_power, [Math.fround(0.99 ** 6)], { rtol: 0, atol: 0 });
      assert(slots['api/v/Adam'].dtype === dtype && slots['api/v/Adam'].shape.join() === '3', 'slot dtype and shape');
      // Another optimizer and a copy of v, restored from the snapshot, must follow the same path.
      const v2 = tf.variable(tf.tensor(v.dataSync(), [3], dtype), { name: 'api/v' });
      const b = adam(0.1, 0.8, 0.99, 1e-6);
      b.setSlots(slots, [v2]);
      tf.dispose(slots);
      assert(b.iterations === 5, `iterations ${b.iterations}`);
      for (let k = 0; k < 5; k++) {
        a.minimize(lossOf(v, t)).dispose();
        b.minimize(lossOf(v2, t)).dispose();
      }
      expectClose(v2, v, { rtol: 0, atol: 0 });
      expectClose(v, adamReference(10), tol(env));
      tf.dispose([v, v2, t]);
      a.dispose();
      b.dispose();
    },
  );

  r.test(
    'setSlots checks every name, shape and power first (nothing changes on an error); momentum restores too',
    (env) => {
      const { v, t, dtype } = setup(env);
      const m = momentum(0.05, 0.9);
      for (let k = 0; k < 3; k++) m.minimize(lossOf(v, t)).dispose();
      const ms = m.getSlots();
      assert(Object.keys(ms).join() === 'api/v/Momentum', `momentum keys ${Object.keys(ms)}`);
      // Reference: accum after 3 steps of accum = 0.9 accum + g; v -= 0.05 accum.
      const x = [...start],
        acc = [0, 0, 0];
      for (let k = 0; k < 3; k++)
        x.forEach((xi, i) => {
          acc[i] = 0.9 * acc[i] + 2 * (xi - target[i]);
          x[i] -= 0.05 * acc[i];
        });
      expectClose(ms['api/v/Momentum'], acc, tol(env));
      const m2 = momentum(0.05, 0.9);
      m2.setSlots(ms, [v]);
      expectClose(m2.getSlots([v])['api/v/Momentum'], acc, tol(env));

      const a = adam(0.1, 0.8, 0.99, 1e-6);
      a.minimize(lossOf(v, t)).dispose();
      const good = a.getSlots([v]);
      const before = Array.from(good['api/v/Adam'].dataSync());
      const b = adam(0.1, 0.8, 0.99, 1e-6);
      b.minimize(lossOf(v, t)).dispose();
      b.minimize(lossOf(v, t)).dispose();
      const seen = Array.from(b.getSlots([v])['api/v/Adam'].dataSync());
      const bad = tf.zeros([4], dtype);
      const cases: [Record<string, Tensor>, RegExp][] = [
        [{ ...good, 'api/v/Adam_1': bad }, /'api\/v\/Adam_1' is \w+ \[4\], its variable \w+ \[3\]/],
        [{ ...good, extra: bad }, /'extra' is not state of this optimizer/],
        [Object.fromEntries(Object.entries(good).filter(([k]) => k !== 'beta2_power')), /'beta2_power' is missing/],
        [{ ...good, beta1_power: tf.scalar(0.5) }, /beta1_power 0\.5 .* other Adam hyperparameters/],
      ];
      for (const [rec, pattern] of cases) throwsValue(() => b.setSlots(rec, [v]), pattern, pattern.source);
      assert(b.iterations === 2, 'iterations unchanged');
      expectClose(b.getSlots([v])['api/v/Adam'], seen, { rtol: 0, atol: 0 });
      assert(before.length === 3, 'snapshot intact');
      tf.dispose([v, t, ms, good, bad]);
      m.dispose();
      m2.dispose();
      a.dispose();
      b.dispose();
    },
  );

  r.test(
    "setSlots recovers Adam's step from TensorFlow's float32-accumulated powers, up to where it stops mattering",
    () => {
      const v = tf.variable(tf.zeros([1]), { name: 'p/v' });
      const b1 = Math.fround(0.9),
        b2 = Math.fround(0.999);
      let p1 = Math.fround(0.9),
        p2 = Math.fround(0.999);
      for (let t = 0; t <= 3000; t++) {
        if (t % 250 === 0 || t < 5) {
          const opt = adam(0.01);
          opt.setSlots(
            {
              'p/v/Adam': tf.zeros([1]),
              'p/v/Adam_1': tf.zeros([1]),
              beta1_power: tf.scalar(p1),
              beta2_power: tf.scalar(p2),
            },
            [v],
          );
          assert(opt.iterations === t, `TF's powers after ${t} steps gave ${opt.iterations}`);
          opt.dispose();
        }
        p1 = Math.fround(p1 * b1); // TensorFlow: beta1_power.assign(beta1_power * beta1_t) in float32
        p2 = Math.fround(p2 * b2);
      }
      v.dispose();
    },
  );

  r.test("getSlots snapshots are the caller's: disposing them leaves memory where it was", (env) => {
    const { v, t } = setup(env);
    const opt: Optimizer = adam(0.1);
    opt.minimize(lossOf(v, t)).dispose();
    const before = tf.memory().numTensors;
    tf.dispose(opt.getSlots([v]));
    assert(tf.memory().numTensors === before, `numTensors ${before} -> ${tf.memory().numTensors}`);
    tf.dispose([v, t]);
    opt.dispose();
  });
}
