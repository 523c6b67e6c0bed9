/**
 * Optimizers: minimize(loss) = take the loss's gradients with respect to the variables, then
 * let the subclass update each variable in place (Variable.assign). Updates are not recorded.
 *
 * TF1's two-step form is here too: computeGradients returns [grad, var] pairs, which a program
 * may clip before applyGradients(pairs) (TF1's `opt.apply_gradients(zip(clipped, tvars))`).
 * The state (slots and step) is readable and restorable under TF1's checkpoint names.
 */
import {
  ENGINE,
  Tensor,
  ValueError,
  Variable,
  dispose,
  formatShape,
  identity,
  scalar,
  shapesEqual,
  tidy,
  variable,
  zeros,
} from '@tapeflow/core';
import { noGrad, variableGradsList } from '../api.js';
import { slotRecord } from './slots.js';

/** [gradient, variable] pairs, TF1's grads_and_vars; a null gradient leaves its variable alone. */
export type GradsAndVars = Array<[Tensor | null, Variable]>;
/** computeGradients' result: the pairs, and the loss they came from (dispose both the gradients and the loss). */
export type ComputedGradients = Array<[Tensor, Variable]> & { loss: Tensor };
/** Gradients keyed by variable name, as variableGrads returns them. */
export type NamedGradients = Readonly<Record<string, Tensor>> | ReadonlyMap<string, Tensor>;

export abstract class Optimizer {
  /** Per-variable state (momentum, Adam's moments), created on first use. */
  private slots = new Map<Variable, Map<string, Variable>>();
  /** Variables this optimizer has met, so gradients keyed by name find them. */
  private known = new Map<string, Variable>();
  /** The TF1 slot names of this optimizer's per-variable state ('Momentum', 'Adam', 'Adam_1'). */
  protected abstract readonly slotNames: readonly string[];

  /** One step: computes f's gradients and updates the variables. Returns the loss (dispose it). */
  minimize(f: () => Tensor, varList?: readonly Variable[]): Tensor {
    const { value, vars, grads } = variableGradsList('minimize', f, varList);
    if (vars.length === 0) {
      value.dispose();
      throw new ValueError('minimize: f reads no trainable variables, so there is nothing to optimize');
    }
    try {
      this.apply('minimize', vars, grads);
    } finally {
      dispose(grads);
    }
    return value;
  }

  /**
   * TF1's compute_gradients: [grad, var] for each variable in varList, or else each trainable
   * variable f reads. The result also carries `.loss`. The caller owns the gradients and the loss.
   */
  computeGradients(f: () => Tensor, varList?: readonly Variable[]): ComputedGradients {
    const { value, vars, grads } = variableGradsList('computeGradients', f, varList);
    for (const v of vars) this.known.set(v.name, v);
    const pairs = vars.map((v, i): [Tensor, Variable] => [grads[i], v]) as ComputedGradients;
    Object.defineProperty(pairs, 'loss', { value, enumerable: false });
    return pairs;
  }

  /**
   * One update from computed gradients, given as
   * - [grad, var] pairs (TF1's `zip(grads, tvars)`; a null grad skips its variable),
   * - gradients keyed by variable name (variableGrads' `grads`), found in `varList` or among the
   *   variables this optimizer has computed gradients for,
   * - or the older (vars, grads) pair of arrays.
   * Every gradient is checked against its variable's shape and dtype before anything changes.
   */
  applyGradients(gradsAndVars: GradsAndVars): void;
  applyGradients(grads: NamedGradients, varList?: readonly Variable[]): void;
  applyGradients(vars: readonly Variable[], grads: readonly Tensor[]): void;
  applyGradients(
    a: GradsAndVars | NamedGradients | readonly Variable[],
    b?: readonly Variable[] | readonly Tensor[],
  ): void {
    const [vars, grads] = this.pairsOf(a, b);
    this.apply('applyGradients', vars, grads);
  }

  private pairsOf(a: unknown, b: unknown): [Variable[], Tensor[]] {
    const op = 'applyGradients';
    if (
      Array.isArray(a) &&
      Array.isArray(b) &&
      a.every((v) => v instanceof Variable) &&
      b.every((g) => g instanceof Tensor)
    ) {
      if (a.length !== b.length) throw new ValueError(`${op}: got ${a.length} variables and ${b.length} gradients`);
      return [a, b];
    }
    if (Array.isArray(a)) {
      const vars: Variable[] = [];
      const grads: Tensor[] = [];
      a.forEach((p, i) => {
        if (!Array.isArray(p) || p.length !== 2)
          throw new TypeError(`${op}: element ${i} must be a [gradient, variable] pair`);
        const [g, v] = p as [unknown, unknown];
        if (!(v instanceof Variable))
          throw new TypeError(`${op}: element ${i}'s second item must be a Variable, got ${describe(v)}`);
        if (g === null || g === undefined) return; // TF1: a None gradient is skipped
        if (!(g instanceof Tensor))
          throw new TypeError(`${op}: the gradient of '${v.name}' must be a Tensor, got ${describe(g)}`);
        vars.push(v);
        grads.push(g);
      });
      if (a.length > 0 && vars.length === 0)
        throw new ValueError(`${op}: no gradients provided for any variable (every gradient is null)`);
      return [vars, grads];
    }
    if (a !== null && typeof a === 'object' && !(a instanceof Tensor)) {
      const byName = new Map<string, Variable>(this.known);
      if (b !== undefined) {
        if (!Array.isArray(b) || !b.every((v) => v instanceof Variable))
          throw new TypeError(`${op}: varList must be an array of Variables`);
        for (const v of b) byName.set(v.name, v);
      }
      const entries =
        a instanceof Map ? [...(a as Map<string, unknown>).entries()] : Object.entries(a as Record<string, unknown>);
      const vars: Variable[] = [];
      const grads: Tensor[] = [];
      for (const [name, g] of entries) {
        const v = byName.get(name);
        if (!v)
          throw new ValueError(
            `${op}: no variable named '${name}' (pass varList, or get the gradients from computeGradients or minimize first)`,
          );
        if (!(g instanceof Tensor))
          throw new TypeError(`${op}: the gradient of '${name}' must be a Tensor, got ${describe(g)}`);
        vars.push(v);
        grads.push(g);
      }
      return [vars, grads];
    }
    throw new TypeError(
      `${op}: expected [gradient, variable] pairs or gradients keyed by variable name, got ${describe(a)}`,
    );
  }

  private apply(op: string, vars: readonly Variable[], grads: readonly Tensor[]): void {
    const seen = new Set<Variable>();
    vars.forEach((v, i) => {
      ENGINE.assertUsable(v, op, `variable '${v.name}'`);
      ENGINE.assertUsable(grads[i], op, `the gradient of '${v.name}'`);
      if (seen.has(v)) throw new ValueError(`${op}: variable '${v.name}' has two gradients`);
      seen.add(v);
      if (!shapesEqual(grads[i].shape, v.shape) || grads[i].dtype !== v.dtype) {
        throw new ValueError(
          `${op}: the gradient of '${v.name}' is ${grads[i].dtype} ${formatShape(grads[i].shape)}, ` +
            `the variable is ${v.dtype} ${formatShape(v.shape)}`,
        );
      }
    });
    for (const v of vars) this.known.set(v.name, v);
    noGrad(() =>
      tidy(() => {
        this.beforeStep();
        vars.forEach((v, i) => this.update(v, grads[i]));
      }),
    );
  }

  protected beforeStep(): void {
    /* Adam counts steps */
  }
  protected abstract update(v: Variable, g: Tensor): void;

  /** A zero-initialized state variable of v's shape, one per (v, name), named like TF1's slot '<var>/<name>'. */
  protected slot(v: Variable, name: string): Variable {
    let byName = this.slots.get(v);
    if (!byName) this.slots.set(v, (byName = new Map<string, Variable>()));
    let s = byName.get(name);
    if (!s) {
      const init = zeros(v.shape, v.dtype);
      s = variable(init, { name: `${v.name}/${name}`, trainable: false });
      init.dispose();
      byName.set(name, s);
    }
    return s;
  }

  /** State that is not per variable, as TF1 names it in checkpoints (Adam: beta1_power, beta2_power). */
  protected nonSlotState(): Record<string, number> {
    return {};
  }
  /** Checks restored non-slot state and returns how to apply it (so nothing changes if any check fails). */
  protected restoreNonSlotState(_values: Record<string, number>): () => void {
    return () => {};
  }

  /**
   * A snapshot of the optimizer's state keyed by TF1's checkpoint names: '<var>/<slot>' for each
   * variable of varList (default: every variable it has state for; a variable not yet updated
   * gets the zeros its first update would start from) and the non-slot state as float32 scalars
   * (Adam: 'beta1_power', 'beta2_power' = beta^(t+1) after t steps). The caller owns the tensors.
   */
  getSlots(varList?: readonly Variable[]): Record<string, Tensor> {
    const vars = varList ?? [...this.slots.keys()];
    return noGrad(() => {
      const out: Record<string, Tensor> = {};
      for (const v of vars) for (const s of this.slotNames) out[`${v.name}/${s}`] = identity(this.slot(v, s));
      for (const [k, x] of Object.entries(this.nonSlotState())) out[k] = scalar(x, 'float32');
      return out;
    });
  }

  /**
   * Restores what getSlots(varList) gave: every key it has, with the same shapes and dtypes.
   * Everything is checked first; on a ValueError nothing has changed. The tensors are not taken over.
   */
  setSlots(slots: NamedGradients, varList: readonly Variable[]): void {
    if (!Array.isArray(varList) || !varList.every((v) => v instanceof Variable)) {
      throw new TypeError('setSlots: varList must be the Variables whose slots these are');
    }
    const plan = slotRecord('setSlots', slots, varList, this.slotNames, Object.keys(this.nonSlotState()));
    const applyNonSlot = this.restoreNonSlotState(plan.nonSlot);
    noGrad(() => {
      for (const { v, slot, value } of plan.slots) this.slot(v, slot).assign(value);
    });
    for (const v of varList) this.known.set(v.name, v);
    applyNonSlot();
  }

  /** Frees the optimizer's state variables. */
  dispose(): void {
    for (const byName of this.slots.values()) for (const s of byName.values()) s.dispose();
    this.slots.clear();
    this.known.clear();
  }
}

// By typeof, so each case prints a narrowed type (String() of a bare unknown is not checkable).
function describe(x: unknown): string {
  if (x === null) return 'null';
  switch (typeof x) {
    case 'string':
      return `'${x}' (a string)`;
    case 'object':
      return Array.isArray(x) ? 'an array' : (x.constructor?.name ?? 'an object');
    case 'number':
    case 'boolean':
    case 'bigint':
      return `${x} (a ${typeof x})`;
    case 'symbol':
      return `${x.toString()} (a symbol)`;
    case 'undefined':
      return 'undefined (a undefined)';
    default:
      return `${(x as () => unknown).toString()} (a function)`; // typeof gave 'function'
  }
}

export function assertRate(op: string, name: string, value: number, lo: number, hi = Infinity): void {
  if (typeof value !== 'number' || !(value >= lo && value <= hi)) {
    throw new ValueError(`${op}: ${name} must be a number in [${lo}, ${hi}], got ${describe(value)}`);
  }
}
