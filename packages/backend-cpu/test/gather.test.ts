/**
 * Out-of-range indices are where backends legitimately differ (TensorFlow's CPU kernel raises
 * InvalidArgument, its GPU kernel writes 0; so do ours: see backend-webgl's tests), so this lives
 * beside the backend rather than in the shared conformance suite.
 */
import test from 'ava';
import * as tf from '@tapeflow/core';
import { ValueError } from '@tapeflow/core';
import '../src/index.js';

test.before(async () => {
  if (!(await tf.setBackend('cpu'))) throw new Error('cpu backend failed to initialize');
});

test("gather: an index past the axis or below 0 is a ValueError naming it, x's shape and the axis; nothing leaks", (t) => {
  const x = tf.tensor([
    [1, 2, 3],
    [4, 5, 6],
  ]);
  const before = tf.memory().numTensors;
  for (const [indices, axis, bad] of [
    [[0, 2], 0, 2],
    [[-1], 1, -1],
    [[0, 3], 1, 3],
  ] as const) {
    const err = t.throws(() => tf.gather(x, [...indices], axis), { instanceOf: ValueError });
    t.regex(err.message, /Gather/);
    t.regex(err.message, new RegExp(`= ${bad} is out of range`));
    t.regex(err.message, /\[2,3\]/);
    t.regex(err.message, new RegExp(`axis ${axis}`));
  }
  t.is(tf.memory().numTensors, before);
  t.deepEqual(x.arraySync(), [
    [1, 2, 3],
    [4, 5, 6],
  ]);
  // The last valid index on each side still works.
  t.deepEqual(tf.gather(x, [1, 0], 0).arraySync(), [
    [4, 5, 6],
    [1, 2, 3],
  ]);
  t.deepEqual(tf.gather(x, [2], 1).arraySync(), [[3], [6]]);
  x.dispose();
});
