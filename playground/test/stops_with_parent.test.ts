/**
 * `pnpm playground` started as a user does, then its pnpm process killed by PID (not its process
 * group): the server under it must stop too, and free its port, instead of serving on.
 * (SIGKILL cannot be passed on by anyone: the server watches pnpm's PID.)
 */
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import test from 'ava';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');

/** Starts `pnpm playground --port 0` and resolves with pnpm's PID and the URL it serves. */
async function start(): Promise<{ pid: number; url: string }> {
  // Its own process group, as a shell gives it: `kill PID` then reaches pnpm alone (and pnpm,
  // on SIGINT, signals its whole group, which must not include this test).
  const child = spawn('pnpm', ['playground', '--port', '0'], {
    cwd: root,
    detached: true,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  started.push(child.pid!);
  let out = '';
  child.stdout.setEncoding('utf8');
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (s: string) => {
      out += s;
      const m = /(http:\/\/127\.0\.0\.1:\d+\/)/.exec(out);
      if (m) resolve(m[1]);
    });
    child.once('exit', (code) => reject(new Error(`pnpm playground exited (${code}) before serving:\n${out}`)));
  });
  child.stdout.resume();
  return { pid: child.pid!, url };
}

/** Process groups started here, ended after the tests in case a server outlived its pnpm. */
const started: number[] = [];
test.after.always('end what the tests started', () => {
  for (const pgid of started) {
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      // already gone, as it should be
    }
  }
});

const serving = (url: string): Promise<boolean> =>
  fetch(url).then(
    (r) => r.ok,
    () => false,
  );

// SIGINT is left out: pnpm waits for its script on SIGINT (a terminal sends it to the whole group).
for (const signal of ['SIGTERM', 'SIGHUP', 'SIGKILL'] as const) {
  test.serial(`kill -${signal.slice(3)} of pnpm's PID stops the server`, async (t) => {
    const { pid, url } = await start();
    t.true(await serving(url), 'served before the kill');
    process.kill(pid, signal);
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline && (await serving(url))) await new Promise((r) => setTimeout(r, 200));
    t.false(await serving(url), `${url} still served 15 s after pnpm got ${signal}`);
  });
}
