/**
 * The module memory as a heap of float32 blocks: tensors' arrays (storage.ts) and the kernels'
 * scratch region (runtime.ts) live here side by side, so a wasm kernel reads its operands and
 * writes its result where they are, with no copy in or out.
 *
 * A tensor's array is a Float32Array view of its block. That is only sound over a shared memory:
 * growing a shared memory keeps every earlier view valid, where growing an unshared one detaches
 * them all. So only a shared memory gives out views (`views`); an unshared one keeps the heap for
 * scratch alone and tensors stay in JS arrays.
 *
 * A block is freed when the last tensor storage over its view lets go of it (retain/release,
 * counted like ArrayMeter counts users), or, for a view no storage ever kept or that was dropped
 * without a dispose, when the view is garbage collected (a FinalizationRegistry).
 */
import { BlockAllocator } from './allocator.js';

const UNIT_BYTES = 16;
const PAGE_BYTES = 65536;

interface Block {
  readonly start: number; // in units
  readonly floats: number; // the view's length
  users: number;
  freed: boolean;
}

export interface HeapStats {
  /** Bytes in allocated blocks (tensors and scratch). */
  readonly allocatedBytes: number;
  readonly blocks: number;
  /** The memory's size in bytes (it never shrinks). */
  readonly memoryBytes: number;
}

export class WasmHeap {
  /** Whether views of blocks may be given out (the memory is shared). */
  readonly views: boolean;
  private readonly alloc: BlockAllocator;
  private buffer: ArrayBufferLike;
  /** Every buffer object the memory has had: a view over one of them is a view of the heap. */
  private readonly buffers = new WeakSet<ArrayBufferLike>();
  /**
   * The blocks given out as views, by start. Keyed by address rather than by view: a WeakMap
   * keyed by the views measured ~1 µs per allocation (its ephemeron table), more than the whole
   * bookkeeping of a small op.
   */
  private readonly byStart = new Map<number, Block>();
  /**
   * Frees the block of a view that was garbage collected with users left at 0. No unregister on
   * an explicit free (it measured ~0.2 µs): the finalizer of a freed block finds it freed and
   * does nothing, and a later block at the same start is another Block.
   */
  private readonly registry = new FinalizationRegistry<Block>((b) => this.drop(b));

  constructor(
    private readonly memory: WebAssembly.Memory,
    shared: boolean,
    private readonly maxPages: number,
  ) {
    this.views = shared;
    // One unit below the limit stays unallocated: an f32x4 loop over an unaligned view (a slice)
    // may read up to 12 bytes past the view's block, which must still be inside the memory.
    this.alloc = new BlockAllocator((maxPages * PAGE_BYTES) / UNIT_BYTES - 1);
    this.buffer = memory.buffer;
    this.buffers.add(this.buffer);
  }

  /** The first float of a fresh block of at least `floats` floats, or null where the memory cannot hold it. */
  allocRaw(floats: number): number | null {
    const start = this.alloc.alloc(Math.max(1, Math.ceil(floats / 4)));
    if (start === null) return null;
    if (!this.cover(this.alloc.top + 1)) {
      this.alloc.free(start);
      return null;
    }
    return start * 4;
  }

  /** Frees a block allocRaw gave out (by its first float). */
  freeRaw(at: number): void {
    this.alloc.free(at / 4);
  }

  /**
   * A view of `floats` floats over a fresh block (zero-filled when `zero`), or null where views
   * are off (an unshared memory) or the memory cannot hold it. Freed by release or by the GC.
   */
  allocView(floats: number, zero: boolean): Float32Array | null {
    if (!this.views) return null;
    const at = this.allocRaw(floats);
    if (at === null) return null;
    const view = new Float32Array(this.buffer, at * 4, floats);
    if (zero) view.fill(0);
    const block: Block = { start: at / 4, floats, users: 0, freed: false };
    this.byStart.set(block.start, block);
    this.registry.register(view, block);
    return view;
  }

  /** The byte address of `a[0]` in the memory, or -1 where `a` is not a view of it. */
  addressOf(a: ArrayBufferView): number {
    return this.buffers.has(a.buffer) ? a.byteOffset : -1;
  }

  /** One more storage over `a` (ignored unless `a` is a live view from allocView). */
  retain(a: Float32Array): void {
    const b = this.blockOf(a);
    if (b !== undefined) b.users++;
  }

  /** One storage fewer over `a`: the last one frees its block at once. */
  release(a: Float32Array): void {
    const b = this.blockOf(a);
    if (b !== undefined && --b.users === 0) this.drop(b);
  }

  private blockOf(a: Float32Array): Block | undefined {
    const at = this.addressOf(a);
    if (at < 0) return undefined;
    const b = this.byStart.get(at / UNIT_BYTES);
    return b !== undefined && b.floats === a.length ? b : undefined;
  }

  /** A view of the whole memory as it is now (a later growth leaves it valid only if shared). */
  floats(): Float32Array {
    return new Float32Array(this.buffer);
  }

  stats(): HeapStats {
    return {
      allocatedBytes: this.alloc.allocatedUnits * UNIT_BYTES,
      blocks: this.alloc.blocks,
      memoryBytes: this.buffer.byteLength,
    };
  }

  private drop(b: Block): void {
    if (b.freed) return;
    b.freed = true;
    this.byStart.delete(b.start);
    this.alloc.free(b.start);
  }

  /**
   * Grows the memory to hold `units` units, by at least half its size at a time (each growth
   * commits pages and makes a new buffer object), up to the maximum. False if the host refuses.
   */
  private cover(units: number): boolean {
    const have = this.buffer.byteLength / PAGE_BYTES,
      need = Math.ceil((units * UNIT_BYTES) / PAGE_BYTES);
    if (need <= have) return true;
    const pages = Math.min(this.maxPages, Math.max(need, Math.ceil(have * 1.5))) - have;
    try {
      this.memory.grow(pages);
    } catch {
      try {
        this.memory.grow(need - have); // the host may refuse the headroom but not the need
      } catch {
        return false;
      }
    }
    this.buffer = this.memory.buffer;
    this.buffers.add(this.buffer);
    return true;
  }
}
