// Reads ava's output and prints the one closing line CI looks for: "tests: N passed, M failed".
// Exits non-zero when anything failed or ava itself failed (e.g. a file that did not load).
//   node scripts/test-summary.mjs LOG STATUS [LOG STATUS ...] [--failed-step=NAME ...]
// Each LOG is one ava run and STATUS its exit code; each --failed-step (a CI step that is not a
// test run, e.g. lint) counts as one failure.
import { readFileSync } from 'node:fs';
import { stripVTControlCharacters } from 'node:util';

const args = process.argv.slice(2);
const failedSteps = args.filter((a) => a.startsWith('--failed-step=')).map((a) => a.slice('--failed-step='.length));
const runs = args.filter((a) => !a.startsWith('--'));

/** Passed, failed and skipped counts of one ava run. */
function summarize(log, status) {
  const text = stripVTControlCharacters(readFileSync(log, 'utf8'));
  const count = (re) => [...text.matchAll(re)].reduce((n, m) => n + Number(m[1]), 0);
  // ava prints "N tests passed" only when nothing failed; otherwise count its per-test ✔ lines.
  const summaryPassed = count(/^\s*(\d+) tests? passed/gm);
  const passed = summaryPassed > 0 ? summaryPassed : (text.match(/^\s*✔/gm) ?? []).length;
  let failed =
    count(/^\s*(\d+) tests? failed/gm) +
    count(/^\s*(\d+) uncaught exceptions?/gm) +
    count(/^\s*(\d+) unhandled rejections?/gm) +
    count(/^\s*(\d+) tests? remained pending/gm);
  const skipped = count(/^\s*(\d+) tests? skipped/gm) + count(/^\s*(\d+) known failures?/gm);
  if (Number(status) !== 0 && failed === 0) failed = 1; // ava failed without counting a test (load error)
  if (passed === 0 && failed === 0) failed = 1; // running no test is a failure too
  return { passed, failed, skipped };
}

let [passed, failed, skipped] = [0, failedSteps.length, 0];
for (let i = 0; i < runs.length; i += 2) {
  const r = summarize(runs[i], runs[i + 1]);
  passed += r.passed;
  failed += r.failed;
  skipped += r.skipped;
}
if (failedSteps.length) console.log(`failed steps: ${failedSteps.join(', ')}`);
console.log(`tests: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 ? 1 : 0);
