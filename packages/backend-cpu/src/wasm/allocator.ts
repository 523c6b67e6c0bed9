/**
 * Address bookkeeping for the module memory's heap (heap.ts): which 16-byte units of
 * [0, limit) are taken. No memory is touched here, so tests check it against a plain model.
 *
 * Units of 16 bytes keep every block aligned for v128 loads and stores and let an f32x4 loop
 * run over a block's padding lanes. Free blocks are coalesced with their neighbours when freed
 * (two maps, by start and by end, find them in O(1)); a free block that reaches the top lowers
 * the top instead, so the memory in use stays one prefix as long as frees come in stack order
 * (most of an op-by-op workload). Free blocks are binned by size class, floor(log2(units)):
 * a request looks first-fit through its own class, then takes any block of a larger class
 * (which always fits) and splits it, then bumps the top. Training loops free and request the
 * same sizes step after step, so the first look usually finds a block of exactly the size.
 */
export class BlockAllocator {
  /** First unit past every allocated block: the bump pointer. */
  top = 0;
  /** Units in allocated blocks. */
  allocatedUnits = 0;
  private readonly used = new Map<number, number>(); // start -> units of each allocated block
  private readonly freeAt = new Map<number, number>(); // start -> units of each free block
  private readonly freeEnd = new Map<number, number>(); // end -> start of each free block
  private readonly bins: Set<number>[] = []; // size class -> starts of its free blocks

  /** `limit`: the units the memory can ever hold. */
  constructor(readonly limit: number) {}

  /** The start of a fresh block of `units` (>= 1) units, or null where the limit does not leave room. */
  alloc(units: number): number | null {
    if (!(units >= 1) || !Number.isInteger(units)) throw new RangeError(`BlockAllocator.alloc: bad size ${units}`);
    const start = this.takeFree(units) ?? this.bump(units);
    if (start === null) return null;
    this.used.set(start, units);
    this.allocatedUnits += units;
    return start;
  }

  /** Frees the block that starts at `start` (which alloc returned and nothing freed since). */
  free(start: number): void {
    const units = this.used.get(start);
    if (units === undefined) throw new Error(`BlockAllocator.free: no block at ${start}`);
    this.used.delete(start);
    this.allocatedUnits -= units;
    let lo = start,
      hi = start + units;
    const before = this.freeEnd.get(lo);
    if (before !== undefined) {
      this.unlinkFree(before);
      lo = before;
    }
    const after = this.freeAt.get(hi);
    if (after !== undefined) {
      this.unlinkFree(hi);
      hi += after;
    }
    if (hi === this.top) this.top = lo;
    else this.linkFree(lo, hi - lo);
  }

  /** Units of the block at `start`, or undefined where none is allocated there. */
  sizeOf(start: number): number | undefined {
    return this.used.get(start);
  }

  /** The number of allocated blocks. */
  get blocks(): number {
    return this.used.size;
  }

  private bump(units: number): number | null {
    if (this.top + units > this.limit) return null;
    const start = this.top;
    this.top += units;
    return start;
  }

  private takeFree(units: number): number | null {
    const cls = sizeClass(units);
    let found: number | null = null;
    for (const s of this.bins[cls] ?? []) {
      if (this.freeAt.get(s)! >= units) {
        found = s;
        break;
      }
    }
    for (let c = cls + 1; found === null && c < this.bins.length; c++) {
      const bin = this.bins[c];
      if (bin !== undefined && bin.size > 0) found = bin.values().next().value!;
    }
    if (found === null) return null;
    const size = this.freeAt.get(found)!;
    this.unlinkFree(found);
    if (size > units) this.linkFree(found + units, size - units);
    return found;
  }

  private linkFree(start: number, units: number): void {
    this.freeAt.set(start, units);
    this.freeEnd.set(start + units, start);
    (this.bins[sizeClass(units)] ??= new Set()).add(start);
  }

  private unlinkFree(start: number): void {
    const units = this.freeAt.get(start)!;
    this.freeAt.delete(start);
    this.freeEnd.delete(start + units);
    this.bins[sizeClass(units)].delete(start);
  }
}

/** floor(log2(units)) for units >= 1. */
const sizeClass = (units: number): number => 31 - Math.clz32(units);
