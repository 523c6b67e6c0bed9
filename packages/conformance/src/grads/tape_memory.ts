/**
 * What the tape keeps alive, measured with the engine's byte counter: nodes that cannot be on
 * a gradient path hold nothing, the walk frees each node's saved tensors once it has used them,
 * and a tensor receiving many gradient contributions is summed correctly (the walk's
 * bookkeeping of which gradient tensors are still in use).
 */
import * as tf from '@tapeflow/core';
import { ENGINE, type Tensor } from '@tapeflow/core';
import { checkpoint, customGrad, grad, grads, variableGrads } from '@tapeflow/autograd';
import {
  assert,
  expectArrayEqual,
  expectClose,
  expectNoLeak,
  expectThrows,
  type Registry,
  type TestEnv,
} from '../harness.js';
import { gradTolerance } from './numeric.js';

const dt = (env: TestEnv) => gradTolerance(env).dtype;
const bytesOf = (t: Tensor): number => t.size * (t.dtype === 'float64' ? 8 : 4);

/** Identity whose gradient reports memory().numBytes at the moment the walk reaches it. */
function probe(seen: number[]): (x: Tensor) => Tensor {
  return customGrad((x: Tensor) => ({
    value: tf.identity(x),
    gradFunc: (dy: Tensor) => {
      seen.push(tf.memory().numBytes);
      return tf.identity(dy);
    },
  }));
}

export function tapeMemorySuite(r: Registry): void {
  r.test('kernels not computed from a source are not kept: a constant built and disposed in f frees at once', (env) => {
    expectNoLeak(() =>
      tf.tidy(() => {
        const x = tf.tensor([0.5, -1, 2], [3], dt(env));
        const c = tf.ones([1000], dt(env));
        let inside = -1,
          base = -1;
        const g = grad((a) => {
          base = tf.memory().numBytes;
          // Exp saves its output; it reads no source, so no tape needs it and dispose frees it.
          tf.tidy(() => {
            tf.exp(c);
          });
          inside = tf.memory().numBytes;
          return tf.sum(tf.mul(a, a));
        })(x);
        assert(inside === base, `an off-path Exp output stayed alive: ${inside - base} bytes`);
        expectClose(g, [1, -2, 4]);
      }),
    );
  });

  r.test('variableGrads without varList still finds every trainable variable f reads (and only those)', (env) => {
    expectNoLeak(() =>
      tf.tidy(() => {
        const w = tf.variable(tf.tensor([1, 2], [2], dt(env)), { name: 'tape_memory/w' });
        const frozen = tf.variable(tf.tensor([3, 4], [2], dt(env)), { name: 'tape_memory/frozen', trainable: false });
        const { value, grads: gs } = variableGrads(() => tf.sum(tf.mul(tf.mul(w, w), frozen)));
        expectClose(value, 1 * 3 + 4 * 4);
        assert(Object.keys(gs).join() === 'tape_memory/w', `grads for ${Object.keys(gs).join()}`);
        expectClose(gs['tape_memory/w'], [2 * 1 * 3, 2 * 2 * 4]); // d/dw w²·f = 2wf
        tf.dispose([w, frozen]);
      }),
    );
  });

  r.test("the walk frees saved tensors as it goes: by the first node, the chain's activations are gone", (env) => {
    expectNoLeak(() =>
      tf.tidy(() => {
        const n = 8,
          size = 4096;
        const x = tf.fill([size], 0.1, dt(env));
        const seen: number[] = [];
        const p = probe(seen);
        let atEnd = -1;
        const base = tf.memory().numBytes;
        const g = grad((a) => {
          // Each tanh saves its output; f disposes them all, so only the tape keeps them.
          const y = tf.tidy(() => {
            let h = p(a);
            for (let k = 0; k < n; k++) h = tf.tanh(h);
            return tf.sum(h);
          });
          atEnd = tf.memory().numBytes;
          return y;
        })(x);
        // When the walk reaches the probe (the first node), the n saved outputs and every rule's
        // temporaries have been freed: beyond x, only the gradient in flight and scalars remain.
        assert(seen.length === 1, 'probe gradient not called once');
        const live = seen[0] - base,
          held = atEnd - base,
          activations = n * bytesOf(x);
        assert(
          held >= activations,
          `the tape should hold the ${n} activations during f (${held} < ${activations} bytes)`,
        );
        assert(
          live < 2 * bytesOf(x),
          `${live} bytes beyond x still alive when the walk reaches the first node (${held} after f)`,
        );
        // Reference: d/dx sum(tanh^n(x)) by the chain rule in float64 on the host.
        let v = 0.1,
          d = 1;
        for (let k = 0; k < n; k++) {
          v = Math.tanh(v);
          d *= 1 - v * v;
        }
        expectClose(g, new Array(size).fill(d), { rtol: dt(env) === 'float64' ? 1e-9 : 1e-3 });
      }),
    );
  });

  r.test(
    'a tensor read by many nodes gets the sum of all their gradients (walk bookkeeping, no double free)',
    (env) => {
      expectNoLeak(() =>
        tf.tidy(() => {
          const m = 300;
          const x = tf.tensor([0.3, -0.7], [2], dt(env));
          const y = tf.tensor([1.5, 2], [2], dt(env));
          // f = sum_k (k+1)·x + x·y, built so dy flows unchanged to several inputs (Add passes it through).
          const [gx, gy] = grads((a: Tensor, b: Tensor) => {
            let acc = tf.mul(a, b);
            for (let k = 0; k < m; k++) acc = tf.add(acc, tf.mul(a, k + 1));
            return tf.sum(tf.add(acc, acc));
          })(x, y);
          const s = (m * (m + 1)) / 2;
          expectClose(gx, [2 * (s + 1.5), 2 * (s + 2)]);
          expectClose(gy, [2 * 0.3, 2 * -0.7]);
        }),
      );
    },
  );

  r.test('peakBytes sees the activations of a backward pass and resetPeakBytes restarts it', (env) => {
    expectNoLeak(() =>
      tf.tidy(() => {
        const x = tf.fill([2048], 0.2, dt(env));
        const before = tf.memory().numBytes;
        ENGINE.resetPeakBytes();
        grad((a) => tf.sum(tf.tanh(tf.tanh(a))))(x).dispose();
        const m = tf.memory();
        // At least the two tanh outputs (saved) were alive at once.
        assert(m.peakBytes >= before + 2 * bytesOf(x), `peakBytes ${m.peakBytes} < ${before} + 2 activations`);
        assert(m.numBytes === before, 'bytes left after the gradient');
        ENGINE.resetPeakBytes();
        assert(tf.memory().peakBytes === before, 'resetPeakBytes did not restart at numBytes');
      }),
    );
  });

  r.test(
    "square (mul(x, x)): one gradient dy·2x, bit for bit the general rule's dy·x + dy·x, one x-sized tensor fewer",
    (env) => {
      expectNoLeak(() =>
        tf.tidy(() => {
          const n = 4096;
          const vals = Array.from({ length: n }, (_, i) => Math.sin(i * 0.37) * 3 + (i % 7) * 1e-3);
          const x = tf.tensor(vals, [n], dt(env));
          const w = tf.tensor(
            vals.map((v, i) => Math.cos(v + i)),
            [n],
            dt(env),
          );
          // The reference: mul of x and a distinct tensor equal to it, so the general rule runs (two products, summed).
          const general = grad((a) => tf.sum(tf.mul(tf.mul(a, tf.add(a, 0)), w)))(x);
          let returned = -1;
          const g = grad((a) => {
            const loss = tf.sum(tf.mul(tf.square(a), w));
            returned = tf.memory().numBytes;
            ENGINE.resetPeakBytes();
            return loss;
          })(x);
          expectArrayEqual(g, general.dataSync(), 'square vs the general mul rule');
          // The walk at square's node: dy (the mul-by-w gradient), 2x and the result; the general rule
          // holds dy, both products and their sum.
          const extra = tf.memory().peakBytes - returned;
          assert(
            extra <= 3 * bytesOf(x) + 64,
            `backward peak ${extra} bytes above f's, over 3 tensors of ${bytesOf(x)}`,
          );
        }),
      );
    },
  );

  r.test(
    "checkpoint: a chain of recomputed segments keeps only their inputs, with the chain rule's gradient",
    (env) => {
      expectNoLeak(() =>
        tf.tidy(() => {
          const segments = 6,
            inner = 4,
            size = 2048;
          const x = tf.fill([size], 0.3, dt(env));
          const w = tf.variable(tf.fill([size], 0.9, dt(env)), { name: 'tape_memory/ckpt_w' });
          // Each segment: inner times h -> tanh(w h); w is captured, not an argument.
          const segment = checkpoint((h: Tensor) => {
            for (let k = 0; k < inner; k++) h = tf.tanh(tf.mul(w, h));
            return h;
          });
          let held = -1;
          const base = tf.memory().numBytes;
          const [gx, gw] = grads((a: Tensor, _v: Tensor) => {
            const y = tf.tidy(() => {
              let h = a;
              for (let s = 0; s < segments; s++) h = segment(h);
              return tf.sum(h);
            });
            held = tf.memory().numBytes - base;
            return y;
          })(x, w);
          // Kept after f: the segments' inputs (segments - 1 of them new; x is not) and the last output
          // at most; plain backprop would keep segments * inner * 2 tensors (Mul's inputs, Tanh's output).
          assert(held <= (segments + 1) * bytesOf(x), `${held} bytes kept after f, more than ${segments + 1} tensors`);
          // Reference: the same chain in float64 on the host, forward then reverse.
          const hs = [0.3];
          for (let k = 0; k < segments * inner; k++) hs.push(Math.tanh(0.9 * hs[k]));
          let dh = 1,
            dw = 0;
          for (let k = segments * inner - 1; k >= 0; k--) {
            const d = dh * (1 - hs[k + 1] * hs[k + 1]);
            dw += d * hs[k];
            dh = d * 0.9;
          }
          const rtol = dt(env) === 'float64' ? 1e-9 : 1e-3;
          expectClose(gx, new Array(size).fill(dh), { rtol });
          expectClose(gw, new Array(size).fill(dw), { rtol });
          w.dispose();
        }),
      );
    },
  );

  r.test(
    'checkpoint: second derivatives through a recomputed segment (the rerun is recorded by the outer tape)',
    (env) => {
      expectNoLeak(() =>
        tf.tidy(() => {
          const xs = [0.5, -1.2, 2];
          const x = tf.tensor(xs, [3], dt(env));
          const seg = checkpoint((h: Tensor) => tf.tanh(h));
          const g2 = grad((a) => tf.sum(grad((b) => tf.sum(seg(b)))(a)))(x);
          // d²/dx² tanh x = -2 tanh x (1 - tanh² x).
          expectClose(
            g2,
            xs.map((v) => -2 * Math.tanh(v) * (1 - Math.tanh(v) ** 2)),
            { rtol: dt(env) === 'float64' ? 1e-9 : 1e-4 },
          );
        }),
      );
    },
  );

  r.test('checkpoint: errors name the function and what it returned', (env) => {
    expectNoLeak(() =>
      tf.tidy(() => {
        const x = tf.tensor([1, 2], [2], dt(env));
        expectThrows(() => checkpoint(3 as unknown as () => Tensor), TypeError, /checkpoint: f must be a function/);
        expectThrows(
          () => checkpoint(() => 1 as unknown as Tensor)(x),
          TypeError,
          /checkpoint: f must return a Tensor or an array of Tensors/,
        );
      }),
    );
  });

  r.test(
    "a tensor read through many slices (disjoint, repeated, overlapping, along two axes) gets every window's gradient",
    (env) => {
      expectNoLeak(() =>
        tf.tidy(() => {
          const [R, C] = [5, 4];
          const x = tf.tensor(
            Array.from({ length: R * C }, (_, i) => i / 10),
            [R, C],
            dt(env),
          );
          // Windows [row0, rows) x [col0, cols), each weighted by its own constant k + 1.
          const windows: [number, number, number, number][][] = [
            [
              [0, 1, 0, 4],
              [2, 2, 0, 4],
              [4, 1, 0, 4],
            ], // disjoint rows with gaps (rows 1 and 3 untouched)
            [
              [0, 1, 0, 4],
              [0, 1, 0, 4],
              [1, 4, 0, 4],
            ], // a repeated window, then the rest
            [
              [0, 3, 0, 4],
              [1, 3, 0, 4],
            ], // overlapping rows
            [
              [0, 5, 0, 2],
              [0, 5, 2, 2],
              [1, 2, 1, 2],
            ], // column windows, then one along both axes
          ];
          for (const ws of windows) {
            const g = grad((a) =>
              ws
                .map(([r0, nr, c0, nc], k) => tf.mul(tf.sum(tf.slice(a, [r0, c0], [nr, nc])), k + 1))
                .reduce((p, q) => tf.add(p, q)),
            )(x);
            const ref = new Array(R * C).fill(0);
            ws.forEach(([r0, nr, c0, nc], k) => {
              for (let i = r0; i < r0 + nr; i++) for (let j = c0; j < c0 + nc; j++) ref[i * C + j] += k + 1;
            });
            expectClose(g, ref, { msg: JSON.stringify(ws) });
          }
        }),
      );
    },
  );
}
