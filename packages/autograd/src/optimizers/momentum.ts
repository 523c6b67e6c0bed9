import { add, mul, sub, type Tensor, type Variable } from '@tapeflow/core';
import { Optimizer, assertRate } from './optimizer.js';

/** TF1's MomentumOptimizer: accum = m * accum + g; v -= lr * accum. */
export class MomentumOptimizer extends Optimizer {
  protected readonly slotNames = ['Momentum'];
  constructor(
    readonly learningRate: number,
    readonly momentum: number,
  ) {
    super();
    assertRate('momentum', 'learningRate', learningRate, 0);
    assertRate('momentum', 'momentum', momentum, 0);
  }
  protected update(v: Variable, g: Tensor): void {
    const accum = this.slot(v, 'Momentum');
    accum.assign(add(mul(accum, this.momentum), g));
    v.assign(sub(v, mul(accum, this.learningRate)));
  }
}

export const momentum = (learningRate: number, m: number): MomentumOptimizer => new MomentumOptimizer(learningRate, m);
