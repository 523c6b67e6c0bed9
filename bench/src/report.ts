/**
 * bench/results.md is assembled from sections, one per benchmark script (cpu ops, rnn, webgl),
 * so each script can be rerun alone and only replaces its own part of the file. A section lives
 * between `<!-- bench:<id> -->` and `<!-- /bench:<id> -->`; sections keep their order, a new one
 * is appended.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const RESULTS_PATH = fileURLToPath(new URL('../results.md', import.meta.url));

const TITLE =
  '# tapeflow benchmarks\n\nEach section is written by one benchmark script, run with `pnpm bench` ' +
  '(all of them) or `pnpm bench <section>`; every ratio compares contenders measured in the same run.\n';

/** Replaces (or appends) section `id` of `file` with `markdown`. */
export function writeSection(id: string, markdown: string, file = RESULTS_PATH): void {
  const open = `<!-- bench:${id} -->`,
    close = `<!-- /bench:${id} -->`;
  const block = `${open}\n${markdown.trim()}\n${close}`;
  let text = existsSync(file) ? readFileSync(file, 'utf8') : TITLE;
  if (!text.includes('<!-- bench:')) text = TITLE; // an old single-table file: start over
  const a = text.indexOf(open),
    b = text.indexOf(close);
  text = a >= 0 && b > a ? text.slice(0, a) + block + text.slice(b + close.length) : `${text.trimEnd()}\n\n${block}\n`;
  writeFileSync(file, text);
}
