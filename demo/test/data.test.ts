/** The corpus, its split and the padded batches, checked against hand-written expectations. */
import test from 'ava';
import { loadCorpus, makeBatch, readNames, trainBatch, unigramBaseline, type Corpus } from '../src/data.js';

test('names come from both @stdlib lists, lower-cased and de-duplicated', (t) => {
  const names = readNames();
  t.true(names.length > 8000);
  t.is(new Set(names).size, names.length);
  t.true(names.includes('aaron') && names.includes('abagail')); // one male, one female
  t.true(names.every((n) => /^[a-z-]+$/.test(n)));
});

test('the split is disjoint, covers every name, and depends only on the seed', (t) => {
  const a = loadCorpus(1);
  const b = loadCorpus(1);
  const c = loadCorpus(2);
  t.deepEqual(a, b);
  t.notDeepEqual(a.heldOut, c.heldOut);
  const train = new Set(a.train);
  t.false(a.heldOut.some((n) => train.has(n)));
  t.is(a.train.length + a.heldOut.length, readNames().length);
  t.is(a.heldOut.length, Math.round(readNames().length * 0.1));
  t.is(a.vocab[0], '.');
});

test('makeBatch pads to the longest name and shifts targets by one', (t) => {
  const b = makeBatch(['ab', 'c'], ['.', 'a', 'b', 'c']);
  t.is(b.time, 3);
  t.deepEqual(Array.from(b.inputs), [0, 1, 2, /**/ 0, 3, 0]);
  t.deepEqual(Array.from(b.targets), [1, 2, 0, /**/ 3, 0, 0]);
  t.deepEqual(Array.from(b.lengths), [3, 2]);
  t.throws(() => makeBatch(['x'], ['.', 'a']), { message: /'x'/ });
});

test('trainBatch is a function of (seed, step)', (t) => {
  const corpus = loadCorpus(3);
  t.deepEqual(trainBatch(corpus, 16, 3, 5), trainBatch(corpus, 16, 3, 5));
  t.notDeepEqual(trainBatch(corpus, 16, 3, 5).inputs, trainBatch(corpus, 16, 3, 6).inputs);
});

test('unigramBaseline is the add-one-smoothed per-character cross-entropy', (t) => {
  // Train counts: a 3, b 1, '.' 2 (one per name) of 6; vocabulary 4 (with c unseen).
  const corpus: Corpus = { vocab: ['.', 'a', 'b', 'c'], train: ['aa', 'ab'], heldOut: ['ac'] };
  const p = (count: number): number => (count + 1) / (6 + 4);
  const expected = -(Math.log(p(3)) + Math.log(p(0)) + Math.log(p(2))) / 3;
  t.true(Math.abs(unigramBaseline(corpus) - expected) < 1e-12);
});
