/**
 * Gradients of the ops TF1 ports use (issue 12), first order against central differences and,
 * for the elementwise ones, second order against closed forms: everything composite must stay
 * differentiable twice, since its gradient is written with recorded ops.
 */
import * as tf from '@tapeflow/core';
import { grad } from '@tapeflow/autograd';
import { expectClose, type Registry } from '../../../core/test/conformance/harness.js';
import { secondDerivative } from './higher_order.js';
import { unaryCase } from './op_grads.js';

export function tf1OpGradSuite(r: Registry): void {
  // ---- math ----
  unaryCase(r, 'log1p', tf.log1p, { lo: -0.8, hi: 3 });
  secondDerivative(r, 'log1p', tf.log1p, (x) => -1 / (1 + x) ** 2, -0.7, 3);
  r.test('floor, ceil, round and sign have zero gradient (TensorFlow: None / zeros)', () => tf.tidy(() => {
    const x = tf.tensor([-1.7, -0.2, 0.3, 2.5]);
    for (const f of [tf.floor, tf.ceil, tf.round, tf.sign]) {
      expectClose(grad((t) => tf.sum(tf.add(f(t), t)))(x), [1, 1, 1, 1], { rtol: 0, atol: 0, msg: f.name });
    }
  }));
}
