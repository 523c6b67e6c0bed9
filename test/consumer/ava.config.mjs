// `pnpm test:consumer`: the consumer test alone (it packs, installs from the npm registry and
// takes a few minutes, so the README's `pnpm test` leaves it to CI's own step).
export default {
  files: ['test/consumer/consumer.test.ts'],
  extensions: { ts: 'module' },
  nodeArguments: ['--import=tsx'],
  workerThreads: false,
  timeout: '10m',
};
