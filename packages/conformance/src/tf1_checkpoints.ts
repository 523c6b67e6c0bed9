/**
 * The TF1 checkpoints in ../fixtures/tf1-checkpoints (copied from shared/fixtures; written by TensorFlow 2.21's
 * tf.compat.v1.train.Saver from a GRUCell through dynamic_rnn) and an independent check of
 * TensorFlow's bundle invariants, for the bundle tests.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const FIXTURES = join(here, '../fixtures/tf1-checkpoints');
export const CASES = ['gru_lengths', 'gru_lengths_float32'] as const;

export interface ExpectedVariable {
  name: string;
  shape: number[];
  dtype: 'float32' | 'float64';
  values: number[];
}
export interface Fixture {
  dir: string;
  index: Uint8Array;
  data: Uint8Array;
  expected: ExpectedVariable[];
}

export function fixture(name: (typeof CASES)[number]): Fixture {
  const dir = join(FIXTURES, name);
  const read = (f: string): Uint8Array => new Uint8Array(readFileSync(join(dir, f)));
  const expected = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8')) as { variables: ExpectedVariable[] };
  return {
    dir,
    index: read('model.ckpt.index'),
    data: read('model.ckpt.data-00000-of-00001'),
    expected: expected.variables,
  };
}

/** CRC-32C one bit at a time from its definition (reflected polynomial 0x82F63B78), independent of the library. */
export function crc32cByBits(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const b of bytes) {
    crc ^= b;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

/** LevelDB's mask (util/crc32c.h): rotate right 15, add 0xa282ead8. */
export const mask = (crc: number): number => (((crc >>> 15) | (crc << 17)) + 0xa282ead8) >>> 0;
