/**
 * Nested structures, as tensorflow/python/util/nest.py handles them. A structure is built of
 * arrays (TF's lists and tuples), plain objects (TF's dicts: values are ordered by sorted key)
 * and LSTMStateTuple (a namedtuple: fields c, h). Everything else - Tensors, numbers, null - is a
 * leaf. The unrollers use these to slice nested inputs and to carry nested states.
 */
import { Tensor, ValueError } from '@tapeflow/core';
import { LSTMStateTuple } from './cells/state_tuple.js';

export type Nest<T> = T | readonly Nest<T>[] | { readonly [key: string]: Nest<T> } | LSTMStateTuple<Nest<T>>;

function isPlainObject(x: unknown): x is Record<string, unknown> {
  if (x === null || typeof x !== 'object') return false;
  const proto: unknown = Object.getPrototypeOf(x);
  return proto === Object.prototype || proto === null;
}

/** True for the structure nodes (arrays, plain objects, LSTMStateTuple), false for leaves. */
export function isNested(x: unknown): boolean {
  return Array.isArray(x) || x instanceof LSTMStateTuple || isPlainObject(x);
}

type Kind = 'array' | 'object' | 'LSTMStateTuple';
function kindOf(x: unknown): Kind {
  return Array.isArray(x) ? 'array' : x instanceof LSTMStateTuple ? 'LSTMStateTuple' : 'object';
}

/** The children of a structure node, in TF's order (dict values by sorted key). */
export function children(x: unknown): unknown[] {
  if (Array.isArray(x)) return x;
  if (x instanceof LSTMStateTuple) return [x.c, x.h];
  const o = x as Record<string, unknown>;
  return sortedKeys(o).map((k) => o[k]);
}

// Python sorts str keys by code point; plain string comparison (not localeCompare) agrees.
const sortedKeys = (o: object): string[] => Object.keys(o).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

/** The leaves of a structure, depth first; a leaf on its own flattens to [leaf]. */
export function flatten<T>(structure: Nest<T>): T[] {
  const out: T[] = [];
  const walk = (x: unknown): void => {
    if (isNested(x)) for (const c of children(x)) walk(c);
    else out.push(x as T);
  };
  walk(structure);
  return out;
}

/** Rebuilds `structure`'s shape with the leaves of `flat`, in flatten order. */
export function packSequenceAs<T>(structure: Nest<unknown>, flat: readonly T[]): Nest<T> {
  if (!Array.isArray(flat))
    throw new TypeError(`packSequenceAs: flat_sequence must be an array, got ${describe(flat)}`);
  const n = flatten(structure).length;
  if (n !== flat.length) {
    throw new ValueError(
      `packSequenceAs: could not pack sequence. Structure had ${n} elements, but flat_sequence had ` +
        `${flat.length} elements. Structure: ${describe(structure)}, flat_sequence: ${describe(flat)}`,
    );
  }
  let i = 0;
  const build = (x: unknown): unknown => {
    if (!isNested(x)) return flat[i++];
    if (Array.isArray(x)) return x.map(build);
    if (x instanceof LSTMStateTuple) {
      const c = build(x.c);
      return new LSTMStateTuple(c, build(x.h));
    }
    const o: Record<string, unknown> = {};
    for (const k of sortedKeys(x as object)) o[k] = build((x as Record<string, unknown>)[k]);
    return o;
  };
  return build(structure) as Nest<T>;
}

/**
 * Throws ValueError when two structures nest differently (different nesting, lengths or dict
 * keys) and, with checkTypes, TypeError when a node is an array in one and an object or an
 * LSTMStateTuple in the other. Leaves may differ freely.
 */
export function assertSameStructure(a: Nest<unknown>, b: Nest<unknown>, checkTypes = true): void {
  const fail = (why: string): never => {
    throw new ValueError(
      `The two structures don't have the same nested structure (${why}).\n\n` +
        `First structure: ${describe(a)}\n\nSecond structure: ${describe(b)}`,
    );
  };
  const walk = (x: unknown, y: unknown, path: string): void => {
    const nx = isNested(x),
      ny = isNested(y);
    if (nx !== ny)
      fail(`at ${path || 'the root'}, ${nx ? 'a structure' : 'a leaf'} vs ${ny ? 'a structure' : 'a leaf'}`);
    if (!nx) return;
    const kx = kindOf(x),
      ky = kindOf(y);
    if (checkTypes && kx !== ky) {
      throw new TypeError(
        `The two structures don't have the same sequence type: at ${path || 'the root'}, ` +
          `${kx} vs ${ky}.\n\nFirst structure: ${describe(a)}\n\nSecond structure: ${describe(b)}`,
      );
    }
    if (kx === 'object' && ky === 'object') {
      const keysX = sortedKeys(x as object),
        keysY = sortedKeys(y as object);
      if (keysX.join('\u0000') !== keysY.join('\u0000')) {
        fail(`at ${path || 'the root'}, the dictionaries have keys [${keysX}] vs [${keysY}]`);
      }
    }
    const cx = children(x),
      cy = children(y);
    if (cx.length !== cy.length) fail(`at ${path || 'the root'}, ${cx.length} vs ${cy.length} elements`);
    cx.forEach((c, i) => walk(c, cy[i], `${path}[${i}]`));
  };
  walk(a, b, '');
}

/** Applies fn to the corresponding leaves of one or more structures of the same shape. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function mapStructure<R>(fn: (...leaves: any[]) => R, ...structures: Nest<unknown>[]): Nest<R> {
  if (typeof fn !== 'function') throw new TypeError(`mapStructure: fn must be a function, got ${describe(fn)}`);
  if (structures.length === 0) throw new ValueError('mapStructure: must provide at least one structure');
  for (const s of structures.slice(1)) assertSameStructure(structures[0], s);
  const flats = structures.map((s) => flatten(s));
  return packSequenceAs(
    structures[0],
    flats[0].map((_, i) => fn(...flats.map((f) => f[i]))),
  );
}

/** A short rendering for error messages: Tensors as dtype and shape. */
export function describe(x: unknown): string {
  if (x instanceof Tensor) return `Tensor(${x.dtype} [${x.shape.join(',')}])`;
  if (x instanceof LSTMStateTuple) return `LSTMStateTuple(c=${describe(x.c)}, h=${describe(x.h)})`;
  if (Array.isArray(x)) return `[${x.map(describe).join(', ')}]`;
  if (isPlainObject(x))
    return `{${sortedKeys(x)
      .map((k) => `${k}: ${describe(x[k])}`)
      .join(', ')}}`;
  if (x === null || x === undefined) return String(x);
  if (typeof x === 'object') return x.constructor?.name ?? 'object';
  if (typeof x === 'function') return 'a function';
  // Only primitives are left; JSON.stringify gives nothing for a symbol.
  return typeof x === 'symbol' ? x.toString() : JSON.stringify(x);
}
