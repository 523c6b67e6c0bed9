/**
 * The Node thread pool behind `@tapeflow/backend-cpu/threads`: worker_threads that instantiate
 * the matmul module over the same shared memory and help run the gemm tasks of large products.
 * Only the threads entry imports this file (the package's main entry stays browser-safe).
 */
import { Worker } from 'node:worker_threads';
import { TASK_INTS, type GemmExecutor } from '../kernels/matmul_wasm.js';
import type { MatmulRuntime } from '../wasm/runtime.js';
import { BY_WORKERS, CLAIM, CONTROL_INTS, COUNT, DONE, INDEX_BITS, MAX_TASKS, ROUND, ROUND_MASK, STOP, claim } from './protocol.js';

/**
 * The worker, as source text: Node starts it with `eval: true`, so it runs the same from src/
 * (under tsx, whose loader workers do not inherit) and from dist/. Its claim loop is protocol.ts's
 * `claim`, written out in plain JS.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { module, memory, control, tasks } = workerData;
const ctrl = new Int32Array(control), task = new Int32Array(tasks);
const gemm = new WebAssembly.Instance(module, { env: { memory } }).exports.gemm;
function claim(round) {
  for (;;) {
    const v = Atomics.load(ctrl, ${CLAIM});
    if (v >>> ${INDEX_BITS} !== (round & ${ROUND_MASK})) return -1;
    const i = v & ${(1 << INDEX_BITS) - 1};
    if (i >= Atomics.load(ctrl, ${COUNT})) return -1;
    if (Atomics.compareExchange(ctrl, ${CLAIM}, v, v + 1) === v) return i;
  }
}
parentPort.postMessage('ready');
let seen = Atomics.load(ctrl, ${ROUND});
for (;;) {
  Atomics.wait(ctrl, ${ROUND}, seen);
  if (Atomics.load(ctrl, ${STOP})) break;
  seen = Atomics.load(ctrl, ${ROUND});
  for (let i; (i = claim(seen)) >= 0;) {
    const o = i * ${TASK_INTS};
    gemm(task[o], task[o + 1], task[o + 2], task[o + 3], task[o + 4], task[o + 5],
      task[o + 6], task[o + 7], task[o + 8], task[o + 9], task[o + 10], task[o + 11]);
    Atomics.add(ctrl, ${BY_WORKERS}, 1);
    if (Atomics.add(ctrl, ${DONE}, 1) + 1 === Atomics.load(ctrl, ${COUNT})) Atomics.notify(ctrl, ${DONE});
  }
}
`;

export class GemmPool implements GemmExecutor {
  readonly threads: number;
  private readonly ctrl = new Int32Array(new SharedArrayBuffer(CONTROL_INTS * 4));
  private readonly tasks = new Int32Array(new SharedArrayBuffer(MAX_TASKS * TASK_INTS * 4));
  private readonly workers: Worker[];
  /** Resolves once every worker has instantiated the module. */
  readonly ready: Promise<void>;

  /** `workers` helpers besides the calling thread, over `rt`'s shared memory. */
  constructor(rt: MatmulRuntime, workers: number) {
    this.threads = workers + 1;
    const workerData = { module: rt.module, memory: rt.memory, control: this.ctrl.buffer, tasks: this.tasks.buffer };
    this.workers = Array.from({ length: workers }, () => new Worker(WORKER_SOURCE, { eval: true, workerData }));
    this.ready = Promise.all(this.workers.map((w) => new Promise<void>((resolve, reject) => {
      w.once('message', () => resolve());
      w.once('error', reject);
    }))).then(() => {
      // Parked workers must not keep the process alive.
      for (const w of this.workers) w.unref();
    });
  }

  /** Tasks the workers (not the calling thread) have run since the pool started. */
  get tasksByWorkers(): number {
    return Atomics.load(this.ctrl, BY_WORKERS);
  }

  run(rt: MatmulRuntime, tasks: Int32Array, count: number): void {
    if (count === 1) return void runTask(rt, tasks, 0); // nothing to share
    for (let first = 0; first < count; first += MAX_TASKS) {
      const n = Math.min(MAX_TASKS, count - first);
      this.tasks.set(tasks.subarray(first * TASK_INTS, (first + n) * TASK_INTS));
      const { ctrl } = this;
      // Publish: tasks and counters first, then the claim word of the new round, then wake the workers.
      const round = (Atomics.load(ctrl, ROUND) + 1) & ROUND_MASK;
      Atomics.store(ctrl, COUNT, n);
      Atomics.store(ctrl, DONE, 0);
      Atomics.store(ctrl, CLAIM, round << INDEX_BITS);
      Atomics.store(ctrl, ROUND, round);
      Atomics.notify(ctrl, ROUND);
      for (let i; (i = claim(ctrl, round)) >= 0;) {
        runTask(rt, this.tasks, i);
        Atomics.add(ctrl, DONE, 1);
      }
      // Wait for the tasks the workers claimed.
      for (let d; (d = Atomics.load(ctrl, DONE)) < n;) Atomics.wait(ctrl, DONE, d);
    }
  }

  async stop(): Promise<void> {
    Atomics.store(this.ctrl, STOP, 1);
    Atomics.add(this.ctrl, ROUND, 1);
    Atomics.notify(this.ctrl, ROUND);
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

function runTask(rt: MatmulRuntime, t: Int32Array, i: number): void {
  const o = i * TASK_INTS;
  rt.gemm(t[o], t[o + 1], t[o + 2], t[o + 3], t[o + 4], t[o + 5], t[o + 6], t[o + 7], t[o + 8], t[o + 9], t[o + 10], t[o + 11]);
}
