/**
 * Optimizers: minimize(loss) = take the loss's gradients with respect to the variables, then
 * let the subclass update each variable in place (Variable.assign). Updates are not recorded.
 */
import { ValueError, dispose, tidy, variable, zeros, type Tensor, type Variable } from '@tapeflow/core';
import { noGrad, variableGradsList } from '../api.js';

export abstract class Optimizer {
  /** Per-variable state (momentum, Adam's moments), created on first use. */
  private slots = new Map<Variable, Map<string, Variable>>();

  /** One step: computes f's gradients and updates the variables. Returns the loss (dispose it). */
  minimize(f: () => Tensor, varList?: readonly Variable[]): Tensor {
    const { value, vars, grads } = variableGradsList('minimize', f, varList);
    if (vars.length === 0) {
      value.dispose();
      throw new ValueError('minimize: f reads no trainable variables, so there is nothing to optimize');
    }
    try {
      this.applyGradients(vars, grads);
    } finally {
      dispose(grads);
    }
    return value;
  }

  /** Applies one update per variable from already computed gradients. */
  applyGradients(vars: readonly Variable[], grads: readonly Tensor[]): void {
    noGrad(() => tidy(() => {
      this.beforeStep();
      vars.forEach((v, i) => this.update(v, grads[i]));
    }));
  }

  protected beforeStep(): void { /* Adam counts steps */ }
  protected abstract update(v: Variable, g: Tensor): void;

  /** A zero-initialized state variable of v's shape, one per (v, name). */
  protected slot(v: Variable, name: string): Variable {
    let byName = this.slots.get(v);
    if (!byName) this.slots.set(v, (byName = new Map()));
    let s = byName.get(name);
    if (!s) {
      const init = zeros(v.shape, v.dtype);
      s = variable(init, { name: `${v.name}/${name}`, trainable: false });
      init.dispose();
      byName.set(name, s);
    }
    return s;
  }

  /** Frees the optimizer's state variables. */
  dispose(): void {
    for (const byName of this.slots.values()) for (const s of byName.values()) s.dispose();
    this.slots.clear();
  }
}

export function assertRate(op: string, name: string, value: number, lo: number, hi = Infinity): void {
  if (typeof value !== 'number' || !(value >= lo && value <= hi)) {
    throw new ValueError(`${op}: ${name} must be a number in [${lo}, ${hi}], got ${value}`);
  }
}

