import { ValueError } from './errors.js';

export type Shape = readonly number[];

export const fmt = (s: Shape): string => `[${s.join(',')}]`;

export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Row-major strides, in elements. */
export function stridesOf(shape: Shape): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

export function shapesEqual(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

export function assertValidShape(shape: unknown, op: string, arg = 'shape'): asserts shape is number[] {
  if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new ValueError(`${op}: ${arg} must be an array of non-negative integers, got ${JSON.stringify(shape)}`);
  }
}

/** NumPy broadcasting: align right, each pair of dims equal or one of them 1. */
export function broadcastShapes(op: string, ...shapes: Shape[]): number[] {
  const rank = Math.max(...shapes.map((s) => s.length));
  const out = new Array<number>(rank).fill(1);
  for (const s of shapes) {
    for (let i = 0; i < s.length; i++) {
      const o = rank - s.length + i;
      const d = s[i];
      if (d === out[o] || d === 1) continue;
      if (out[o] !== 1) {
        throw new ValueError(
          `${op}: operands could not be broadcast together with shapes ${shapes.map(fmt).join(' ')}`,
        );
      }
      out[o] = d;
    }
  }
  return out;
}

/** The axes of `outShape` along which `inShape` was broadcast (for summing gradients back). */
export function broadcastAxes(inShape: Shape, outShape: Shape): number[] {
  const lead = outShape.length - inShape.length;
  const axes: number[] = [];
  for (let i = 0; i < outShape.length; i++) {
    if (i < lead || (inShape[i - lead] === 1 && outShape[i] !== 1)) axes.push(i);
  }
  return axes;
}

/** Resolves a possibly negative axis against `rank`, naming the op when it is out of range. */
export function normalizeAxis(axis: number, rank: number, op: string, arg = 'axis', shape?: Shape): number {
  if (!Number.isInteger(axis) || axis < -rank || axis >= rank) {
    const of = shape ? `x ${fmt(shape)} (rank ${rank})` : `a tensor of rank ${rank}`;
    const valid = rank > 0 ? `; valid axes are ${-rank}..${rank - 1}` : '';
    throw new ValueError(`${op}: ${arg} ${axis} is out of range for ${of}${valid}`);
  }
  return axis < 0 ? axis + rank : axis;
}

/** `axis` given as undefined (all axes), a number or a list; returns sorted unique axes. */
export function normalizeAxes(
  axis: number | number[] | undefined | null,
  rank: number,
  op: string,
  shape?: Shape,
): number[] {
  if (axis === undefined || axis === null) return [...Array(rank).keys()];
  const list = (Array.isArray(axis) ? axis : [axis]).map((a) => normalizeAxis(a, rank, op, 'axis', shape));
  if (new Set(list).size !== list.length) throw new ValueError(`${op}: axis ${JSON.stringify(axis)} repeats an axis`);
  return list.sort((a, b) => a - b);
}

/**
 * Array.isArray as a guard that keeps the element type: on a `readonly T[]` argument the built-in
 * narrows to `any[]` (TypeScript treats readonly arrays as not arrays), which loses the checks.
 */
export function isList<T>(x: T): x is Extract<T, readonly unknown[]> {
  return Array.isArray(x);
}
