/**
 * The gradient functions. Each call: start a tape, run f while it records, walk the tape
 * backwards from f's result, then release the tape. Everything f and the walk created is
 * disposed except what is returned; saved tensors live until the tape is released.
 */
import {
  ENGINE,
  Tensor,
  ValueError,
  Variable,
  add,
  formatShape,
  identity,
  mul,
  ones,
  shapesEqual,
  sum,
  zeros,
} from '@tapeflow/core';
import { backward } from './backward.js';
import { notRecording, recording } from './recording.js';
import { Tape } from './tape.js';

export interface ValueAndGrad {
  value: Tensor;
  grad: Tensor;
}
export interface ValueAndGrads {
  value: Tensor;
  grads: Tensor[];
}
export interface VariableGrads {
  value: Tensor;
  grads: Record<string, Tensor>;
}

function assertArgs(op: string, xs: readonly unknown[]): asserts xs is Tensor[] {
  xs.forEach((x, i) => ENGINE.assertUsable(x, op, xs.length === 1 ? 'x' : `xs[${i}]`));
}

function assertResult(op: string, y: unknown, dy: Tensor | undefined): asserts y is Tensor {
  if (!(y instanceof Tensor))
    throw new TypeError(`${op}: f must return a Tensor, got ${y === null ? 'null' : typeof y}`);
  if (dy === undefined) {
    if (y.rank !== 0) {
      throw new ValueError(
        `${op}: f must return a scalar when no dy is given, got ${y.dtype} ${formatShape(y.shape)}; ` +
          'pass dy (the gradient of the result) or reduce it, e.g. with sum()',
      );
    }
    return;
  }
  ENGINE.assertUsable(dy, op, 'dy');
  if (!shapesEqual(dy.shape, y.shape) || dy.dtype !== y.dtype) {
    throw new ValueError(
      `${op}: dy is ${dy.dtype} ${formatShape(dy.shape)} but f returned ${y.dtype} ${formatShape(y.shape)}`,
    );
  }
}

/**
 * The one gradient computation behind every API function: f(...xs) and d(result)/d(sources).
 * `sources` is a function of the tape so variableGrads can choose them after f has run.
 */
export function gradient(
  op: string,
  f: () => unknown,
  sources: (tape: Tape) => readonly Tensor[],
  dy?: Tensor,
  watch?: (t: Tensor) => boolean,
): { value: Tensor; sources: readonly Tensor[]; grads: Tensor[] } {
  const tape = new Tape(watch);
  try {
    return ENGINE.tidy(() => {
      const value = recording(tape, f);
      assertResult(op, value, dy);
      const xs = sources(tape);
      const gs = backward(tape, xs, value, dy ?? ones(value.shape, value.dtype), vjp);
      // A source f did not use gets a zero gradient; the caller's own dy is returned as a copy.
      const grads = gs.map((g, i) => (g === undefined ? zeros(xs[i].shape, xs[i].dtype) : g === dy ? identity(g) : g));
      return { value, sources: xs, grads };
    });
  } finally {
    tape.release();
  }
}

/** The tape's watch test for a fixed list of sources. */
export function oneOf(xs: readonly Tensor[]): (t: Tensor) => boolean {
  if (xs.length === 1) {
    const x = xs[0];
    return (t) => t === x;
  }
  const set = new Set(xs);
  return (t) => set.has(t);
}

const isTrainable = (t: Tensor): boolean => t instanceof Variable && t.trainable;

/** Array.isArray as a plain boolean: its guard would turn a readonly T[] into any[]. */
export const isArray = (x: unknown): boolean => Array.isArray(x);

function assertFn(op: string, f: unknown): void {
  if (typeof f !== 'function') throw new TypeError(`${op}: f must be a function, got ${typeof f}`);
}

/** grads(f)(...xs), or TensorFlow.js style grads(f)([x1, x2], dy). */
function splitArgs(args: unknown[]): [Tensor[], Tensor | undefined] {
  return Array.isArray(args[0]) ? [args[0] as Tensor[], args[1] as Tensor | undefined] : [args as Tensor[], undefined];
}

/** grad(f)(x, dy?) = d f(x) / dx. */
export function grad(f: (x: Tensor) => Tensor): (x: Tensor, dy?: Tensor) => Tensor {
  assertFn('grad', f);
  return (x, dy) => {
    assertArgs('grad', [x]);
    const { value, grads } = gradient(
      'grad',
      () => f(x),
      () => [x],
      dy,
      oneOf([x]),
    );
    if (value !== x) value.dispose();
    return grads[0];
  };
}

export interface GradsFn {
  (...xs: Tensor[]): Tensor[];
  (xs: readonly Tensor[], dy?: Tensor): Tensor[];
}

/** grads(f)(...xs) = [df/dx1, df/dx2, ...]. */
export function grads(f: (...xs: Tensor[]) => Tensor): GradsFn {
  assertFn('grads', f);
  return (...args: unknown[]) => {
    const [xs, dy] = splitArgs(args);
    assertArgs('grads', xs);
    const { value, grads } = gradient(
      'grads',
      () => f(...xs),
      () => xs,
      dy,
      oneOf(xs),
    );
    if (!xs.includes(value)) value.dispose();
    return grads;
  };
}

export function valueAndGrad(f: (x: Tensor) => Tensor): (x: Tensor, dy?: Tensor) => ValueAndGrad {
  assertFn('valueAndGrad', f);
  return (x, dy) => {
    assertArgs('valueAndGrad', [x]);
    const { value, grads } = gradient(
      'valueAndGrad',
      () => f(x),
      () => [x],
      dy,
      oneOf([x]),
    );
    return { value, grad: grads[0] };
  };
}

export interface ValueAndGradsFn {
  (...xs: Tensor[]): ValueAndGrads;
  (xs: readonly Tensor[], dy?: Tensor): ValueAndGrads;
}

export function valueAndGrads(f: (...xs: Tensor[]) => Tensor): ValueAndGradsFn {
  assertFn('valueAndGrads', f);
  return (...args: unknown[]) => {
    const [xs, dy] = splitArgs(args);
    assertArgs('valueAndGrads', xs);
    const { value, grads } = gradient(
      'valueAndGrads',
      () => f(...xs),
      () => xs,
      dy,
      oneOf(xs),
    );
    return { value, grads };
  };
}

/** The trainable variables f read, in the order it first read them. */
function trainableVariablesOn(tape: Tape): Variable[] {
  const seen = new Set<Variable>();
  for (const node of tape.nodes) {
    for (const t of node.inputs) if (t instanceof Variable && t.trainable) seen.add(t);
  }
  return [...seen];
}

/** Gradients of f() with respect to varList, or else every trainable variable f reads. */
export function variableGradsList(
  op: string,
  f: () => Tensor,
  varList?: readonly Variable[],
): { value: Tensor; vars: Variable[]; grads: Tensor[] } {
  assertFn(op, f);
  if (varList !== undefined) {
    if (!isArray(varList)) throw new TypeError(`${op}: varList must be an array of Variables`);
    varList.forEach((v, i) => {
      if (!(v instanceof Variable)) throw new TypeError(`${op}: varList[${i}] must be a Variable, got ${String(v)}`);
    });
  }
  const { value, sources, grads } = gradient(
    op,
    f,
    (tape) => varList ?? trainableVariablesOn(tape),
    undefined,
    varList ? oneOf(varList) : isTrainable,
  );
  return { value, vars: sources as Variable[], grads };
}

export function variableGrads(f: () => Tensor, varList?: readonly Variable[]): VariableGrads {
  const { value, vars, grads } = variableGradsList('variableGrads', f, varList);
  return { value, grads: Object.fromEntries(vars.map((v, i) => [v.name, grads[i]])) };
}

/** The same values as x, but gradients do not flow through it (an unrecorded view). */
export function stopGradient(x: Tensor): Tensor {
  ENGINE.assertUsable(x, 'stopGradient', 'x');
  return ENGINE.share(x);
}

/** Runs fn without recording anything, even inside a gradient. */
export function noGrad<T>(fn: () => T): T {
  assertFn('noGrad', fn);
  return notRecording(fn);
}

/**
 * The vector-Jacobian product: the gradients, with respect to each of xs, of
 * sum_k <f(...xs)_k, dys_k> (f returns one Tensor or several, dys one per output, same shapes).
 * It runs under a tape of its own, so what it computes is recorded by any outer tape: a rule or
 * a customGrad written with vjp can be differentiated again.
 */
export function vjp(
  f: (...xs: Tensor[]) => Tensor | Tensor[],
  xs: readonly Tensor[],
  dys: Tensor | readonly Tensor[],
): Tensor[] {
  assertFn('vjp', f);
  if (!Array.isArray(xs)) throw new TypeError('vjp: xs must be an array of Tensors');
  assertArgs('vjp', xs);
  const ds: readonly Tensor[] = dys instanceof Tensor ? [dys] : dys;
  if (!isArray(ds)) throw new TypeError('vjp: dys must be a Tensor or an array of Tensors');
  ds.forEach((d, k) => ENGINE.assertUsable(d, 'vjp', `dys[${k}]`));
  const { value, grads } = gradient(
    'vjp',
    () => {
      const r = f(...xs);
      const ys = r instanceof Tensor ? [r] : r;
      if (!Array.isArray(ys) || ys.length !== ds.length) {
        throw new ValueError(
          `vjp: f returned ${Array.isArray(ys) ? ys.length : typeof ys} output(s) but ${ds.length} dys were given`,
        );
      }
      ys.forEach((y, k) => {
        if (!(y instanceof Tensor) || !shapesEqual(y.shape, ds[k].shape)) {
          throw new ValueError(
            `vjp: output ${k} of f is ${y instanceof Tensor ? formatShape(y.shape) : typeof y}, dys[${k}] is ${formatShape(ds[k].shape)}`,
          );
        }
      });
      return ys.map((y, k) => sum(mul(y, ds[k]))).reduce((a, b) => add(a, b));
    },
    () => xs,
    undefined,
    oneOf(xs),
  );
  value.dispose();
  return grads;
}
