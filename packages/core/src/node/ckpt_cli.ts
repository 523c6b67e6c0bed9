#!/usr/bin/env node
/**
 * tapeflow-ckpt: list, diff and convert checkpoints (TensorFlow V2 bundles and tfjs weights manifests).
 * Exit status: 0 ok (diff: no differences), 1 diff found differences, 2 bad usage or a bad file.
 */
import { parseArgs } from 'node:util';
import { convert, diffContents, formatListing, readContents } from './ckpt_tool.js';

const USAGE = `usage:
  tapeflow-ckpt ls <checkpoint>
  tapeflow-ckpt diff <a> <b> [--atol x] [--rtol x]
  tapeflow-ckpt convert <src> <dst> [--to tf|tfjs] [--cast-float64] [--shards n]

A checkpoint is a TensorFlow bundle (a prefix such as ckpt/model.ckpt-1000, its .index file, or a
directory whose 'checkpoint' file names one) or a tfjs weights-manifest directory (weights.json).
convert writes the other format unless --to says; to tf, <dst> is a prefix (or a directory: <dst>/model.ckpt).`;

export async function main(argv: string[]): Promise<number> {
  const {
    values: o,
    positionals: [cmd, ...args],
  } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      atol: { type: 'string' },
      rtol: { type: 'string' },
      to: { type: 'string' },
      'cast-float64': { type: 'boolean' },
      shards: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const want = (n: number): void => {
    if (args.length !== n) throw new UsageError(`${cmd} takes ${n} path${n > 1 ? 's' : ''}`);
  };
  if (o.help || !cmd) {
    console.log(USAGE);
    return o.help ? 0 : 2;
  }
  if (cmd === 'ls') {
    want(1);
    console.log(formatListing(await readContents(args[0])));
    return 0;
  }
  if (cmd === 'diff') {
    want(2);
    const tol = { atol: number(o.atol, '--atol'), rtol: number(o.rtol, '--rtol') };
    const lines = diffContents(await readContents(args[0]), await readContents(args[1]), tol);
    console.log(lines.length ? lines.join('\n') : 'no differences');
    return lines.length ? 1 : 0;
  }
  if (cmd === 'convert') {
    want(2);
    if (o.to !== undefined && o.to !== 'tf' && o.to !== 'tfjs')
      throw new UsageError(`--to must be tf or tfjs, got ${o.to}`);
    console.log(
      await convert(args[0], args[1], {
        to: o.to,
        castFloat64: o['cast-float64'],
        numShards: number(o.shards, '--shards'),
      }),
    );
    return 0;
  }
  throw new UsageError(`unknown command ${cmd}`);
}

class UsageError extends Error {}

function number(s: string | undefined, flag: string): number | undefined {
  if (s === undefined) return undefined;
  const n = Number(s);
  if (!Number.isFinite(n) || n < 0) throw new UsageError(`${flag} must be a non-negative number, got ${s}`);
  return n;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: Error) => {
    console.error(e instanceof UsageError ? `tapeflow-ckpt: ${e.message}\n\n${USAGE}` : `tapeflow-ckpt: ${e.message}`);
    process.exitCode = 2;
  },
);
