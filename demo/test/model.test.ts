/** The masked loss, against a float64 loop over the model's own logits read back to the host. */
import test from 'ava';
import '@tapeflow/backend-cpu';
import { resetDefaultGraph } from '@tapeflow/rnn';
import { makeBatch, loadCorpus } from '../src/data.js';
import { CharModel } from '../src/model.js';

test('totalNll sums -log p(target) over real positions only', (t) => {
  resetDefaultGraph();
  const corpus = loadCorpus(5);
  const model = new CharModel({ vocabSize: corpus.vocab.length, units: 6, layers: 2, seed: 5 });
  const b = makeBatch(['anna', 'bo', 'christopher'], corpus.vocab);
  const logitsT = model.logits(b);
  const logits = logitsT.dataSync();
  logitsT.dispose();
  const V = corpus.vocab.length;
  let ref = 0;
  for (let i = 0; i < b.batch; i++) {
    for (let s = 0; s < b.lengths[i]; s++) {
      const row = Array.from(logits.subarray((i * b.time + s) * V, (i * b.time + s + 1) * V));
      const m = Math.max(...row);
      const lse = m + Math.log(row.reduce((n, x) => n + Math.exp(x - m), 0));
      ref -= row[b.targets[i * b.time + s]] - lse;
    }
  }
  const nll = model.totalNll(b);
  t.true(Math.abs(nll.dataSync()[0] - ref) < 1e-4 * Math.abs(ref), `${nll.dataSync()[0]} vs ${ref}`);
  nll.dispose();
  // Padding targets do not count: changing them leaves the loss as it was.
  const padded = { ...b, targets: b.targets.map((v, k) => (k % b.time >= b.lengths[Math.floor(k / b.time)] ? 7 : v)) };
  const again = model.totalNll(padded);
  t.true(Math.abs(again.dataSync()[0] - ref) < 1e-4 * Math.abs(ref));
  again.dispose();
  // The rows past a name's end see zeros from dynamicRnn, so its logits there are just the bias.
  const outT = model.logits(b);
  t.deepEqual((outT.arraySync() as number[][][])[1][5], Array.from(model.bias.dataSync()));
  outT.dispose();
});
