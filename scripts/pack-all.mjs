// `pnpm pack:all [dir]`: builds the workspace once, then packs every library package into one
// folder (default out/pack) with pnpm, which replaces `workspace:*` by the packed versions.
// Prints each tarball's path; the consumer test installs them from there.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const dest = resolve(process.argv[2] ?? join(root, 'out/pack'));
const run = (args) => execFileSync('pnpm', args, { cwd: root, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });

rmSync(dest, { recursive: true, force: true });
mkdirSync(dest, { recursive: true });
// One build first: each package's prepack builds it again, but finds it up to date, and packs
// running side by side then never compile the same referenced project at once.
run(['build']);
run(['-r', '--filter', './packages/*', 'pack', '--pack-destination', dest]);
for (const f of readdirSync(dest).sort()) console.log(join(dest, f));
