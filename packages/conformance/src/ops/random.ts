/**
 * randomUniform / randomNormal: reproducible per seed, different across seeds, and statistically
 * plausible. The moment checks use 5-sigma bounds on n = 20000 draws, so with a fixed seed they
 * are deterministic and a correct generator would fail them with probability ~1e-6.
 */
import * as tf from '@tapeflow/core';
import type { Registry } from '../harness.js';
import { assert, expectArrayEqual, expectShape } from '../harness.js';
import { check } from './util.js';

const N = 20000;
function moments(v: ArrayLike<number>): { mean: number; std: number } {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i];
  const mean = s / v.length;
  let q = 0;
  for (let i = 0; i < v.length; i++) q += (v[i] - mean) ** 2;
  return { mean, std: Math.sqrt(q / (v.length - 1)) };
}

export function randomSuite(r: Registry): void {
  r.test('randomUniform: same seed gives the same values, other seeds differ', () =>
    check(() => {
      const a = tf.randomUniform([3, 4], { seed: 7 });
      expectShape(a, [3, 4]);
      expectArrayEqual(a, tf.randomUniform([3, 4], { seed: 7 }));
      const b = tf.randomUniform([3, 4], { seed: 8 }).dataSync();
      const av = a.dataSync();
      assert(
        av.some((v, i) => v !== b[i]),
        'seeds 7 and 8 gave identical values',
      );
    }),
  );

  r.test('randomUniform: values lie in [minval, maxval), mean and std match U(a,b)', () =>
    check(() => {
      const [lo, hi] = [-2, 3];
      const v = tf.randomUniform([N], { minval: lo, maxval: hi, seed: 11 }).dataSync();
      assert(
        v.every((x) => x >= lo && x < hi),
        'a value lies outside [minval, maxval)',
      );
      const { mean, std } = moments(v);
      const sigma = (hi - lo) / Math.sqrt(12);
      assert(Math.abs(mean - (lo + hi) / 2) < (5 * sigma) / Math.sqrt(N), `mean ${mean}, expected ${(lo + hi) / 2}`);
      // The sample std of N draws has standard error about sigma / sqrt(2N) (less for the uniform).
      assert(Math.abs(std - sigma) < (5 * sigma) / Math.sqrt(2 * N), `std ${std}, expected ${sigma}`);
    }),
  );

  r.test('randomUniform: uniform coverage (every tenth of [0,1) gets ~N/10 draws)', () =>
    check(() => {
      const v = tf.randomUniform([N], { seed: 5 }).dataSync();
      const counts = new Array(10).fill(0);
      for (const x of v) counts[Math.floor(x * 10)]++;
      const sd = Math.sqrt(N * 0.1 * 0.9);
      for (const [i, c] of counts.entries()) assert(Math.abs(c - N / 10) < 5 * sd, `bin ${i} holds ${c} of ${N}`);
    }),
  );

  r.test('randomNormal: same seed gives the same values, other seeds differ', () =>
    check(() => {
      const a = tf.randomNormal([5], { seed: 3 });
      expectArrayEqual(a, tf.randomNormal([5], { seed: 3 }));
      const b = tf.randomNormal([5], { seed: 4 }).dataSync();
      assert(
        a.dataSync().some((v, i) => v !== b[i]),
        'seeds 3 and 4 gave identical values',
      );
    }),
  );

  r.test('randomNormal: mean and stddev options are honoured', () =>
    check(() => {
      const [mu, sigma] = [2, 3];
      const v = tf.randomNormal([N], { mean: mu, stddev: sigma, seed: 21 }).dataSync();
      const { mean, std } = moments(v);
      assert(Math.abs(mean - mu) < (5 * sigma) / Math.sqrt(N), `mean ${mean}, expected ${mu}`);
      assert(Math.abs(std - sigma) < (5 * sigma) / Math.sqrt(2 * N), `std ${std}, expected ${sigma}`);
      // Normal tails: about 4.55% of draws lie beyond 2 sigma.
      let out = 0;
      for (const x of v) if (Math.abs(x - mu) > 2 * sigma) out++;
      const p = 0.0455;
      assert(Math.abs(out - p * N) < 5 * Math.sqrt(N * p * (1 - p)), `${out} of ${N} draws beyond 2 sigma`);
    }),
  );

  r.test('randomNormal: odd sizes and shapes, all values finite', () =>
    check(() => {
      const a = tf.randomNormal([3, 3], { seed: 9 });
      expectShape(a, [3, 3]);
      assert(a.dataSync().every(Number.isFinite), 'a non-finite value');
      expectShape(tf.randomNormal([0]), [0]);
    }),
  );
}
