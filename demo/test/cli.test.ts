/** `pnpm demo` as a user runs it, for what it says before training starts. */
import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import test from 'ava';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');

test('--backend webgl in Node fails and points to the playground and to --backend cpu', async (t) => {
  const e = await t.throwsAsync<Error & { stderr: string }>(
    promisify(execFile)('pnpm', ['demo', '--backend', 'webgl', '--steps', '1'], { cwd: root }),
  );
  t.regex(
    e.stderr,
    /--backend: 'webgl' could not be initialized here: Node has no WebGL2\. `pnpm playground` trains this model on webgl/,
  );
  t.regex(e.stderr, /use --backend cpu/);
});
