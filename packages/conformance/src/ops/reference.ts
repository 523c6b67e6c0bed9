/**
 * An independent float64 reference for the conformance suite: every op written as the plainest
 * possible loop over output multi-indices, sharing no code with core or any backend. Arrays are
 * row-major `{shape, data}` with JS numbers (float64), so the reference carries no float32
 * rounding of its own; the suites compare backends to it with float32-sized tolerances.
 */

export interface Arr {
  shape: number[];
  data: number[];
}

export const arr = (shape: readonly number[], data: ArrayLike<number>): Arr => ({
  shape: [...shape],
  data: Array.from(data),
});
export const size = (shape: readonly number[]): number => shape.reduce((n, d) => n * d, 1);

/** The multi-index of flat position `i` in `shape` (row-major). */
export function unravel(i: number, shape: readonly number[]): number[] {
  const idx = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    idx[d] = i % shape[d];
    i = Math.floor(i / shape[d]);
  }
  return idx;
}

export function ravel(idx: readonly number[], shape: readonly number[]): number {
  let i = 0;
  for (let d = 0; d < shape.length; d++) i = i * shape[d] + idx[d];
  return i;
}

/** Builds an array of `shape` whose element at multi-index `idx` is `f(idx)`. */
export function build(shape: readonly number[], f: (idx: number[]) => number): Arr {
  const n = size(shape);
  const data = new Array<number>(n);
  for (let i = 0; i < n; i++) data[i] = f(unravel(i, shape));
  return { shape: [...shape], data };
}

export const at = (a: Arr, idx: readonly number[]): number => a.data[ravel(idx, a.shape)];

/** NumPy broadcasting of any number of shapes; null when they are incompatible. */
export function broadcastShape(...shapes: (readonly number[])[]): number[] | null {
  const rank = Math.max(0, ...shapes.map((s) => s.length));
  const out: number[] = [];
  for (let k = 0; k < rank; k++) {
    const dims = shapes.map((s) => s[s.length - rank + k] ?? 1);
    const big = dims.filter((d) => d !== 1);
    if (big.some((d) => d !== big[0])) return null;
    out.push(big.length ? big[0] : 1);
  }
  return out;
}

/** Element of `a` seen from output index `idx` of a broadcast (right-aligned, size-1 dims repeat). */
function bcastAt(a: Arr, idx: readonly number[]): number {
  const lead = idx.length - a.shape.length;
  return at(
    a,
    a.shape.map((d, k) => (d === 1 ? 0 : idx[lead + k])),
  );
}

export function map(a: Arr, f: (v: number) => number): Arr {
  return { shape: [...a.shape], data: a.data.map(f) };
}

export function zip(a: Arr, b: Arr, f: (x: number, y: number) => number): Arr {
  const shape = broadcastShape(a.shape, b.shape);
  if (!shape) throw new Error(`reference: cannot broadcast [${a.shape}] and [${b.shape}]`);
  return build(shape, (idx) => f(bcastAt(a, idx), bcastAt(b, idx)));
}

export function where(c: Arr, a: Arr, b: Arr): Arr {
  const shape = broadcastShape(c.shape, a.shape, b.shape);
  if (!shape) throw new Error('reference: where shapes do not broadcast');
  return build(shape, (idx) => (bcastAt(c, idx) ? bcastAt(a, idx) : bcastAt(b, idx)));
}

/** Reduces over `axes` (non-negative) by folding `f` from `init`. */
export function reduce(
  a: Arr,
  axes: readonly number[],
  keepDims: boolean,
  init: number,
  f: (acc: number, v: number) => number,
): Arr {
  const outShape = a.shape.map((d, k) => (axes.includes(k) ? 1 : d));
  const acc = build(outShape, () => init);
  for (let i = 0; i < a.data.length; i++) {
    const idx = unravel(i, a.shape).map((v, k) => (axes.includes(k) ? 0 : v));
    const j = ravel(idx, outShape);
    acc.data[j] = f(acc.data[j], a.data[i]);
  }
  return keepDims ? acc : { shape: a.shape.filter((_, k) => !axes.includes(k)), data: acc.data };
}

export const sum = (a: Arr, axes: readonly number[], keepDims = false): Arr =>
  reduce(a, axes, keepDims, 0, (s, v) => s + v);
export const max = (a: Arr, axes: readonly number[], keepDims = false): Arr =>
  reduce(a, axes, keepDims, -Infinity, Math.max);
export const min = (a: Arr, axes: readonly number[], keepDims = false): Arr =>
  reduce(a, axes, keepDims, Infinity, Math.min);
export function mean(a: Arr, axes: readonly number[], keepDims = false): Arr {
  const count = axes.reduce((n, k) => n * a.shape[k], 1);
  return map(sum(a, axes, keepDims), (s) => s / count);
}

/** Swaps the last two axes. */
export function matrixTranspose(a: Arr): Arr {
  const r = a.shape.length;
  const perm = [...a.shape.keys()];
  [perm[r - 2], perm[r - 1]] = [perm[r - 1], perm[r - 2]];
  return transpose(a, perm);
}

/**
 * Batched matmul with broadcast batch dims. Also returns `absDot`, the same product over |a| and
 * |b|: the classic bound on a float dot product's rounding error is proportional to it.
 */
export function matmul(a: Arr, b: Arr, transposeA = false, transposeB = false): { value: Arr; absDot: Arr } {
  const x = transposeA ? matrixTranspose(a) : a;
  const y = transposeB ? matrixTranspose(b) : b;
  const [m, k] = x.shape.slice(-2);
  const n = y.shape[y.shape.length - 1];
  const batch = broadcastShape(x.shape.slice(0, -2), y.shape.slice(0, -2));
  if (!batch || y.shape[y.shape.length - 2] !== k) throw new Error('reference: matmul shapes disagree');
  const shape = [...batch, m, n];
  const dot = (abs: boolean) =>
    build(shape, (idx) => {
      const bi = idx.slice(0, -2);
      const [i, j] = idx.slice(-2);
      let s = 0;
      for (let p = 0; p < k; p++) {
        const u = bcastAt(x, [...bi, i, p]);
        const v = bcastAt(y, [...bi, p, j]);
        s += abs ? Math.abs(u * v) : u * v;
      }
      return s;
    });
  return { value: dot(false), absDot: dot(true) };
}

export function transpose(a: Arr, perm: readonly number[]): Arr {
  return build(
    perm.map((p) => a.shape[p]),
    (idx) => {
      const src = new Array<number>(perm.length);
      perm.forEach((p, k) => {
        src[p] = idx[k];
      });
      return at(a, src);
    },
  );
}

export function slice(a: Arr, begin: readonly number[], sz: readonly number[]): Arr {
  return build(sz, (idx) =>
    at(
      a,
      idx.map((v, k) => v + begin[k]),
    ),
  );
}

export function concat(as: readonly Arr[], axis: number): Arr {
  const shape = [...as[0].shape];
  shape[axis] = as.reduce((n, a) => n + a.shape[axis], 0);
  return build(shape, (idx) => {
    let pos = idx[axis];
    for (const a of as) {
      if (pos < a.shape[axis])
        return at(
          a,
          idx.map((v, k) => (k === axis ? pos : v)),
        );
      pos -= a.shape[axis];
    }
    throw new Error('unreachable');
  });
}

export function pad(a: Arr, paddings: readonly (readonly [number, number])[], value: number): Arr {
  const shape = a.shape.map((d, k) => d + paddings[k][0] + paddings[k][1]);
  return build(shape, (idx) => {
    const src = idx.map((v, k) => v - paddings[k][0]);
    return src.every((v, k) => v >= 0 && v < a.shape[k]) ? at(a, src) : value;
  });
}

export function reverse(a: Arr, axes: readonly number[]): Arr {
  return build(a.shape, (idx) =>
    at(
      a,
      idx.map((v, k) => (axes.includes(k) ? a.shape[k] - 1 - v : v)),
    ),
  );
}

/** `indices` holds int values of any shape; it replaces dim `axis` of `a`. */
export function gather(a: Arr, indices: Arr, axis: number): Arr {
  const shape = [...a.shape.slice(0, axis), ...indices.shape, ...a.shape.slice(axis + 1)];
  const ir = indices.shape.length;
  return build(shape, (idx) => {
    const which = at(indices, idx.slice(axis, axis + ir));
    return at(a, [...idx.slice(0, axis), which, ...idx.slice(axis + ir)]);
  });
}

export function tile(a: Arr, reps: readonly number[]): Arr {
  return build(
    a.shape.map((d, k) => d * reps[k]),
    (idx) =>
      at(
        a,
        idx.map((v, k) => v % a.shape[k]),
      ),
  );
}

export function reverseSequence(a: Arr, lens: readonly number[], seqAxis: number, batchAxis: number): Arr {
  return build(a.shape, (idx) => {
    const len = lens[idx[batchAxis]];
    const t = idx[seqAxis];
    return at(
      a,
      idx.map((v, k) => (k === seqAxis && t < len ? len - 1 - t : v)),
    );
  });
}

export function softmax(a: Arr, axis: number): Arr {
  const m = max(a, [axis], true);
  const e = zip(a, m, (v, mx) => Math.exp(v - mx));
  return zip(e, sum(e, [axis], true), (v, s) => v / s);
}

export function logSoftmax(a: Arr, axis: number): Arr {
  const m = max(a, [axis], true);
  const lse = zip(
    m,
    sum(
      zip(a, m, (v, mx) => Math.exp(v - mx)),
      [axis],
      true,
    ),
    (mx, s) => mx + Math.log(s),
  );
  return zip(a, lse, (v, l) => v - l);
}

export function oneHot(indices: Arr, depth: number, on = 1, off = 0): Arr {
  return build([...indices.shape, depth], (idx) => (at(indices, idx.slice(0, -1)) === idx[idx.length - 1] ? on : off));
}

export function sequenceMask(lengths: Arr, maxLen: number): Arr {
  return build([...lengths.shape, maxLen], (idx) => (idx[idx.length - 1] < at(lengths, idx.slice(0, -1)) ? 1 : 0));
}

/** Splits `a` into consecutive pieces of the given sizes along `axis`. */
export function split(a: Arr, sizes: readonly number[], axis: number): Arr[] {
  let start = 0;
  return sizes.map((s) => {
    const begin = a.shape.map((_, k) => (k === axis ? start : 0));
    start += s;
    return slice(
      a,
      begin,
      a.shape.map((d, k) => (k === axis ? s : d)),
    );
  });
}

/** Nested JS arrays, as `arraySync` returns them. */
export function toNested(a: Arr): unknown {
  if (a.shape.length === 0) return a.data[0];
  const rec = (d: number, off: number): unknown[] => {
    const stride = size(a.shape.slice(d + 1));
    return Array.from({ length: a.shape[d] }, (_, i) =>
      d === a.shape.length - 1 ? a.data[off + i] : rec(d + 1, off + i * stride),
    );
  };
  return rec(0, 0);
}
