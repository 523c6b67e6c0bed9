/**
 * The package's main entry in Node (package.json's "node" condition): everything of index.ts,
 * plus the matmul thread pool started with one thread per available core. `useThreads(1)` from
 * `@tapeflow/backend-cpu/threads` opts out. Browsers (and bundlers targeting them) get index.ts,
 * which never touches worker_threads.
 */
import { startDefaultThreads } from './threads/index.js';

export * from './index.js';

startDefaultThreads();
