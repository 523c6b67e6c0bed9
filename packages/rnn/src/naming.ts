/**
 * TF1 variable scopes, so weights get TF1's names ('rnn/multi_rnn_cell/cell_0/lstm_cell/kernel')
 * and TF1 checkpoints map onto them by name.
 *
 * Like TF1's default graph this is module-level state: a stack of open scopes, a count of how
 * often each scope path was opened (cells pick 'lstm_cell', 'lstm_cell_1', ... from it) and the
 * variables created so far. The bookkeeping follows tensorflow/python/ops/variable_scope.py:
 * - opening a scope counts it; closing a named scope resets the counts of its sub-scopes, so two
 *   dynamicRnn calls in the default 'rnn' scope both ask for 'rnn/lstm_cell' and the second
 *   fails with TF's "already exists" error (give each call its own scope);
 * - a cell captures its scope on its first call and re-enters that scope on every later call, so
 *   a cell object reused anywhere keeps its weights.
 * resetDefaultGraph() starts over (use it between independent tests or models).
 */
import { variable, ValueError, type DType, type Variable } from '@tapeflow/core';
import { glorotUniform, initialValue, type Initializer } from './initializers.js';

/**
 * TF1's reuse flag of a scope: true (get_variable must find the variable: tf's reuse=True),
 * 'auto' (find it or create it: tf.AUTO_REUSE), or undefined (create; an existing name is an
 * error). Nested scopes inherit it, and it cannot be switched off inside a reusing scope.
 */
export type Reuse = true | 'auto' | undefined;

/** An open variable scope: its full path, the default initializer of variables in it, its reuse flag. */
export interface Scope {
  readonly name: string;
  readonly initializer?: Initializer;
  readonly reuse?: Reuse;
}

class Graph {
  scopes: Scope[] = [];
  counts = new Map<string, number>();
  variables = new Map<string, Variable>();
}
let graph = new Graph();

const ROOT: Scope = { name: '' };
const join = (scope: string, name: string): string => (scope ? `${scope}/${name}` : name);

export function currentScope(): Scope {
  return graph.scopes[graph.scopes.length - 1] ?? ROOT;
}

function open(name: string): void {
  graph.counts.set(name, (graph.counts.get(name) ?? 0) + 1);
}

function closeSubscopes(name: string): void {
  for (const k of graph.counts.keys()) if (k.startsWith(`${name}/`)) graph.counts.set(k, 0);
}

function assertScopeName(name: unknown, where: string): asserts name is string {
  if (typeof name !== 'string' || name === '' || name.startsWith('/') || name.endsWith('/')) {
    throw new ValueError(
      `${where}: scope name must be a non-empty string without a leading or trailing '/', got ${JSON.stringify(name)}`,
    );
  }
}

export interface VariableScopeOptions {
  /** Default initializer of the variables created inside that do not ask for one. */
  initializer?: Initializer;
  /** true: share the variables already made under this path (TF's reuse=True); 'auto': share or create (AUTO_REUSE). */
  reuse?: Reuse;
}

function assertReuse(where: string, reuse: unknown): asserts reuse is Reuse {
  if (reuse !== undefined && reuse !== true && reuse !== 'auto') {
    throw new ValueError(
      `${where}: reuse must be true, 'auto' or undefined (TF1's reuse=True / tf.AUTO_REUSE / None), got ${JSON.stringify(reuse)}`,
    );
  }
}

/**
 * Runs fn inside the scope `name` (nested in the current one), like TF1's
 * `with tf.variable_scope(name, initializer=..., reuse=...)`. The initializer is the default for
 * variables created inside that do not ask for a specific one (kernels; biases always have their
 * own). With `reuse`, cells built inside find the variables an earlier model made under the same
 * names and share them instead of failing with "already exists".
 */
export function variableScope<T>(name: string, fn: () => T, opts: VariableScopeOptions = {}): T {
  assertScopeName(name, 'variableScope');
  if (typeof fn !== 'function') throw new TypeError('variableScope: fn must be a function');
  if (opts === null || typeof opts !== 'object')
    throw new TypeError(`variableScope: opts must be an object, got ${String(opts)}`);
  assertReuse('variableScope', opts.reuse);
  const outer = currentScope();
  // TF: reuse is inherited and stays on (True wins over AUTO_REUSE once set).
  const reuse: Reuse = outer.reuse === true ? true : (opts.reuse ?? outer.reuse);
  const scope: Scope = { name: join(outer.name, name), initializer: opts.initializer ?? outer.initializer, reuse };
  open(scope.name);
  graph.scopes.push(scope);
  try {
    return fn();
  } finally {
    graph.scopes.pop();
    closeSubscopes(scope.name);
  }
}

/**
 * The scope a layer named `base` gets when first called here: `base`, or `base_1`, `base_2`, ...
 * if that path was already opened (TF's default_name uniquification).
 */
export function uniqueScope(base: string): Scope {
  assertScopeName(base, 'uniqueScope');
  const outer = currentScope();
  const used = (n: string): boolean => (graph.counts.get(join(outer.name, n)) ?? 0) > 0;
  let name = base;
  for (let i = 1; used(name); i++) name = `${base}_${i}`;
  const scope: Scope = { name: join(outer.name, name), initializer: outer.initializer, reuse: outer.reuse };
  open(scope.name);
  closeSubscopes(scope.name);
  return scope;
}

/** Re-enters a captured scope (a cell's own); sub-scope counts are restored on exit, as in TF. */
export function inScope<T>(scope: Scope, fn: () => T): T {
  const g = graph;
  open(scope.name);
  const saved = new Map(g.counts);
  g.scopes.push(scope);
  try {
    return fn();
  } finally {
    g.scopes.pop();
    g.counts = saved;
  }
}

/**
 * The variable `<current scope>/<name>`, created or, in a reusing scope, found. Initializer: the
 * one given, else the scope's default, else glorot-uniform. Without reuse an existing name is
 * TF1's "already exists" ValueError; with reuse=true a missing one is TF1's "does not exist",
 * and a found one must have the asked shape and dtype. `created` tells the caller whether it owns it.
 */
export function findOrCreateVariable(
  name: string,
  shape: readonly number[],
  dtype: DType,
  initializer?: Initializer,
  trainable = true,
): { variable: Variable; created: boolean } {
  const scope = currentScope();
  const full = join(scope.name, name);
  const found = graph.variables.get(full);
  if (found && scope.reuse !== undefined) {
    if (found.shape.length !== shape.length || found.shape.some((d, i) => d !== shape[i])) {
      throw new ValueError(
        `Trying to share variable ${full}, but specified shape [${shape}] and found shape [${found.shape}]`,
      );
    }
    if (found.dtype !== dtype) {
      throw new ValueError(
        `Trying to share variable ${full}, but specified dtype ${dtype} and found dtype ${found.dtype}`,
      );
    }
    return { variable: found, created: false };
  }
  if (found) {
    throw new ValueError(
      `Variable ${full} already exists, disallowed. Did you mean to set reuse (variableScope(name, fn, {reuse: true | 'auto'}))? ` +
        `Otherwise each new cell needs its own variable scope (e.g. dynamicRnn(cell, x, {scope: 'layer2'})), or reuse the cell object that owns it, or call resetDefaultGraph()`,
    );
  }
  if (scope.reuse === true) {
    throw new ValueError(
      `Variable ${full} does not exist, or was not created with getVariable(). Did you mean to set reuse: 'auto' in variableScope?`,
    );
  }
  const init = initializer ?? scope.initializer ?? glorotUniform();
  const value = initialValue(init, shape, dtype, full);
  const v = variable(value, { name: full, trainable, dtype });
  value.dispose();
  graph.variables.set(full, v);
  return { variable: v, created: true };
}

/** TF1's tf.get_variable: findOrCreateVariable's variable. */
export function getVariable(
  name: string,
  shape: readonly number[],
  dtype: DType,
  initializer?: Initializer,
  trainable = true,
): Variable {
  return findOrCreateVariable(name, shape, dtype, initializer, trainable).variable;
}

/** Every variable created (and not released) since the last resetDefaultGraph, in creation order. */
export const globalVariables = (): Variable[] => [...graph.variables.values()];
export const trainableVariables = (): Variable[] => globalVariables().filter((v) => v.trainable);

/** Disposes a variable and frees its name (used by RNNCell.dispose). */
export function releaseVariable(v: Variable): void {
  if (graph.variables.get(v.name) === v) graph.variables.delete(v.name);
  v.dispose();
}

/**
 * Forgets every scope count and disposes every variable created so far, like TF1's
 * tf.reset_default_graph(): cells built before cannot be used afterwards.
 */
export function resetDefaultGraph(): void {
  for (const v of graph.variables.values()) v.dispose();
  graph = new Graph();
}
