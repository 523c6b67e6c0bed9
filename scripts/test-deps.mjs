// Runs before `pnpm test`: the system packages the tests need, installed from Debian when they
// are missing and this can be done here (root, apt-get, no questions), otherwise a failure that
// says what to install. No suite is skipped for a missing dependency: a test run without them
// would either fail later, less clearly, or pass without having tested a backend.
//   chromium:   the webgl backend's and the playground's tests run in headless Chromium
//   libvulkan1: WebGPU in Node (Dawn) loads the Vulkan loader
import { execFileSync, execSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const chromium = process.env.TAPEFLOW_CHROMIUM ?? '/usr/bin/chromium';
const hasVulkan = () => {
  try {
    return execSync('ldconfig -p', { encoding: 'utf8' }).includes('libvulkan.so.1');
  } catch {
    return false;
  }
};
const missing = [];
if (!existsSync(chromium)) missing.push('chromium');
if (!hasVulkan()) missing.push('libvulkan1');
if (missing.length === 0) process.exit(0);

const canApt = process.platform === 'linux' && process.getuid?.() === 0 && existsSync('/usr/bin/apt-get');
const command = `apt-get install -y --no-install-recommends ${missing.join(' ')}`;
if (!canApt) {
  console.error(
    `\npnpm test needs ${missing.join(' and ')} (missing here) and cannot install it without root ` +
      `and apt-get.\nInstall it, e.g. on Debian: sudo apt-get update && sudo ${command}` +
      (missing.includes('chromium') ? `\n(or point TAPEFLOW_CHROMIUM at a Chromium binary)` : '') +
      '\n',
  );
  process.exit(1);
}
console.log(`pnpm test: installing ${missing.join(' ')} with apt-get (the browser and WebGPU tests need them)`);
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
try {
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], { stdio: 'inherit', env });
} catch {
  console.error(`\npnpm test: \`${command}\` failed (see above); the tests need ${missing.join(' and ')}.\n`);
  process.exit(1);
}
if (!existsSync(chromium) && missing.includes('chromium')) {
  console.error(`\npnpm test: chromium installed, but ${chromium} is still missing.\n`);
  process.exit(1);
}
