/**
 * truncatedNormal, multinomial / categorical and dropout: reproducible per seed, and statistically
 * right. Moment and frequency checks use 5-sigma bounds, so with fixed seeds they are
 * deterministic and a correct sampler fails them with probability ~1e-6.
 */
import * as tf from '@tapeflow/core';
import type { Registry } from '../harness.js';
import { assert, expectArrayEqual, expectClose, expectShape, expectThrows } from '../harness.js';
import { check } from './util.js';

/** Standard normal density and distribution function (erf by Abramowitz-Stegun 7.1.26 is too coarse; use a series). */
const phi = (z: number): number => Math.exp((-z * z) / 2) / Math.sqrt(2 * Math.PI);
function Phi(z: number): number {
  // erf by its Taylor series, exact to ~1e-16 for |z| <= 3.
  const x = z / Math.SQRT2;
  let term = x,
    s = x;
  for (let n = 1; n < 60; n++) {
    term *= (-x * x) / n;
    s += term / (2 * n + 1);
  }
  return 0.5 * (1 + (2 / Math.sqrt(Math.PI)) * s);
}

function moments(v: ArrayLike<number>): { mean: number; std: number } {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i];
  const mean = s / v.length;
  let q = 0;
  for (let i = 0; i < v.length; i++) q += (v[i] - mean) ** 2;
  return { mean, std: Math.sqrt(q / (v.length - 1)) };
}

/** Counts of each class must lie within 5 binomial sigmas of n p. */
function expectFrequencies(samples: ArrayLike<number>, probs: number[], msg: string): void {
  const n = samples.length;
  const counts = probs.map(() => 0);
  for (let i = 0; i < n; i++) counts[samples[i]]++;
  probs.forEach((p, j) => {
    const sigma = Math.sqrt(n * p * (1 - p));
    assert(
      Math.abs(counts[j] - n * p) <= 5 * sigma + 1e-9,
      `${msg}: class ${j} drawn ${counts[j]} times of ${n}, expected ${n * p} ± ${5 * sigma}`,
    );
  });
}

export function randomTf1Suite(r: Registry): void {
  r.test('truncatedNormal: within 2 stddev of the mean, moments of the normal truncated at ±2, seeded', () =>
    check(() => {
      const n = 20000,
        mean = 1.5,
        sd = 0.5;
      const x = tf.truncatedNormal([n], { mean, stddev: sd, seed: 3 });
      expectArrayEqual(x, tf.truncatedNormal([n], { mean, stddev: sd, seed: 3 }));
      const v = x.dataSync();
      assert(
        v.every((a) => Math.abs(a - mean) <= 2 * sd * (1 + 1e-6)),
        'a value lies beyond 2 stddev',
      );
      // Var of N(0,1) truncated to [-2, 2] is 1 - 2·2·phi(2) / (Phi(2) - Phi(-2)).
      const sdT = sd * Math.sqrt(1 - (4 * phi(2)) / (Phi(2) - Phi(-2)));
      const m = moments(v);
      assert(Math.abs(m.mean - mean) < (5 * sdT) / Math.sqrt(n), `mean ${m.mean}, expected ${mean}`);
      assert(Math.abs(m.std - sdT) < (5 * sdT) / Math.sqrt(2 * n), `std ${m.std}, expected ${sdT}`);
      expectShape(tf.truncatedNormal([2, 0, 3]), [2, 0, 3]);
    }),
  );

  r.test(
    'multinomial: frequencies follow softmax(logits); -Infinity never drawn; seeded; categorical is the same op',
    () =>
      check(() => {
        const probs = [0.1, 0.2, 0.7, 0];
        const logits = tf.tensor([probs.map(Math.log), [0, 0, 0, -Infinity]]);
        const s = tf.multinomial(logits, 10000, { seed: 5 });
        if (s.dtype !== 'int32') throw new Error(`multinomial gave ${s.dtype}`);
        expectShape(s, [2, 10000]);
        const v = s.dataSync();
        expectFrequencies(v.subarray(0, 10000), probs, 'row 0');
        expectFrequencies(v.subarray(10000), [1 / 3, 1 / 3, 1 / 3, 0], 'row 1');
        expectArrayEqual(s, tf.multinomial(logits, 10000, { seed: 5 }));
        expectArrayEqual(s, tf.categorical(logits, 10000, { seed: 5 }));
        assert(
          tf
            .multinomial(logits, 50, { seed: 6 })
            .dataSync()
            .some((a, i) => a !== v[i]),
          'seeds 5 and 6 gave the same samples',
        );
      }),
  );

  r.test('multinomial: logits ~1e4 pick the largest (no softmax overflow); 0 samples; bad arguments', () =>
    check(() => {
      expectArrayEqual(
        tf.multinomial(
          tf.tensor([
            [1e4, 0, -1e4],
            [-1e4, -1e4, 1e4 - 50],
          ]),
          4,
          { seed: 1 },
        ),
        [0, 0, 0, 0, 2, 2, 2, 2],
      );
      expectShape(tf.multinomial(tf.zeros([3, 2]), 0), [3, 0]);
      expectThrows(() => tf.multinomial(tf.zeros([3]), 2), tf.ValueError, /multinomial/, /logits/, /\[3\]/);
      expectThrows(() => tf.multinomial(tf.zeros([2, 0]), 2), tf.ValueError, /multinomial/, /classes/);
      expectThrows(() => tf.multinomial(tf.zeros([2, 2]), 1.5), tf.ValueError, /multinomial/, /numSamples/);
      expectThrows(() => tf.multinomial(tf.zeros([2, 2], 'int32'), 1), TypeError, /multinomial/, /logits/, /int32/);
    }),
  );

  r.test('dropout: kept values are x / keep, the kept fraction is keep; TF1 keepProb and TF2 rate agree; seeded', () =>
    check(() => {
      const n = 20000;
      const x = tf.fill([n], 2);
      const y = tf.dropout(x, { rate: 0.25, seed: 9 });
      const v = y.dataSync();
      assert(
        v.every((a) => a === 0 || Math.abs(a - 2 / 0.75) < 1e-6),
        'a value is neither 0 nor x / keep',
      );
      const kept = v.filter((a) => a !== 0).length;
      assert(Math.abs(kept - 0.75 * n) < 5 * Math.sqrt(n * 0.75 * 0.25), `kept ${kept} of ${n}, expected ${0.75 * n}`);
      expectArrayEqual(y, tf.dropout(x, { keepProb: 0.75, seed: 9 }));
      expectArrayEqual(y, tf.dropout(x, { rate: tf.scalar(0.25), seed: 9 }));
      expectArrayEqual(tf.dropout(x, { keepProb: tf.scalar(0.75), seed: 9 }), y);
      assert(
        tf
          .dropout(x, { rate: 0.25, seed: 10 })
          .dataSync()
          .some((a, i) => a !== v[i]),
        'seeds 9 and 10 gave the same mask',
      );
    }),
  );

  r.test('dropout: noiseShape drops whole rows; rate 0 and keepProb 1 return x; bad options name the op', () =>
    check(() => {
      const x = tf.ones([50, 4]);
      const y = tf.dropout(x, { keepProb: 0.5, noiseShape: [50, 1], seed: 2 }).arraySync() as number[][];
      assert(
        y.every((row) => row.every((a) => a === row[0])),
        'a row was partly dropped',
      );
      assert(y.some((row) => row[0] === 0) && y.some((row) => row[0] === 2), 'no row dropped or none kept');
      expectClose(tf.dropout(x, { rate: 0 }), x, { rtol: 0, atol: 0 });
      expectClose(tf.dropout(x, { keepProb: 1 }), x, { rtol: 0, atol: 0 });
      const { ValueError } = tf;
      expectThrows(() => tf.dropout(x, { keepProb: 0 }), ValueError, /dropout/, /keepProb/, /\(0, 1\]/);
      expectThrows(() => tf.dropout(x, { rate: 1 }), ValueError, /dropout/, /rate/);
      expectThrows(() => tf.dropout(x, { rate: 0.5, keepProb: 0.5 }), ValueError, /dropout/, /both/);
      expectThrows(() => tf.dropout(x, {}), ValueError, /dropout/, /neither/);
      expectThrows(
        () => tf.dropout(x, { rate: 0.5, noiseShape: [3, 1] }),
        ValueError,
        /dropout/,
        /noiseShape/,
        /\[50,4\]/,
      );
      expectThrows(() => tf.dropout(tf.ones([2], 'int32'), { rate: 0.5 }), TypeError, /dropout/, /int32/);
    }),
  );
}
