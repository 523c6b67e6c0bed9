/**
 * The backward walk's table of gradients so far (tensor id -> gradient), with two concerns of
 * its own so the walk stays a plain loop:
 *
 * - One gradient tensor may stand for several tensors (Add passes dy through to both inputs),
 *   so each gradient counts its uses and is freed when the last one goes (never the seed dy).
 * - A tensor read through many slices (an RNN reads its hoisted input projection one time step
 *   at a time) would get T gradients each as large as the whole tensor (Slice's rule pads dy
 *   with zeros), summed one by one: O(T^2) work and several full-size buffers alive. Instead the
 *   slices' gradients are kept as pieces and placed into one tensor when it is needed, by a
 *   single concat when they are windows along one axis.
 */
import { ENGINE, add, concat, pad, zeros, type Tensor } from '@tapeflow/core';

interface Piece {
  begin: readonly number[];
  size: readonly number[];
  g: Tensor;
}

export class GradStore {
  private readonly dense = new Map<number, Tensor>();
  private readonly pieces = new Map<number, Piece[]>();
  private readonly uses = new Map<Tensor, number>();

  constructor(private readonly seed: Tensor) {}

  /** Adds g to the gradient of x. */
  add(x: Tensor, g: Tensor): void {
    const prev = this.dense.get(x.id);
    if (prev === undefined) {
      this.dense.set(x.id, this.use(g));
      return;
    }
    this.dense.set(x.id, this.use(add(prev, g)));
    this.unuse(prev);
    this.free(g);
  }

  /** Adds g, the gradient of x's window [begin, begin + size), without padding it to x's shape. */
  addSlice(x: Tensor, begin: readonly number[], size: readonly number[], g: Tensor): void {
    const list = this.pieces.get(x.id) ?? [];
    list.push({ begin, size, g: this.use(g) });
    this.pieces.set(x.id, list);
  }

  /** The complete gradient of x, or undefined when nothing reached it. */
  get(x: Tensor): Tensor | undefined {
    const list = this.pieces.get(x.id);
    if (list === undefined) return this.dense.get(x.id);
    this.pieces.delete(x.id);
    const prev = this.dense.get(x.id);
    const whole = ENGINE.tidy(() => {
      const placed = place(x, list);
      return prev ? add(prev, placed) : placed;
    });
    for (const p of list) this.unuse(p.g);
    if (prev) this.unuse(prev);
    this.dense.set(x.id, this.use(whole));
    return whole;
  }

  /** Forgets x's gradient; it is freed unless it still stands for another tensor. */
  delete(x: Tensor): void {
    const g = this.dense.get(x.id);
    this.dense.delete(x.id);
    if (g) this.unuse(g);
  }

  private use(g: Tensor): Tensor {
    this.uses.set(g, (this.uses.get(g) ?? 0) + 1);
    return g;
  }

  private unuse(g: Tensor): void {
    const n = this.uses.get(g)! - 1;
    if (n > 0) {
      this.uses.set(g, n);
      return;
    }
    this.uses.delete(g);
    this.free(g);
  }

  /** Frees g unless it is in use or is the seed (the caller's). An outer tape may still hold it: then later. */
  private free(g: Tensor): void {
    if (g !== this.seed && !this.uses.has(g)) g.dispose();
  }
}

/** The pieces placed into a tensor of x's shape (zeros elsewhere; overlapping pieces add up). */
function place(x: Tensor, all: readonly Piece[]): Tensor {
  // An empty window (split(v, [0, n])) adds nothing, and would share a start with the next one.
  const list = all.filter((p) => p.size.every((s) => s > 0));
  if (list.length === 0) return zeros(x.shape, x.dtype);
  const axis = windowAxis(x.shape, list);
  if (axis >= 0) {
    // Same window twice: add those first; then the windows are disjoint and sorted.
    const same = new Map<string, Piece>();
    for (const p of list) {
      const key = `${p.begin[axis]}:${p.size[axis]}`;
      const q = same.get(key);
      same.set(key, q ? { ...p, g: add(q.g, p.g) } : p);
    }
    const sorted = [...same.values()].sort((a, b) => a.begin[axis] - b.begin[axis]);
    const parts: Tensor[] = [];
    let at = 0;
    let disjoint = true;
    for (const p of sorted) {
      if (p.begin[axis] < at) {
        disjoint = false;
        break;
      }
      if (p.begin[axis] > at)
        parts.push(
          zeros(
            x.shape.map((d, i) => (i === axis ? p.begin[axis] - at : d)),
            x.dtype,
          ),
        );
      parts.push(p.g);
      at = p.begin[axis] + p.size[axis];
    }
    if (disjoint) {
      if (at < x.shape[axis])
        parts.push(
          zeros(
            x.shape.map((d, i) => (i === axis ? d - at : d)),
            x.dtype,
          ),
        );
      return concat(parts, axis);
    }
  }
  // General case (windows along several axes, partial overlaps): Slice's own rule, summed.
  return list
    .map((p) =>
      pad(
        p.g,
        p.begin.map((b, i): [number, number] => [b, x.shape[i] - b - p.size[i]]),
      ),
    )
    .reduce((a, b) => add(a, b));
}

/** The one axis along which every piece is a window (full extent on all others), or -1. */
function windowAxis(shape: readonly number[], list: readonly Piece[]): number {
  for (let axis = 0; axis < shape.length; axis++) {
    const ok = list.every((p) => p.size.every((s, i) => i === axis || (p.begin[i] === 0 && s === shape[i])));
    if (ok) return axis;
  }
  return -1;
}
