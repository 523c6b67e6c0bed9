/**
 * The corpus without file access (so it also runs in a browser): names split into train and
 * held-out sets by seed, and cut into padded [batch, time] id batches with per-row sequence
 * lengths. data.ts reads the names from node_modules; the playground bundles them.
 *
 * A name is modelled as '.' c1 c2 ... cn '.': the input row is '.' c1 .. cn, the target row is
 * c1 .. cn '.', so each name contributes n + 1 predictions and its sequence length is n + 1.
 */
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';

/** The boundary token: start-of-name as input, end-of-name as target. */
export const BOUNDARY = '.';

export interface Corpus {
  /** Token id -> character; id 0 is BOUNDARY. */
  vocab: string[];
  train: string[];
  heldOut: string[];
}

export interface Batch {
  /** [batch, time] row-major input ids, BOUNDARY-padded. */
  inputs: Int32Array;
  /** [batch, time] row-major target ids (padding positions are masked out by `lengths`). */
  targets: Int32Array;
  /** [batch]: name length + 1. */
  lengths: Int32Array;
  batch: number;
  time: number;
}

/** A seeded uniform [0, 1) stream. */
export function rng(seed: number): () => number {
  const g = xoroshiro128plus(seed);
  return () => uniformFloat64(g);
}

function shuffle<T>(xs: readonly T[], u: () => number): T[] {
  const out = [...xs];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(u() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/** Lower-cased, de-duplicated and sorted names, from any number of raw lists. */
export function cleanNames(lists: readonly (readonly string[])[]): string[] {
  return [...new Set(lists.flat().map((n) => n.toLowerCase()))].sort();
}

/** `names` (as cleanNames returns them) split by `seed` into train and held-out (`heldOutFraction` of them). */
export function splitCorpus(names: readonly string[], seed: number, heldOutFraction = 0.1): Corpus {
  const chars = [...new Set(names.join(''))].sort();
  const shuffled = shuffle(names, rng(seed));
  const nHeld = Math.round(names.length * heldOutFraction);
  return { vocab: [BOUNDARY, ...chars], heldOut: shuffled.slice(0, nHeld), train: shuffled.slice(nHeld) };
}

/** Pads names into one batch whose time dimension is the longest name in it plus one. */
export function makeBatch(names: readonly string[], vocab: readonly string[]): Batch {
  const id = new Map(vocab.map((c, i) => [c, i]));
  const batch = names.length;
  const time = Math.max(...names.map((n) => n.length)) + 1;
  const inputs = new Int32Array(batch * time);
  const targets = new Int32Array(batch * time);
  const lengths = new Int32Array(batch);
  names.forEach((name, b) => {
    lengths[b] = name.length + 1;
    for (let t = 0; t < name.length; t++) {
      const c = id.get(name[t]);
      if (c === undefined) throw new Error(`makeBatch: character '${name[t]}' of '${name}' is not in the vocabulary`);
      inputs[b * time + t + 1] = c;
      targets[b * time + t] = c;
    }
    // inputs[b, 0] and targets[b, name.length] are BOUNDARY (id 0), as is the padding.
  });
  return { inputs, targets, lengths, batch, time };
}

/**
 * The training batch for `step`: a pure function of (seed, step), so a run resumed from a
 * checkpoint at step N sees exactly the batches an uninterrupted run sees.
 */
export function trainBatch(corpus: Corpus, batchSize: number, seed: number, step: number): Batch {
  const u = rng((seed * 1000003 + step) | 0);
  const picks = Array.from({ length: batchSize }, () => corpus.train[Math.floor(u() * corpus.train.length)]);
  return makeBatch(picks, corpus.vocab);
}

/** Held-out names in fixed batches, sorted by length so little of each batch is padding. */
export function evalBatches(names: readonly string[], vocab: readonly string[], batchSize: number): Batch[] {
  const sorted = [...names].sort((a, b) => a.length - b.length || (a < b ? -1 : 1));
  const out: Batch[] = [];
  for (let i = 0; i < sorted.length; i += batchSize) out.push(makeBatch(sorted.slice(i, i + batchSize), vocab));
  return out;
}

/** Per-character cross-entropy (nats) of `names` under the train set's character frequencies. */
export function unigramBaseline(corpus: Corpus, names: readonly string[] = corpus.heldOut): number {
  const count = new Map<string, number>();
  let total = 0;
  const add = (c: string): void => {
    count.set(c, (count.get(c) ?? 0) + 1);
    total++;
  };
  for (const n of corpus.train) {
    for (const c of n) add(c);
    add(BOUNDARY);
  }
  let nll = 0;
  let n = 0;
  for (const name of names) {
    for (const c of [...name, BOUNDARY]) {
      // Add-one smoothing so a character unseen in training does not give an infinite loss.
      nll -= Math.log(((count.get(c) ?? 0) + 1) / (total + corpus.vocab.length));
      n++;
    }
  }
  return nll / n;
}
