/**
 * The V2 tensor bundle reader and writer. References: real TF1 checkpoints with TensorFlow's own
 * values (expected.json), a bit-by-bit CRC-32C, and the random tensors a round trip starts from.
 */
import test from 'ava';
import fc from 'fast-check';
import {
  BundleIndex,
  BundleReader,
  ValueError,
  readBundle,
  writeBundle,
  type BundleArray,
  type BundleDType,
  type BundleTensor,
} from '@tapeflow/core';
import { CASES, crc32cByBits, fixture, mask } from '@tapeflow/conformance/tf1-checkpoints';

const utf8Compare = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b));

for (const name of CASES) {
  test(`${name}: every variable reads back bit-exactly as TensorFlow wrote it`, (t) => {
    const f = fixture(name);
    const got = readBundle({ index: f.index, data: [f.data] });
    t.deepEqual([...got.keys()], f.expected.map((v) => v.name).sort(utf8Compare));
    for (const v of f.expected) {
      const g = got.get(v.name)!;
      t.is(g.dtype, v.dtype, v.name);
      t.deepEqual(g.shape, v.shape, v.name);
      t.is(g.values.length, v.values.length);
      // expected.json holds each value as a double that is exactly the stored float.
      const mismatch = Array.from(g.values as Float64Array).findIndex((x, i) => !Object.is(x, v.values[i]));
      t.is(mismatch, -1, `${v.name}[${mismatch}]`);
    }
  });

  test(`${name}: written back, the entries, checksums and TF's invariants hold`, (t) => {
    const f = fixture(name);
    const original = new BundleReader(BundleIndex.parse(f.index), [f.data]);
    const { index, data } = writeBundle(original.readAll());
    const ours = BundleIndex.parse(index);
    // The header entry: one shard, little-endian, bundle format version 1.
    t.deepEqual(ours.header, { numShards: 1, endianness: 'little', producer: 1, minConsumer: 0 });
    t.deepEqual([...ours.entries.keys()], [...original.index.entries.keys()]);
    const names = [...ours.entries.keys()];
    t.deepEqual(names, [...names].sort(utf8Compare), 'keys sorted bytewise');
    for (const [key, e] of ours.entries) {
      const theirs = original.index.entries.get(key)!;
      t.deepEqual({ ...e }, { ...theirs }, key); // same dtype, shape, shard, offset, size and crc
      t.is(e.crc32c, mask(crc32cByBits(data[0].subarray(e.offset, e.offset + e.size))), `${key} crc32c`);
    }
    t.deepEqual(data[0], f.data);
    // Not required by the format, but our writer makes TensorFlow's choices (block layout, separators).
    t.deepEqual(index, f.index);
  });
}

/** Does reading `index` + `data` either throw a ValueError or give exactly `want`? Returns 'error' | 'same' | 'WRONG'. */
function outcome(index: Uint8Array, data: Uint8Array, want: Map<string, BundleTensor>): 'error' | 'same' | 'WRONG' {
  let got: Map<string, BundleTensor>;
  try {
    got = readBundle({ index, data: [data] });
  } catch (e) {
    if (e instanceof ValueError) return 'error';
    throw e;
  }
  if (got.size !== want.size) return 'WRONG';
  for (const [k, v] of want) {
    const g = got.get(k);
    if (
      !g ||
      g.dtype !== v.dtype ||
      g.shape.join() !== v.shape.join() ||
      !Buffer.from(g.values.buffer).equals(Buffer.from(v.values.buffer))
    )
      return 'WRONG';
  }
  return 'same';
}

test('fuzz: every truncation and every single-bit flip of index or data is an error, never a wrong tensor', (t) => {
  const f = fixture('gru_lengths_float32');
  const want = readBundle({ index: f.index, data: [f.data] });
  const tally = { error: 0, same: 0, WRONG: 0 };
  const bad: string[] = [];
  const note = (o: keyof typeof tally, what: string): void => {
    tally[o]++;
    if (o !== 'error') bad.push(what);
  };
  for (let n = 0; n < f.index.length; n++) note(outcome(f.index.slice(0, n), f.data, want), `index cut to ${n}`);
  for (let n = 0; n < f.data.length; n++) note(outcome(f.index, f.data.slice(0, n), want), `data cut to ${n}`);
  for (const [which, bytes] of [
    ['index', f.index],
    ['data', f.data],
  ] as const) {
    for (let bit = 0; bit < bytes.length * 8; bit++) {
      const copy = bytes.slice();
      copy[bit >> 3] ^= 1 << (bit & 7);
      note(
        which === 'index' ? outcome(copy, f.data, want) : outcome(f.index, copy, want),
        `${which} bit ${bit} flipped`,
      );
    }
  }
  t.deepEqual(bad, []);
  t.is(tally.error, f.index.length + f.data.length + 8 * (f.index.length + f.data.length));
});

test('fuzz: random multi-byte corruption (fixed seed) is an error, never a wrong tensor', (t) => {
  const f = fixture('gru_lengths');
  const want = readBundle({ index: f.index, data: [f.data] });
  fc.assert(
    fc.property(
      fc.boolean(),
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 6 }),
      (inIndex, edits) => {
        const copy = (inIndex ? f.index : f.data).slice();
        for (const [at, x] of edits) copy[at % copy.length] ^= x;
        const changed = !Buffer.from(copy).equals(Buffer.from(inIndex ? f.index : f.data));
        const o = inIndex ? outcome(copy, f.data, want) : outcome(f.index, copy, want);
        return changed ? o === 'error' : o === 'same';
      },
    ),
    { seed: 13, numRuns: 400 },
  );
  t.pass();
});

// ---- round trips over random bundles ----

const dtypes: BundleDType[] = ['float32', 'float64', 'int32', 'int64', 'bool'];
const arb = {
  // TF1-style names and arbitrary Unicode (sorted by UTF-8 bytes, not UTF-16 units).
  name: fc.oneof(
    fc.array(fc.stringMatching(/^[a-z_][a-z0-9_]{0,8}$/), { minLength: 1, maxLength: 4 }).map((p) => p.join('/')),
    fc.string({ unit: 'grapheme', minLength: 1, maxLength: 6 }).filter((s) => s.charCodeAt(0) !== 0),
  ),
  shape: fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 4 }),
  dtype: fc.constantFrom(...dtypes),
};

function values(dtype: BundleDType, n: number, seed: number): BundleArray {
  let s = seed >>> 0;
  const next = (): number => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s;
  };
  switch (dtype) {
    case 'float32':
      return Float32Array.from({ length: n }, () => (next() / 2 ** 32 - 0.5) * 1e3);
    case 'float64':
      return Float64Array.from({ length: n }, () => (next() / 2 ** 32 - 0.5) * 1e300 + next() * 1e-10);
    case 'int32':
      return Int32Array.from({ length: n }, () => next() | 0);
    case 'int64':
      return BigInt64Array.from({ length: n }, () => (BigInt(next() | 0) << 32n) | BigInt(next()));
    case 'bool':
      return Uint8Array.from({ length: n }, () => next() & 1);
  }
}

test('round trip: random names, shapes (scalars, empty), dtypes, shard counts and block sizes read back exactly', (t) => {
  fc.assert(
    fc.property(
      fc.uniqueArray(fc.tuple(arb.name, arb.shape, arb.dtype, fc.nat()), {
        minLength: 1,
        maxLength: 12,
        selector: ([n]) => n,
      }),
      fc.integer({ min: 1, max: 4 }),
      fc.constantFrom(64, 200, 1024, 256 * 1024),
      fc.integer({ min: 1, max: 16 }),
      (specs, numShards, blockBytes, restartInterval) => {
        const tensors = new Map(
          specs.map(([name, shape, dtype, seed]): [string, BundleTensor] => [
            name,
            {
              dtype,
              shape,
              values: values(
                dtype,
                shape.reduce((a, b) => a * b, 1),
                seed,
              ),
            },
          ]),
        );
        const { index, data } = writeBundle(tensors, { numShards, blockBytes, restartInterval });
        const reader = new BundleReader(BundleIndex.parse(index), data);
        const got = reader.readAll();
        if (reader.names.join('\0') !== [...tensors.keys()].sort(utf8Compare).join('\0')) return false;
        for (const [k, v] of tensors) {
          const g = got.get(k)!;
          if (g.dtype !== v.dtype || g.shape.join() !== v.shape.join() || g.values.constructor !== v.values.constructor)
            return false;
          if (
            !Buffer.from(g.values.buffer).equals(Buffer.from(v.values.buffer, v.values.byteOffset, v.values.byteLength))
          )
            return false;
          const e = reader.entry(k)!;
          if (e.crc32c !== mask(crc32cByBits(Buffer.from(v.values.buffer, v.values.byteOffset, v.values.byteLength))))
            return false;
        }
        return data.length === numShards;
      },
    ),
    { seed: 42, numRuns: 150 },
  );
  t.pass();
});

test('writeBundle rejects what a bundle cannot hold, naming the tensor', (t) => {
  const ok: BundleTensor = { dtype: 'float32', shape: [2], values: new Float32Array(2) };
  t.throws(() => writeBundle([['', ok]]), { instanceOf: ValueError, message: /non-empty name/ });
  t.throws(() => writeBundle([['w', { ...ok, shape: [3] }]]), {
    instanceOf: ValueError,
    message: /'w'.*\[3\] has 3 elements, values has 2/,
  });
  t.throws(() => writeBundle([['w', { ...ok, dtype: 'float64' }]]), {
    instanceOf: TypeError,
    message: /'w'.*Float64Array/,
  });
  t.throws(() => writeBundle([['w', { ...ok, dtype: 'string' as BundleDType }]]), {
    instanceOf: ValueError,
    message: /'w'.*dtype/,
  });
  t.throws(() => writeBundle([['w', ok]], { numShards: 0 }), { instanceOf: ValueError, message: /numShards/ });
});

test('read errors name the file and the entry', (t) => {
  const f = fixture('gru_lengths');
  const data = f.data.slice();
  data[400] ^= 4; // inside rnn/gru_cell/gates/kernel (offset 320, 448 bytes)
  t.throws(() => readBundle({ index: f.index, data: [data] }), {
    instanceOf: ValueError,
    message: /model\.ckpt\.data-00000-of-00001: entry 'rnn\/gru_cell\/gates\/kernel' .*CRC-32C/,
  });
  t.throws(() => readBundle({ index: f.index, data: [f.data.slice(0, 700)] }), {
    instanceOf: ValueError,
    message: /data-00000-of-00001: entry 'rnn\/gru_cell\/gates\/kernel' .*truncated/,
  });
  t.throws(() => readBundle({ index: f.index.slice(0, 200), data: [f.data] }), {
    instanceOf: ValueError,
    message: /model\.ckpt\.index: .*magic/,
  });
  t.throws(() => readBundle({ index: f.index, data: [] }), {
    instanceOf: ValueError,
    message: /names 1 data shard .*got 0/,
  });
});
