/**
 * New names from the trained model: feed '.', sample a character from softmax(logits / T) with
 * a seeded RNG, feed it back, until '.' comes out. All names are generated together as a batch,
 * stepping the same MultiRNNCell that dynamicRnn trained with `cell.call`.
 */
import { add, dispose, div, matmul, oneHot, softmax, tensor, tidy, type Tensor } from '@tapeflow/core';
import { rng } from './corpus.js';
import type { CharModel } from './model.js';

export interface SampleOptions {
  count: number;
  temperature: number;
  seed: number;
  maxLength?: number;
}

export function sampleNames(model: CharModel, vocab: readonly string[], opts: SampleOptions): string[] {
  const { count, temperature, seed, maxLength = 24 } = opts;
  if (!(temperature > 0)) throw new Error(`sampleNames: temperature must be > 0, got ${temperature}`);
  const u = rng(seed);
  const names = new Array<string>(count).fill('');
  const done = new Array<boolean>(count).fill(false);
  const ids = new Int32Array(count); // every row starts from the boundary token, id 0
  let state = model.cell.zeroState(count, 'float32');
  for (let t = 0; t < maxLength && done.includes(false); t++) {
    const [probs, next] = tidy(() => {
      const x = oneHot(tensor(ids, [count], 'int32'), vocab.length);
      const [out, s] = model.cell.call(x, state);
      const logits = add(matmul(out as Tensor, model.kernel), model.bias);
      return [softmax(div(logits, temperature)), s] as const;
    });
    dispose(state);
    state = next;
    const p = probs.dataSync();
    probs.dispose();
    for (let b = 0; b < count; b++) {
      // Inverse-CDF draw from row b.
      let r = u();
      let c = 0;
      while (c < vocab.length - 1 && (r -= p[b * vocab.length + c]) >= 0) c++;
      ids[b] = c;
      if (done[b]) continue;
      if (c === 0) done[b] = true;
      else names[b] += vocab[c];
    }
  }
  dispose(state);
  return names;
}
