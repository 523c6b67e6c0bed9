/** `pnpm playground [--port N]`: bundles the page, serves it on 127.0.0.1 and prints the URL. */
import { execFileSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { startPlayground } from './serve.js';

const HELP = `Usage: pnpm playground [--port <n>]

Serves the tapeflow playground on http://127.0.0.1:<port>/ (Ctrl-C stops it).

  --port <n>   port to listen on; 0 picks a free one   (default: 5173)
  --help       show this help`;

const { values } = parseArgs({
  // pnpm forwards the '--' of `pnpm playground -- --port 1234` too.
  args: process.argv.slice(2).filter((x) => x !== '--'),
  options: { port: { type: 'string' }, help: { type: 'boolean' } },
});
if (values.help) {
  console.log(HELP);
  process.exit(0);
}
const port = Number(values.port ?? '5173');
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`--port must be an integer in 0..65535, got '${values.port}'`);
  process.exit(2);
}
const t0 = performance.now();
const playground = await startPlayground(port).catch((e: NodeJS.ErrnoException) => {
  console.error(e.code === 'EADDRINUSE' ? `port ${port} is in use: try --port <another>` : String(e));
  process.exit(1);
});
console.log(`tapeflow playground (bundled in ${Math.round(performance.now() - t0)} ms): ${playground.url}`);
console.log('Ctrl-C stops it.');
const stop = () => void playground.close().then(() => process.exit(0));
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
// Stop with the process that started this one, however it ends (SIGTERM, SIGHUP, SIGKILL):
// signals sent to a wrapper's PID are not all passed on, which would leave the port served.
// Under `pnpm playground` the parent is pnpm's shell, so pnpm (the grandparent) is watched too.
const parent = process.ppid;
const watched = [parent];
if (process.env.npm_lifecycle_event !== undefined) {
  try {
    watched.push(Number(execFileSync('ps', ['-o', 'ppid=', '-p', String(parent)], { encoding: 'utf8' })));
  } catch {
    // no ps: the parent alone is watched
  }
}
const alive = (pid: number): boolean => {
  try {
    return process.kill(pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
};
setInterval(() => {
  if (process.ppid !== parent || !watched.every(alive)) stop();
}, 250).unref();
