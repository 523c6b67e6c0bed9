/**
 * fast-check generators: small shapes (rank 0-4, dims including 0 and 1), broadcast-compatible
 * pairs, axes (negative too) and float32-exact values, so the float64 reference sees exactly
 * what the backend stores.
 */
import fc from 'fast-check';
import { arr, size, type Arr } from './reference.js';

/** Dims 0 and 1 are the edge cases; 2-4 keeps tensors small enough for hundreds of runs. */
export const dim = fc.oneof(
  { arbitrary: fc.constant(0), weight: 1 },
  { arbitrary: fc.constant(1), weight: 3 },
  { arbitrary: fc.integer({ min: 2, max: 4 }), weight: 6 },
);
export const nonEmptyDim = fc.integer({ min: 1, max: 4 });

export const shape = (minRank = 0, maxRank = 4, d: fc.Arbitrary<number> = dim): fc.Arbitrary<number[]> =>
  fc.array(d, { minLength: minRank, maxLength: maxRank });

/** Floats in [-lo, hi], rounded to float32, no NaN or infinity. */
export const floatIn = (min: number, max: number): fc.Arbitrary<number> =>
  fc.float({ min: Math.fround(min), max: Math.fround(max), noNaN: true, noDefaultInfinity: true });
export const float = floatIn(-10, 10);
export const int = fc.integer({ min: -20, max: 20 });
export const bool = fc.integer({ min: 0, max: 1 });

/** A reference array of `shape` filled from `value`. */
export const arrOf = (s: readonly number[], value: fc.Arbitrary<number> = float): fc.Arbitrary<Arr> =>
  fc.array(value, { minLength: size(s), maxLength: size(s) }).map((d) => arr(s, d));

export const anyArr = (value: fc.Arbitrary<number> = float, minRank = 0, maxRank = 4, d = dim): fc.Arbitrary<Arr> =>
  shape(minRank, maxRank, d).chain((s) => arrOf(s, value));

/** A shape that broadcasts to `out`: some leading dims dropped, some dims set to 1. */
export const broadcastableTo = (out: readonly number[]): fc.Arbitrary<number[]> =>
  fc
    .tuple(
      fc.integer({ min: 0, max: out.length }),
      fc.array(fc.boolean(), { minLength: out.length, maxLength: out.length }),
    )
    .map(([drop, ones]) => out.slice(drop).map((d, i) => (ones[i + drop] ? 1 : d)));

/** Two arrays whose shapes broadcast together (NumPy rules), and the broadcast shape. */
export const broadcastPair = (value: fc.Arbitrary<number> = float, valueB = value): fc.Arbitrary<[Arr, Arr]> =>
  shape(0, 4)
    .chain((out) => fc.tuple(broadcastableTo(out), broadcastableTo(out)))
    .chain(([sa, sb]) => fc.tuple(arrOf(sa, value), arrOf(sb, valueB)));

/** An axis of a rank-r tensor, written negative half the time. */
export const axisOf = (rank: number): fc.Arbitrary<number> =>
  fc.tuple(fc.integer({ min: 0, max: Math.max(0, rank - 1) }), fc.boolean()).map(([a, neg]) => (neg ? a - rank : a));

/** undefined (all axes), one axis, or a unique list of axes (possibly empty), some negative. */
export const axesOf = (rank: number): fc.Arbitrary<number | number[] | undefined> => {
  if (rank === 0) return fc.constantFrom(undefined, [] as number[]);
  return fc.oneof(
    fc.constant(undefined),
    axisOf(rank),
    fc
      .uniqueArray(fc.integer({ min: 0, max: rank - 1 }), { maxLength: rank })
      .chain((axes) =>
        fc
          .array(fc.boolean(), { minLength: axes.length, maxLength: axes.length })
          .map((neg) => axes.map((a, i) => (neg[i] ? a - rank : a))),
      ),
  );
};

/** Resolves what axesOf produced into sorted non-negative axes. */
export const resolveAxes = (axis: number | number[] | undefined, rank: number): number[] =>
  axis === undefined
    ? [...Array(rank).keys()]
    : (Array.isArray(axis) ? axis : [axis]).map((a) => (a < 0 ? a + rank : a)).sort((x, y) => x - y);

export const permutationOf = (rank: number): fc.Arbitrary<number[]> =>
  fc.shuffledSubarray([...Array(rank).keys()], { minLength: rank, maxLength: rank });
