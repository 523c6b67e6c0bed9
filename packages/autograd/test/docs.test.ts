/**
 * Runs the code blocks of docs/*.md and of the READMEs (root, packages, demo, playground), so the
 * docs cannot rot.
 *
 * - Every ```ts block runs on the CPU backend. A block with an `import` starts a new program; a
 *   block without one continues the program above it (same names, same tensors). Each program
 *   runs in its own Node process, so what a block prints is what a reader gets running it.
 * - `// prints: text` after a statement, or a `// prints:` line of its own and the `// ...` lines
 *   right below it, is the expected console output of the block, compared with what it really printed. Whitespace
 *   runs count as one space; a number written with decimals matches anything that rounds to it
 *   (0.8553 matches 0.85534101...), integers and all other text must match exactly.
 * - Every program is also type-checked (tsc, strict), and every relative link in these files must
 *   point to an existing file. Printed Graphviz graphs are checked with `dot` where it is installed.
 * - ```ts quote <path> marks an excerpt of a source file (path relative to the doc): it is not run,
 *   but the file must contain it (whitespace aside), so quoted library code stays current.
 * - ```ts skip opts a block out (only for code that is deliberately not runnable).
 */
import test from 'ava';
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../../..');
const docsDir = join(root, 'docs');
const tmp = join(here, '.tmp-docs');

interface Block {
  doc: string;
  line: number;
  code: string;
  expected: string | null;
}
interface Quote {
  doc: string;
  line: number;
  code: string;
  path: string;
}
interface Program {
  doc: string;
  name: string;
  blocks: Block[];
  file: string;
  lineMap: { genLine: number; block: Block }[];
}
interface RunResult {
  out: { block: number; text: string }[];
  error: { block: number; message: string } | null;
}

/** Markdown files, relative to the repository root. */
const readmes = [
  'README.md',
  ...['packages', '.'].flatMap((dir) =>
    readdirSync(join(root, dir), { withFileTypes: true })
      .filter((e) => e.isDirectory() && e.name !== 'node_modules' && !e.name.startsWith('.'))
      .map((e) => join(dir, e.name, 'README.md').replace(/^\.\//, '')),
  ),
].filter((f) => existsSync(join(root, f)));
const docs = [
  ...readdirSync(docsDir)
    .filter((f) => f.endsWith('.md'))
    .sort()
    .map((f) => `docs/${f}`),
  ...readmes,
];
/** The directory a doc's relative paths start from. */
const dirOf = (doc: string): string => dirname(join(root, doc));

const quotes: Quote[] = [];

/** The ```ts blocks of a markdown file, with the doc line of their first code line. */
function blocksOf(doc: string): Block[] {
  const lines = readFileSync(join(root, doc), 'utf8').split('\n');
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const m = /^(\s*)```(\w*)\s*(.*)$/.exec(lines[i]);
    if (!m) continue;
    const end = lines.findIndex((l, k) => k > i && /^\s*```\s*$/.test(l));
    if (end < 0) throw new Error(`${doc}:${i + 1}: unclosed code block`);
    const code = lines
      .slice(i + 1, end)
      .map((l) => l.slice(m[1].length))
      .join('\n');
    const quote = /^quote\s+(\S+)$/.exec(m[3]);
    if (m[2] === 'ts' && quote) quotes.push({ doc, line: i + 2, code, path: quote[1] });
    else if (m[2] === 'ts' && m[3] !== 'skip') blocks.push({ doc, line: i + 2, code, expected: expectedOutput(code) });
    i = end;
  }
  return blocks;
}

/** The `// prints:` expectations of a block, joined by newlines; null when it states none. */
function expectedOutput(code: string): string | null {
  const lines = code.split('\n');
  const out: string[] = [];
  let found = false;
  for (let i = 0; i < lines.length; i++) {
    const m = /\/\/ prints:(.*)$/.exec(lines[i]);
    if (!m) continue;
    found = true;
    if (m[1].trim() !== '') out.push(m[1].trim());
    // A `// prints:` line of its own continues over the comment lines right below it.
    if (!/^\s*\/\/ prints:/.test(lines[i])) continue;
    while (i + 1 < lines.length && /^\s*\/\//.test(lines[i + 1])) out.push(lines[++i].replace(/^\s*\/\/ ?/, ''));
  }
  return found ? out.join('\n') : null;
}

/** Groups blocks into programs: a block with an import starts one. */
function programsOf(doc: string, blocks: Block[]): Program[] {
  const programs: Program[] = [];
  for (const b of blocks) {
    if (/^\s*import\s/m.test(b.code) || programs.length === 0) {
      const name = `${doc.replace(/\.md$/, '').replace(/[^\w-]+/g, '_')}-${programs.length + 1}`;
      programs.push({ doc, name, blocks: [], file: join(tmp, `${name}.ts`), lineMap: [] });
    }
    programs[programs.length - 1].blocks.push(b);
  }
  return programs;
}

/** Writes a program: each block preceded by a marker call, so printed lines know their block. */
function writeProgram(p: Program): void {
  const out = [`// Generated by ${relative(root, fileURLToPath(import.meta.url))} from ${p.doc}; do not edit.`];
  p.blocks.forEach((b, k) => {
    out.push(`(globalThis as any).__docBlock(${k}); // ${p.doc}:${b.line}`);
    p.lineMap.push({ genLine: out.length + 1, block: b });
    out.push(b.code);
  });
  writeFileSync(p.file, out.join('\n') + '\n');
}

/** Generated line -> doc line, for error messages. */
function docLine(p: Program, genLine: number): string {
  const m = [...p.lineMap].reverse().find((e) => e.genLine <= genLine);
  return m ? `${p.doc}:${m.block.line + genLine - m.genLine}` : `${p.name}.ts:${genLine}`;
}

const RUNNER = `
import { format } from 'node:util';
import { pathToFileURL } from 'node:url';
const out = [];
let block = -1;
globalThis.__docBlock = (k) => { block = k; };
console.log = (...args) => { out.push({ block, text: format(...args) }); };
let error = null;
try {
  await import(pathToFileURL(process.argv[2]).href);
} catch (e) {
  error = { block, message: String(e && e.stack ? e.stack : e) };
}
process.stdout.write('\\n@@docs@@' + JSON.stringify({ out, error }));
`;

function run(cmd: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((res) => {
    execFile(cmd, args, { cwd: root, timeout: 120_000, maxBuffer: 1 << 26 }, (err, stdout, stderr) => {
      res({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

async function runProgram(p: Program): Promise<RunResult> {
  const r = await run(process.execPath, [
    '--enable-source-maps',
    '--import=tsx',
    '--conditions=source',
    join(tmp, 'runner.mjs'),
    p.file,
  ]);
  const at = r.stdout.lastIndexOf('@@docs@@');
  if (at < 0)
    throw new Error(`${p.doc}:${p.blocks[0].line}: the program did not finish (exit ${r.code}):\n${r.stderr}`);
  return JSON.parse(r.stdout.slice(at + '@@docs@@'.length)) as RunResult;
}

/** Whitespace runs become one space; none right inside brackets. */
const normalize = (s: string): string =>
  s
    .replace(/\s+/g, ' ')
    .replace(/([[{(]) /g, '$1')
    .replace(/ ([\]})])/g, '$1')
    .trim();

const NUMBER = /-?\d+(?:\.\d+)?(?:e[+-]?\d+)?/gi;

/** null when `actual` matches `expected` (numbers with decimals to their printed precision), else why not. */
function mismatch(expected: string, actual: string): string | null {
  const e = normalize(expected),
    a = normalize(actual);
  const eText = e.split(NUMBER),
    aText = a.split(NUMBER);
  const eNums = e.match(NUMBER) ?? [],
    aNums = a.match(NUMBER) ?? [];
  if (eText.length !== aText.length || eText.some((t, i) => t !== aText[i])) return 'the text differs';
  for (let i = 0; i < eNums.length; i++) {
    const want = eNums[i],
      got = Number(aNums[i]);
    const m = /^-?\d+(?:\.(\d+))?(?:e([+-]?\d+))?$/i.exec(want)!;
    if (m[1] === undefined) {
      if (want.toLowerCase() !== aNums[i].toLowerCase()) return `${aNums[i]} where the doc says ${want}`;
      continue;
    }
    const tol = 0.5 * 10 ** (-m[1].length + Number(m[2] ?? 0)) * 1.001;
    if (!(Math.abs(got - Number(want)) <= tol)) return `${aNums[i]} does not round to ${want}`;
  }
  return null;
}

const programs = docs.flatMap((d) => programsOf(d, blocksOf(d)));

test.before(() => {
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  writeFileSync(join(tmp, 'runner.mjs'), RUNNER);
  writeFileSync(
    join(tmp, 'tsconfig.json'),
    JSON.stringify(
      {
        extends: '../../../../tsconfig.base.json',
        compilerOptions: {
          noEmit: true,
          composite: false,
          declaration: false,
          declarationMap: false,
          customConditions: ['source'],
          types: ['node'],
        },
        include: ['*.ts'],
      },
      null,
      2,
    ),
  );
  programs.forEach(writeProgram);
});

test('the docs have runnable ts blocks', (t) => {
  for (const d of docs.filter((f) => f.startsWith('docs/') && f !== 'docs/README.md')) {
    t.true(
      programs.some((p) => p.doc === d),
      `${d} has no runnable ts block`,
    );
  }
});

test('quoted source excerpts are in their files', (t) => {
  const squash = (x: string): string => x.replace(/\s+/g, ' ').trim();
  for (const q of quotes) {
    const path = resolve(dirOf(q.doc), q.path);
    t.true(existsSync(path), `${q.doc}:${q.line}: ${q.path} does not exist`);
    if (existsSync(path))
      t.true(
        squash(readFileSync(path, 'utf8')).includes(squash(q.code)),
        `${q.doc}:${q.line}: the excerpt is not in ${q.path} (any more)`,
      );
  }
});

test('expected output matching: text exact, decimals to their printed precision', (t) => {
  t.is(mismatch('[ 0.8553, -1.1816 ]', '[\n  0.8553410172462463,\n  -1.1815685033798218\n]'), null);
  t.is(mismatch('[0.8553]', '[ 0.85534 ]'), null);
  t.not(mismatch('[ 0.8554 ]', '[ 0.85534 ]'), null);
  t.not(mismatch('t14[3]', 't15[3]'), null);
  t.not(mismatch('1', '0.99999994'), null);
  t.is(mismatch('1.0000', '0.99999994'), null);
  t.not(mismatch('Tanh(t0)', 'Sigmoid(t0)'), null);
  t.not(mismatch('true', 'true false'), null);
});

test('relative links in the docs point to existing files', (t) => {
  for (const d of docs) {
    const text = readFileSync(join(root, d), 'utf8').replace(/```[\s\S]*?```/g, '');
    for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      if (/^[a-z]+:/i.test(target) || target.startsWith('#')) continue;
      const path = resolve(dirOf(d), target.split('#')[0]);
      // docs/api/ is generated by `pnpm run docs`, not committed.
      if (path.startsWith(join(docsDir, 'api'))) continue;
      t.true(existsSync(path), `${d}: broken link ${target}`);
    }
  }
});

test('the code blocks type-check', async (t) => {
  const tsc = join(root, 'node_modules/typescript/bin/tsc');
  const r = await limited(() => run(process.execPath, [tsc, '-p', join(tmp, 'tsconfig.json')]));
  const errors = r.stdout
    .split('\n')
    .filter((l) => /error TS/.test(l))
    .map((l) => {
      const m = /([\w.-]+)\.ts\((\d+),\d+\): (.*)$/.exec(l);
      const p = m && programs.find((q) => q.name === m[1]);
      return p ? `${docLine(p, Number(m[2]))}: ${m[3]}` : l;
    });
  t.deepEqual(errors, [], errors.join('\n'));
});

const hasDot = spawnSync('dot', ['-V']).status === 0;

/** At most two child processes at a time (the CI machine has two cores). */
let running = 0;
const waiting: (() => void)[] = [];
async function limited<T>(fn: () => Promise<T>): Promise<T> {
  while (running >= 2) await new Promise<void>((res) => waiting.push(res));
  running++;
  try {
    return await fn();
  } finally {
    running--;
    waiting.shift()?.();
  }
}

for (const p of programs) {
  test(`${p.doc}:${p.blocks[0].line} runs and prints what the doc says`, async (t) => {
    const r = await limited(() => runProgram(p));
    if (r.error) {
      const b = p.blocks[r.error.block] ?? p.blocks[0];
      // Map generated-file positions in the stack back to the doc.
      const msg = r.error.message.replace(new RegExp(`${p.name}\\.ts:(\\d+)`, 'g'), (_, n) => docLine(p, Number(n)));
      t.fail(`the block at ${p.doc}:${b.line} threw:\n${msg}`);
      return;
    }
    const problems = p.blocks.flatMap((b, k) => {
      if (b.expected === null) return [];
      const actual = r.out
        .filter((o) => o.block === k)
        .map((o) => o.text)
        .join('\n');
      const why = mismatch(b.expected, actual);
      return why === null
        ? []
        : [`${p.doc}:${b.line}: ${why}\n--- the doc says:\n${b.expected}\n--- it printed:\n${actual}`];
    });
    t.deepEqual(problems, [], problems.join('\n\n'));
    for (const o of r.out.filter((x) => x.text.startsWith('digraph')).filter(() => hasDot)) {
      const dot = spawnSync('dot', ['-Tsvg'], { input: o.text, encoding: 'utf8' });
      t.is(dot.status, 0, `${p.doc}:${p.blocks[o.block].line}: dot rejects the printed graph: ${dot.stderr}`);
    }
  });
}
