/**
 * Gradient regressions of issue 12, each against hand-derived values or TF's documented rule:
 * windows of size 0 (split/slice), pow's exponent gradient where the base is <= 0 (TF's
 * _PowGrad), and the divisor gradient for tiny divisors (TF's (-a / b) / b).
 */
import fc from 'fast-check';
import { grad, grads } from '@tapeflow/autograd';
import { add, div, mul, pow, slice, split, sum, tensor, tidy, type Tensor } from '@tapeflow/core';
import { expectClose, expectNoLeak, type Registry } from '../harness.js';
import { arrArb, expectGradMatches, property } from './numeric.js';

export function gradRegressionSuite(r: Registry): void {
  r.test('split with a size-0 part: each part gets its own gradient (hand-computed)', () =>
    expectNoLeak(() =>
      tidy(() => {
        const g = grad((v: Tensor) => {
          const [p, q, rr] = split(v, [0, 1, 2]);
          return add(add(sum(p), sum(mul(q, 10))), sum(mul(rr, tensor([20, 30]))));
        })(tensor([1, 2, 3]));
        expectClose(g, [10, 20, 30], { rtol: 0, atol: 0 });
        const g2 = grad((v: Tensor) => {
          const [p, q] = split(v, [0, 3]);
          return add(sum(p), sum(mul(q, tensor([1, 2, 3]))));
        })(tensor([5, 6, 7]));
        expectClose(g2, [1, 2, 3], { rtol: 0, atol: 0 });
        // Only empty windows reach x: its gradient is all zeros, not an error.
        const g3 = grad((v: Tensor) => add(sum(slice(v, [1], [0])), sum(slice(v, [3], [0]))))(tensor([1, 2, 3]));
        expectClose(g3, [0, 0, 0], { rtol: 0, atol: 0 });
      }),
    ),
  );

  r.test(
    'slice windows along one axis, one of size 0 sharing a start with another, match central differences',
    (env) => {
      // Windows spanning axis 1 take the one-concat path in grad_store; the empty one is the case that broke.
      const arb = fc.tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 3 })).chain(([n, m]) =>
        fc.tuple(
          arrArb([n, m]),
          fc
            .array(fc.tuple(fc.integer({ min: 0, max: n }), fc.integer({ min: 0, max: n })), {
              minLength: 1,
              maxLength: 4,
            })
            .map((ws) =>
              [...ws, ws[0]].map(([a, b], i) => ({
                begin: [Math.min(a, b), 0],
                size: [i === ws.length ? 0 : Math.abs(a - b), m],
              })),
            ),
        ),
      );
      property(env, 12, arb, ([x, windows]) =>
        expectGradMatches(
          env,
          (t) => windows.map((w, i) => sum(mul(slice(t, w.begin, w.size), i + 1))).reduce((a, b) => add(a, b)),
          [x],
          JSON.stringify(windows),
        ),
      );
    },
  );

  r.test("pow: d/db where a <= 0 follows TF's _PowGrad (a^b * 0: NaN where a^b is NaN or infinite, else 0)", (env) =>
    tidy(() => {
      const dtype = env.float64 ? 'float64' : 'float32';
      // a^b:      (-8)^(1/3) NaN, (-2)^2 = 4, 0^2 = 0, 0^(-1) = inf, 0^0 = 1, 2^3 = 8
      const a = tensor([-8, -2, 0, 0, 0, 2], [6], dtype);
      const b = tensor([1 / 3, 2, 2, -1, 0, 3], [6], dtype);
      const [, gb] = grads((x: Tensor, y: Tensor) => sum(pow(x, y)))(a, b);
      expectClose(gb, [NaN, 0, 0, NaN, 0, 8 * Math.log(2)], { rtol: 1e-6 });
    }),
  );

  r.test('div: the divisor gradient is (-a / b) / b, finite where b² underflows', (env) =>
    tidy(() => {
      const dtype = env.float64 ? 'float64' : 'float32';
      // float32: b² = 1e-50 underflows to 0; float64: b² = 1e-340 does. The quotients do not.
      const [av, bv] = env.float64 ? [1e-170, 1e-170] : [1e-30, 1e-25];
      const [, gb] = grads((x: Tensor, y: Tensor) => sum(div(x, y)))(
        tensor([av], [1], dtype),
        tensor([bv], [1], dtype),
      );
      expectClose(gb, [-av / bv / bv], { rtol: 1e-5 });
    }),
  );
}
