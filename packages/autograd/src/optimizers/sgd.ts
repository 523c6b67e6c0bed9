import { mul, sub, type Tensor, type Variable } from '@tapeflow/core';
import { Optimizer, assertRate } from './optimizer.js';

/** Plain gradient descent: v -= lr * g. */
export class SGDOptimizer extends Optimizer {
  protected readonly slotNames = [];
  constructor(readonly learningRate: number) {
    super();
    assertRate('sgd', 'learningRate', learningRate, 0);
  }
  protected update(v: Variable, g: Tensor): void {
    v.assign(sub(v, mul(g, this.learningRate)));
  }
}

export const sgd = (learningRate: number): SGDOptimizer => new SGDOptimizer(learningRate);
