/**
 * The differential property suite: every row of table.ts against tfjs (cpu), fixed seed, a
 * few cases per row. A failure prints the row, the counterexample and what differed.
 */
import test from 'ava';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import '@tapeflow/backend-cpu';
import * as tp from '@tapeflow/core';
import { startTfjs } from './tfjs.js';
import { checkCase } from './oracle.js';
import { ROWS } from './table.js';

const SEED = Number(process.env.TAPEFLOW_ORACLE_SEED ?? 20261202);
const RUNS = Number(process.env.TAPEFLOW_ORACLE_RUNS ?? 50);

test.before(async () => {
  if (!(await tp.setBackend('cpu'))) throw new Error('tapeflow cpu backend failed to start');
  await startTfjs();
});

for (const row of ROWS) {
  test.serial(`oracle › ${row.name}`, (t) => {
    fc.assert(
      fc.property(row.args, (c) => {
        checkCase(row, c);
      }),
      { seed: SEED, numRuns: row.runs ?? RUNS, endOnFailure: true, includeErrorInReport: true },
    );
    t.pass();
  });
}

test('every difference a row follows is a section of docs/tfjs-differences.md', (t) => {
  const doc = readFileSync(new URL('../../docs/tfjs-differences.md', import.meta.url), 'utf8');
  const headings = new Set([...doc.matchAll(/^## (.+)$/gm)].map((m) => m[1].trim()));
  const named = new Set(ROWS.flatMap((r) => (r.follows ?? []).map((f) => f.doc)));
  t.deepEqual(
    [...named].filter((d) => !headings.has(d)),
    [],
  );
  t.deepEqual(
    [...headings].filter((h) => !named.has(h)),
    [],
    'a section no row refers to',
  );
});
