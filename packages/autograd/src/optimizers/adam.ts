import { ValueError, adamUpdate, type Tensor, type Variable } from '@tapeflow/core';
import { Optimizer, assertRate } from './optimizer.js';
import { stepFromPowers } from './adam_powers.js';

/**
 * TF1's AdamOptimizer (Kingma & Ba, section 2 "efficient version"): the bias corrections are
 * folded into the step size, lr_t = lr * sqrt(1 - beta2^t) / (1 - beta1^t), and eps is added
 * to sqrt(v) unscaled. Slots '<var>/Adam' (m) and '<var>/Adam_1' (v), like TF1; TF1's non-slot
 * 'beta1_power' and 'beta2_power' (beta^(t+1) after t steps) are derived from the step count.
 */
export class AdamOptimizer extends Optimizer {
  protected readonly slotNames = ['Adam', 'Adam_1'];
  private step = 0;
  private lrT = 0;
  constructor(
    readonly learningRate: number,
    readonly beta1 = 0.9,
    readonly beta2 = 0.999,
    readonly epsilon = 1e-8,
  ) {
    super();
    assertRate('adam', 'learningRate', learningRate, 0);
    assertRate('adam', 'beta1', beta1, 0, 1);
    assertRate('adam', 'beta2', beta2, 0, 1);
    assertRate('adam', 'epsilon', epsilon, 0);
  }
  /** Updates applied so far (TF1 keeps it as beta1_power = beta1^(iterations + 1)). */
  get iterations(): number {
    return this.step;
  }
  protected override beforeStep(): void {
    this.step++;
    this.lrT = (this.learningRate * Math.sqrt(1 - this.beta2 ** this.step)) / (1 - this.beta1 ** this.step);
  }
  protected update(v: Variable, g: Tensor): void {
    const m = this.slot(v, 'Adam');
    const s = this.slot(v, 'Adam_1');
    // one pass over the four arrays where the backend has the fused kernel (core composes it otherwise)
    const [v2, m2, s2] = adamUpdate(v, m, s, g, {
      beta1: this.beta1,
      beta2: this.beta2,
      lrT: this.lrT,
      epsilon: this.epsilon,
    });
    m.assign(m2);
    s.assign(s2);
    v.assign(v2);
  }
  protected override nonSlotState(): Record<string, number> {
    return { beta1_power: this.beta1 ** (this.step + 1), beta2_power: this.beta2 ** (this.step + 1) };
  }
  protected override restoreNonSlotState(values: Record<string, number>): () => void {
    const step = stepFromPowers(values.beta1_power, values.beta2_power, this.beta1, this.beta2);
    if (typeof step === 'string') throw new ValueError(`setSlots: ${step} (nothing was changed)`);
    return () => {
      this.step = step;
    };
  }
}

export const adam = (learningRate: number, beta1?: number, beta2?: number, epsilon?: number): AdamOptimizer =>
  new AdamOptimizer(learningRate, beta1, beta2, epsilon);
