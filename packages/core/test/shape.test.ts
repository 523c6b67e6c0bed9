/** Backend-free unit tests of the shape helpers, dtypes and error classes. */
import test from 'ava';
import fc from 'fast-check';
import {
  ValueError,
  broadcastAxes,
  broadcastShapes,
  bytesPerElement,
  formatShape,
  isFloat,
  normalizeAxes,
  normalizeAxis,
  shapesEqual,
  sizeOf,
  stridesOf,
} from '@tapeflow/core';
import { FC_SEED, reference } from '@tapeflow/conformance';
const { broadcastShape } = reference;

const params = { seed: FC_SEED, numRuns: 200 };

test('sizeOf: product of dims, 1 for a scalar, 0 with a zero dim', (t) => {
  t.is(sizeOf([2, 3, 4]), 24);
  t.is(sizeOf([]), 1);
  t.is(sizeOf([3, 0, 2]), 0);
});

test('stridesOf: row-major element strides', (t) => {
  t.deepEqual(stridesOf([2, 3, 4]), [12, 4, 1]);
  t.deepEqual(stridesOf([5]), [1]);
  t.deepEqual(stridesOf([]), []);
});

test('shapesEqual and formatShape', (t) => {
  t.true(shapesEqual([2, 3], [2, 3]));
  t.false(shapesEqual([2, 3], [3, 2]));
  t.false(shapesEqual([2], [2, 1]));
  t.true(shapesEqual([], []));
  t.is(formatShape([2, 3]), '[2,3]');
  t.is(formatShape([]), '[]');
});

test('broadcastShapes: NumPy examples', (t) => {
  t.deepEqual(broadcastShapes('op', [8, 1, 6, 1], [7, 1, 5]), [8, 7, 6, 5]);
  t.deepEqual(broadcastShapes('op', [5, 4], [1]), [5, 4]);
  t.deepEqual(broadcastShapes('op', [15, 3, 5], [15, 1, 5]), [15, 3, 5]);
  t.deepEqual(broadcastShapes('op', [], [3]), [3]);
  t.deepEqual(broadcastShapes('op', [0, 1], [1, 3]), [0, 3]);
  t.deepEqual(broadcastShapes('op', [2, 1], [1, 3], [1, 1, 1]), [1, 2, 3]);
});

test('broadcastShapes: incompatible shapes are a ValueError naming the op and shapes', (t) => {
  const e = t.throws(() => broadcastShapes('add', [2, 3], [4]), { instanceOf: ValueError });
  t.regex(e.message, /add/);
  t.regex(e.message, /\[2,3\]/);
  t.regex(e.message, /\[4\]/);
  t.throws(() => broadcastShapes('mul', [2, 1], [8, 4, 3]), { instanceOf: ValueError });
  t.throws(() => broadcastShapes('mul', [0], [2]), { instanceOf: ValueError });
});

test('broadcastShapes: property, agrees with the reference and is symmetric', (t) => {
  const dims = fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 4 });
  fc.assert(
    fc.property(dims, dims, (a, b) => {
      const want = broadcastShape(a, b);
      if (want === null) {
        t.throws(() => broadcastShapes('op', a, b), { instanceOf: ValueError });
        return;
      }
      t.deepEqual(broadcastShapes('op', a, b), want);
      t.deepEqual(broadcastShapes('op', b, a), want);
    }),
    params,
  );
});

test('broadcastAxes: the output axes an input was broadcast along', (t) => {
  t.deepEqual(broadcastAxes([3], [2, 3]), [0]);
  t.deepEqual(broadcastAxes([2, 1], [2, 3]), [1]);
  t.deepEqual(broadcastAxes([1, 3], [4, 2, 3]), [0, 1]);
  t.deepEqual(broadcastAxes([2, 3], [2, 3]), []);
  t.deepEqual(broadcastAxes([], [2, 3]), [0, 1]);
  t.deepEqual(broadcastAxes([1], [1]), []); // a size-1 output dim is not a broadcast
});

test('broadcastAxes: property, summing over them (keepDims) and dropping the lead gives the input shape', (t) => {
  const arb = fc
    .array(fc.integer({ min: 1, max: 4 }), { maxLength: 4 })
    .chain((out) =>
      fc.tuple(
        fc.constant(out),
        fc.integer({ min: 0, max: out.length }),
        fc.array(fc.boolean(), { minLength: out.length, maxLength: out.length }),
      ),
    );
  fc.assert(
    fc.property(arb, ([out, drop, ones]) => {
      const input = out.slice(drop).map((d, i) => (ones[i + drop] ? 1 : d));
      const axes = broadcastAxes(input, out);
      t.deepEqual(out.map((d, i) => (axes.includes(i) ? 1 : d)).slice(drop), input);
      for (let i = 0; i < drop; i++) t.true(axes.includes(i)); // leading axes are always summed away
    }),
    params,
  );
});

test('normalizeAxis: negatives count from the end; out of range is a ValueError', (t) => {
  t.is(normalizeAxis(-1, 3, 'op'), 2);
  t.is(normalizeAxis(0, 1, 'op'), 0);
  t.is(normalizeAxis(-3, 3, 'op'), 0);
  const e = t.throws(() => normalizeAxis(3, 3, 'sum'), { instanceOf: ValueError });
  t.regex(e.message, /sum/);
  t.regex(e.message, /axis 3/);
  t.regex(e.message, /rank 3/);
  t.throws(() => normalizeAxis(-4, 3, 'op'), { instanceOf: ValueError });
  t.throws(() => normalizeAxis(0, 0, 'op'), { instanceOf: ValueError });
  t.throws(() => normalizeAxis(1.5, 3, 'op'), { instanceOf: ValueError });
  t.regex(
    t.throws(() => normalizeAxis(5, 2, 'reverseSequence', 'seqAxis'), { instanceOf: ValueError }).message,
    /seqAxis/,
  );
});

test('normalizeAxes: undefined/null mean all axes; lists are sorted; repeats are errors', (t) => {
  t.deepEqual(normalizeAxes(undefined, 3, 'op'), [0, 1, 2]);
  t.deepEqual(normalizeAxes(null, 2, 'op'), [0, 1]);
  t.deepEqual(normalizeAxes(-1, 3, 'op'), [2]);
  t.deepEqual(normalizeAxes([2, -3], 3, 'op'), [0, 2]);
  t.deepEqual(normalizeAxes([], 3, 'op'), []);
  t.deepEqual(normalizeAxes(undefined, 0, 'op'), []);
  t.throws(() => normalizeAxes([1, -2], 3, 'sum'), { instanceOf: ValueError, message: /sum.*repeats/ });
});

test('dtypes: isFloat and bytesPerElement', (t) => {
  t.true(isFloat('float32'));
  t.true(isFloat('float64'));
  t.false(isFloat('int32'));
  t.false(isFloat('bool'));
  t.is(bytesPerElement('float32'), 4);
  t.is(bytesPerElement('int32'), 4);
  t.is(bytesPerElement('bool'), 1);
  t.is(bytesPerElement('float64'), 8);
});

test('ValueError: an Error subclass named ValueError', (t) => {
  const e = new ValueError('bad');
  t.true(e instanceof Error);
  t.true(e instanceof ValueError);
  t.is(e.name, 'ValueError');
  t.is(e.message, 'bad');
  t.false(new TypeError('x') instanceof ValueError);
});
