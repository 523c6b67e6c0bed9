/**
 * The heap's address bookkeeping (src/wasm/allocator.ts) against a plain model: the list of live
 * blocks. fast-check draws sequences of allocations and frees (fixed seed); after every step no
 * two live blocks overlap, all lie below the limit, the counters agree with the model, the top is
 * the end of the highest live block (frees coalesce and give the top back), a request that a free
 * block of a larger size class could serve never bumps the top, and freeing everything leaves an
 * empty heap.
 */
import test from 'ava';
import fc from 'fast-check';
import { BlockAllocator } from '../src/wasm/allocator.js';

const FC = { seed: 20261202, numRuns: 60 };

type Op = { kind: 'alloc'; units: number } | { kind: 'free'; pick: number };
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    kind: fc.constant('alloc' as const),
    units: fc.oneof(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 300 })),
  }),
  fc.record({ kind: fc.constant('free' as const), pick: fc.nat() }),
);

/** Gaps between the live blocks below the top: what must be free. */
function holes(live: Map<number, number>, top: number): [number, number][] {
  const sorted = [...live].sort((a, b) => a[0] - b[0]);
  const out: [number, number][] = [];
  let at = 0;
  for (const [s, u] of sorted) {
    if (s > at) out.push([at, s - at]);
    at = s + u;
  }
  if (top > at) out.push([at, top - at]);
  return out;
}

test('random alloc/free sequences: no overlap, within the limit, coalesced, reused, counted', (t) => {
  fc.assert(
    fc.property(
      fc.array(opArb, { minLength: 1, maxLength: 200 }),
      fc.integer({ min: 200, max: 5000 }),
      (ops, limit) => {
        const a = new BlockAllocator(limit);
        const live = new Map<number, number>();
        for (const op of ops) {
          if (op.kind === 'alloc') {
            const topBefore = a.top;
            const larger = holes(live, a.top).some(([, u]) => 31 - Math.clz32(u) > 31 - Math.clz32(op.units));
            const fits = holes(live, a.top).some(([, u]) => u >= op.units) || a.top + op.units <= limit;
            const s = a.alloc(op.units);
            if (s === null) {
              if (fits) return false; // refused while a free block or the top had room
              continue;
            }
            if (larger && a.top !== topBefore) return false; // a larger free block was there to split
            for (const [ls, lu] of live) if (s < ls + lu && ls < s + op.units) return false; // overlap
            if (s < 0 || s + op.units > limit) return false;
            live.set(s, op.units);
          } else if (live.size > 0) {
            const starts = [...live.keys()];
            const s = starts[op.pick % starts.length];
            a.free(s);
            live.delete(s);
          }
          const ends = [...live].map(([s, u]) => s + u);
          if (a.top !== Math.max(0, ...ends)) return false; // coalescing gave the top back
          if (a.blocks !== live.size) return false;
          if (a.allocatedUnits !== [...live.values()].reduce((x, y) => x + y, 0)) return false;
        }
        for (const s of [...live.keys()]) a.free(s);
        return a.top === 0 && a.allocatedUnits === 0 && a.blocks === 0;
      },
    ),
    FC,
  );
  t.pass();
});

test('a freed block is reused by the next request of its size, and neighbours coalesce into one', (t) => {
  const a = new BlockAllocator(1000);
  const [x, y, z] = [a.alloc(10)!, a.alloc(20)!, a.alloc(30)!];
  t.deepEqual([x, y, z], [0, 10, 30]);
  a.free(y);
  t.is(a.alloc(20), 10, 'same size: the hole');
  a.free(10);
  a.free(x);
  t.is(a.alloc(30), 0, 'the two freed neighbours (10 + 20 units) serve a 30-unit request');
  t.is(a.top, 60);
  t.is(a.alloc(1000), null, 'past the limit');
  t.throws(() => a.free(5), { message: /no block at 5/ });
  t.throws(() => a.alloc(0), { instanceOf: RangeError });
});
