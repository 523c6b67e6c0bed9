/**
 * The conformance harness: suites are plain functions that register named cases; adapters run
 * them under ava in Node (ava.ts) or in a real browser page (backend-webgl). Cases assert by
 * throwing, so they run unchanged anywhere. Nothing here imports Node-only modules.
 */
import { memory, Tensor, type TypedArray } from '@tapeflow/core';

export interface TestEnv {
  /** Backend under test, already active when a case runs. */
  backend: string;
  /** Whether the backend stores float64 (then gradient checks run in float64). */
  float64: boolean;
  /** Multiplies fast-check run counts (CI and browsers may scale down). */
  runsScale: number;
}

export type CaseFn = (env: TestEnv) => void | Promise<void>;
export interface Case {
  name: string;
  fn: CaseFn;
}
export interface Registry {
  test(name: string, fn: CaseFn): void;
}
export type SuiteDef = (r: Registry) => void;

/** Collects the cases of several suites, prefixing each name with its suite name. */
export function collect(suites: Record<string, SuiteDef>): Case[] {
  const cases: Case[] = [];
  for (const [suite, def] of Object.entries(suites)) {
    def({ test: (name, fn) => cases.push({ name: `${suite} › ${name}`, fn }) });
  }
  const seen = new Set<string>();
  for (const c of cases) {
    if (seen.has(c.name)) throw new Error(`duplicate conformance case name: ${c.name}`);
    seen.add(c.name);
  }
  return cases;
}

/** Fixed seed: every run of the suite draws the same fast-check cases. */
export const FC_SEED = 20261124;
export function fcParams(env: TestEnv, numRuns: number): { seed: number; numRuns: number; endOnFailure: true } {
  return { seed: FC_SEED, numRuns: Math.max(1, Math.round(numRuns * env.runsScale)), endOnFailure: true };
}

export class AssertionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AssertionError';
  }
}

export function assert(cond: unknown, message: string): asserts cond {
  if (!cond) throw new AssertionError(message);
}

type Numeric = Tensor | TypedArray | readonly number[] | number;
function values(x: Numeric): ArrayLike<number> {
  if (x instanceof Tensor) return x.dataSync();
  if (typeof x === 'number') return [x];
  return x;
}

/**
 * The element of `a` furthest outside |a - e| <= tol(i), or -1 when all are inside. NaNs must
 * match (a mismatch is the worst); equal values (matching infinities too) always pass.
 */
function worstOutside(a: ArrayLike<number>, e: ArrayLike<number>, tol: (i: number) => number, msg: string): number {
  assert(a.length === e.length, `${msg} length ${a.length} != expected ${e.length}`);
  let worst = -1,
    worstErr = 0;
  for (let i = 0; i < a.length; i++) {
    if (Number.isNaN(e[i]) || Number.isNaN(a[i])) {
      if (Number.isNaN(e[i]) !== Number.isNaN(a[i])) return i;
      continue;
    }
    if (a[i] === e[i]) continue;
    const err = Math.abs(a[i] - e[i]) - tol(i);
    if (err > worstErr || Number.isNaN(err)) {
      worst = i;
      worstErr = Number.isNaN(err) ? Infinity : err;
    }
  }
  return worst;
}

const head = (a: ArrayLike<number>): string =>
  `[${Array.from(a).slice(0, 12).join(', ')}${a.length > 12 ? ', ...' : ''}]`;

/** |a - e| <= atol + rtol * |e| elementwise; reports the worst element. NaNs must match. */
export function expectClose(
  actual: Numeric,
  expected: Numeric,
  opts: { rtol?: number; atol?: number; msg?: string } = {},
): void {
  const { rtol = 1e-5, atol = 1e-6, msg = '' } = opts;
  const a = values(actual);
  const e = values(expected);
  const worst = worstOutside(a, e, (i) => atol + rtol * Math.abs(e[i]), msg);
  if (worst >= 0) {
    throw new AssertionError(
      `${msg} mismatch at flat index ${worst}: got ${a[worst]}, expected ${e[worst]} ` +
        `(rtol ${rtol}, atol ${atol}); got ${head(a)}`,
    );
  }
}

export function expectShape(t: Tensor, shape: readonly number[], msg = ''): void {
  assert(
    t.shape.length === shape.length && t.shape.every((d, i) => d === shape[i]),
    `${msg} shape [${t.shape}] != expected [${shape}]`,
  );
}

export function expectArrayEqual(actual: Numeric, expected: Numeric, msg = ''): void {
  expectClose(actual, expected, { rtol: 0, atol: 0, msg });
}

/** fn must throw an instance of `type` whose message matches every pattern. */
export function expectThrows(fn: () => unknown, type: new (...a: never[]) => Error, ...patterns: RegExp[]): Error {
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  assert(err !== undefined, `expected ${type.name} but nothing was thrown`);
  assert(err instanceof type, `expected ${type.name}, got ${(err as Error)?.name}: ${(err as Error)?.message}`);
  for (const p of patterns)
    assert(p.test(err.message), `error message ${JSON.stringify(err.message)} does not match ${p}`);
  return err;
}

/** Runs fn and asserts the live tensor count is unchanged afterwards (fn disposes or tidies its results). */
export function expectNoLeak<T>(fn: () => T, msg = ''): T {
  const before = memory().numTensors;
  const r = fn();
  const after = memory().numTensors;
  assert(after === before, `${msg} leaked ${after - before} tensors (${before} before, ${after} after)`);
  return r;
}

/**
 * |a - e| <= tol[i] elementwise, with a per-element tolerance (e.g. an error bound proportional
 * to the sum of |terms| of a dot product or reduction). NaNs must match; reports the worst element.
 */
export function expectWithin(actual: Numeric, expected: Numeric, tol: Numeric, msg = ''): void {
  const a = values(actual);
  const e = values(expected);
  const t = values(tol);
  const at = (i: number): number => (t.length === 1 ? t[0] : t[i]);
  const worst = worstOutside(a, e, at, msg);
  if (worst >= 0) {
    throw new AssertionError(
      `${msg} mismatch at flat index ${worst}: got ${a[worst]}, expected ${e[worst]} ` +
        `(tolerance ${at(worst)}); got ${head(a)}`,
    );
  }
}

/** Asserts a nested JS value (arraySync's result) equals `expected` exactly, structure included. */
export function expectNestedEqual(actual: unknown, expected: unknown, msg = ''): void {
  const show = (x: unknown): string => JSON.stringify(x);
  const eq = (a: unknown, e: unknown): boolean => {
    if (Array.isArray(e)) return Array.isArray(a) && a.length === e.length && e.every((v, i) => eq(a[i], v));
    return a === e || (Number.isNaN(a) && Number.isNaN(e));
  };
  assert(eq(actual, expected), `${msg} got ${show(actual)}, expected ${show(expected)}`);
}

/** Like expectThrows, for async functions and promises (e.g. setBackend). */
export async function expectRejects(
  fn: () => Promise<unknown>,
  type: new (...a: never[]) => Error,
  ...patterns: RegExp[]
): Promise<Error> {
  let err: unknown;
  try {
    await fn();
  } catch (e) {
    err = e;
  }
  assert(err !== undefined, `expected ${type.name} but the promise resolved`);
  assert(err instanceof type, `expected ${type.name}, got ${(err as Error)?.name}: ${(err as Error)?.message}`);
  for (const p of patterns)
    assert(p.test(err.message), `error message ${JSON.stringify(err.message)} does not match ${p}`);
  return err;
}
