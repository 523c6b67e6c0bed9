import { add, div, mul, sqrt, square, sub, type Tensor, type Variable } from '@tapeflow/core';
import { Optimizer, assertRate } from './optimizer.js';

/**
 * TF1's AdamOptimizer (Kingma & Ba, section 2 "efficient version"): the bias corrections are
 * folded into the step size, lr_t = lr * sqrt(1 - beta2^t) / (1 - beta1^t), and eps is added
 * to sqrt(v) unscaled.
 */
export class AdamOptimizer extends Optimizer {
  private step = 0;
  private lrT = 0;
  constructor(readonly learningRate: number, readonly beta1 = 0.9, readonly beta2 = 0.999, readonly epsilon = 1e-8) {
    super();
    assertRate('adam', 'learningRate', learningRate, 0);
    assertRate('adam', 'beta1', beta1, 0, 1);
    assertRate('adam', 'beta2', beta2, 0, 1);
    assertRate('adam', 'epsilon', epsilon, 0);
  }
  protected override beforeStep(): void {
    this.step++;
    this.lrT = this.learningRate * Math.sqrt(1 - this.beta2 ** this.step) / (1 - this.beta1 ** this.step);
  }
  protected update(v: Variable, g: Tensor): void {
    const m = this.slot(v, 'Adam');
    const s = this.slot(v, 'Adam_1');
    m.assign(add(mul(m, this.beta1), mul(g, 1 - this.beta1)));
    s.assign(add(mul(s, this.beta2), mul(square(g), 1 - this.beta2)));
    v.assign(sub(v, mul(div(m, add(sqrt(s), this.epsilon)), this.lrT)));
  }
}

export const adam = (learningRate: number, beta1?: number, beta2?: number, epsilon?: number): AdamOptimizer =>
  new AdamOptimizer(learningRate, beta1, beta2, epsilon);
