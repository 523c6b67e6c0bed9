/** nest over arrays, plain objects (sorted keys) and LSTMStateTuple, against TF's nest.py behaviour. */
import test from 'ava';
import fc from 'fast-check';
import { ValueError } from '@tapeflow/core';
import { LSTMStateTuple, nest } from '../src/index.js';

const FC = { seed: 20261124, numRuns: 200 };

test('flatten orders dict values by sorted key, namedtuple fields c then h, lists in order', (t) => {
  const s = { b: [1, new LSTMStateTuple(2, 3)], a: 0, c: { z: 5, y: 4 } };
  // TF: nest.flatten({'b': [1, LSTMStateTuple(2, 3)], 'a': 0, 'c': {'z': 5, 'y': 4}}) == [0, 1, 2, 3, 4, 5]
  t.deepEqual(nest.flatten(s), [0, 1, 2, 3, 4, 5]);
  t.deepEqual(nest.flatten(7), [7]);
  t.deepEqual(nest.flatten(null), [null]);
  t.deepEqual(nest.flatten([]), []);
  t.deepEqual(nest.flatten({}), []);
  // Python sorts keys by code point: 'B' < 'a' < 'b'.
  t.deepEqual(nest.flatten({ b: 3, a: 2, B: 1 }), [1, 2, 3]);
});

test('packSequenceAs rebuilds the structure (new containers, keys and tuple types kept)', (t) => {
  const s = { x: [0, new LSTMStateTuple(0, 0)], a: 0 };
  const packed = nest.packSequenceAs(s, ['A', 'X0', 'C', 'H']) as { x: [string, LSTMStateTuple<string>]; a: string };
  t.is(packed.a, 'A');
  t.is(packed.x[0], 'X0');
  t.true(packed.x[1] instanceof LSTMStateTuple);
  t.is(packed.x[1].c, 'C');
  t.is(packed.x[1].h, 'H');
  t.not(packed.x, s.x);
  t.deepEqual(s, { x: [0, new LSTMStateTuple(0, 0)], a: 0 }, 'the structure is not mutated');
  t.is(nest.packSequenceAs(5, ['leaf']), 'leaf');
});

test('packSequenceAs with the wrong number of leaves is a ValueError naming both counts', (t) => {
  const e = t.throws(() => nest.packSequenceAs([1, [2, 3]], [1, 2]), { instanceOf: ValueError });
  t.regex(e.message, /3 elements.*2 elements/);
  t.throws(() => nest.packSequenceAs([1], 'x' as unknown as readonly number[]), { instanceOf: TypeError });
});

test('assertSameStructure: ValueError for nesting, length or keys; TypeError for sequence types', (t) => {
  nest.assertSameStructure([1, { a: 2 }], ['x', { a: 'y' }]);
  nest.assertSameStructure(new LSTMStateTuple(1, 2), new LSTMStateTuple('a', 'b'));
  t.throws(() => nest.assertSameStructure([1, 2], [1, [2]]), { instanceOf: ValueError });
  t.throws(() => nest.assertSameStructure([1, 2], [1, 2, 3]), { instanceOf: ValueError });
  t.throws(() => nest.assertSameStructure({ a: 1 }, { b: 1 }), { instanceOf: ValueError });
  t.throws(() => nest.assertSameStructure([1, 2], new LSTMStateTuple(1, 2)), { instanceOf: TypeError });
  t.throws(() => nest.assertSameStructure([1], { 0: 1 }), { instanceOf: TypeError });
  // Without type checks only the nesting matters (TF's check_types=False).
  nest.assertSameStructure([1, 2], new LSTMStateTuple(1, 2), false);
});

test('mapStructure applies fn leafwise over several structures', (t) => {
  const a = { p: [1, 2], q: new LSTMStateTuple(3, 4) };
  const b = { p: [10, 20], q: new LSTMStateTuple(30, 40) };
  const r = nest.mapStructure((x: number, y: number) => x + y, a, b) as typeof a;
  t.deepEqual(r.p, [11, 22]);
  t.true(r.q instanceof LSTMStateTuple);
  t.is(r.q.c, 33);
  t.is(r.q.h, 44);
  t.throws(() => nest.mapStructure((x: number) => x, [1], [1, 2]), { instanceOf: ValueError });
  t.throws(() => nest.mapStructure((x: number) => x), { instanceOf: ValueError });
});

test('LSTMStateTuple unpacks like a Python tuple', (t) => {
  const [c, h] = new LSTMStateTuple('c', 'h');
  t.is(c, 'c');
  t.is(h, 'h');
});

// Random structures of arrays, dicts and state tuples with number leaves.
const leaf = fc.integer();
const { tree } = fc.letrec((tie) => ({
  tree: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leaf, tie('arr'), tie('obj'), tie('tup')),
  arr: fc.array(tie('tree'), { maxLength: 3 }),
  obj: fc.dictionary(fc.string({ minLength: 1, maxLength: 2 }), tie('tree'), { maxKeys: 3 }),
  tup: fc.tuple(tie('tree'), tie('tree')).map(([c, h]) => new LSTMStateTuple(c, h)),
}));

// An independent flatten: walk the structure and emit leaves, sorting keys with the default sort.
function refFlatten(x: unknown, out: unknown[] = []): unknown[] {
  if (x instanceof LSTMStateTuple) {
    refFlatten(x.c, out);
    refFlatten(x.h, out);
  } else if (Array.isArray(x)) for (const v of x) refFlatten(v, out);
  else if (x !== null && typeof x === 'object')
    for (const k of Object.keys(x).sort()) refFlatten((x as Record<string, unknown>)[k], out);
  else out.push(x);
  return out;
}

test('property: flatten matches an independent walk, and pack(flatten(s)) round-trips', (t) => {
  fc.assert(
    fc.property(tree, (s) => {
      const flat = nest.flatten(s as nest.Nest<number>);
      t.deepEqual(flat, refFlatten(s));
      const again = nest.packSequenceAs(s, flat);
      nest.assertSameStructure(s, again);
      t.deepEqual(nest.flatten(again), flat);
      const doubled = nest.mapStructure((v: number) => 2 * v, s);
      t.deepEqual(
        nest.flatten(doubled),
        flat.map((v) => 2 * v),
      );
    }),
    FC,
  );
});
