/**
 * The Node thread pool behind `@tapeflow/backend-cpu/threads`: worker_threads that instantiate
 * the matmul module over the same shared memory and help run the gemm tasks of large products.
 * Only the threads entry imports this file (the package's main entry stays browser-safe).
 *
 * A kernel call is synchronous, so the calling thread cannot hear a worker's 'error' or 'exit'
 * event while it waits for the round: a worker that throws or exits says so in shared memory
 * (FAILED and the message buffer) before it goes, and a worker that never finishes its task is
 * caught by a timeout. Either way the call throws a WorkerFailure and the pool is broken: its
 * workers are terminated and the owner (threads/index.ts) starts a fresh one.
 */
import { Worker } from 'node:worker_threads';
import { TASK_INTS, type GemmExecutor } from '../kernels/matmul_wasm.js';
import type { MatmulRuntime } from '../wasm/runtime.js';
import {
  BY_WORKERS,
  CLAIM,
  CONTROL_INTS,
  COUNT,
  DONE,
  FAILED,
  FAULT,
  Fault,
  INDEX_BITS,
  MAX_TASKS,
  MESSAGE_BYTES,
  ROUND,
  ROUND_MASK,
  STOP,
  claim,
  type FaultKind,
} from './protocol.js';

/**
 * The worker, as source text: Node starts it with `eval: true`, so it runs the same from src/
 * (under tsx, whose loader workers do not inherit) and from dist/. Its claim loop is protocol.ts's
 * `claim`, written out in plain JS.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { module, memory, control, tasks, message, index } = workerData;
const ctrl = new Int32Array(control), task = new Int32Array(tasks), text = new Uint8Array(message);
const gemm = new WebAssembly.Instance(module, { env: { memory } }).exports.gemm;
let stopping = false;
// Tells the calling thread, which may be blocked waiting for this worker's task, why it is gone.
function failed(why) {
  if (Atomics.compareExchange(ctrl, ${FAILED}, 0, ${1} + index) !== 0) return;
  const s = String(why).slice(0, ${MESSAGE_BYTES});
  for (let i = 0; i < ${MESSAGE_BYTES}; i++) text[i] = i < s.length ? s.charCodeAt(i) & 0xff : 0;
  Atomics.notify(ctrl, ${DONE});
}
process.on('exit', (code) => { if (!stopping) failed('exited with code ' + code); });
function claim(round) {
  for (;;) {
    const v = Atomics.load(ctrl, ${CLAIM});
    if (v >>> ${INDEX_BITS} !== (round & ${ROUND_MASK})) return -1;
    const i = v & ${(1 << INDEX_BITS) - 1};
    if (i >= Atomics.load(ctrl, ${COUNT})) return -1;
    if (Atomics.compareExchange(ctrl, ${CLAIM}, v, v + 1) === v) return i;
  }
}
function fault() {
  switch (Atomics.exchange(ctrl, ${FAULT}, ${Fault.none})) {
    case ${Fault.throw}: throw new Error('injected fault');
    case ${Fault.exit}: process.exit(3);
    case ${Fault.hang}: Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
  }
}
parentPort.postMessage('ready');
let seen = Atomics.load(ctrl, ${ROUND});
try {
  for (;;) {
    Atomics.wait(ctrl, ${ROUND}, seen);
    if (Atomics.load(ctrl, ${STOP})) { stopping = true; break; }
    seen = Atomics.load(ctrl, ${ROUND});
    for (let i; (i = claim(seen)) >= 0;) {
      if (Atomics.load(ctrl, ${FAULT})) fault();
      const o = i * ${TASK_INTS};
      gemm(task[o], task[o + 1], task[o + 2], task[o + 3], task[o + 4], task[o + 5],
        task[o + 6], task[o + 7], task[o + 8], task[o + 9], task[o + 10], task[o + 11], task[o + 12]);
      Atomics.add(ctrl, ${BY_WORKERS}, 1);
      if (Atomics.add(ctrl, ${DONE}, 1) + 1 === Atomics.load(ctrl, ${COUNT})) Atomics.notify(ctrl, ${DONE});
    }
  }
} catch (e) {
  failed(e && e.message ? e.message : e);
  throw e;
}
`;

/** A matmul failed because a worker of the pool threw, exited or did not finish its task in time. */
export class WorkerFailure extends Error {
  override readonly name = 'WorkerFailure';
}

export interface PoolOptions {
  /** How long a round may go without a task finishing before its workers count as hung (ms). */
  taskTimeoutMs: number;
  /** Called once when the pool breaks (a worker failed, during a call or while parked). */
  onBroken(pool: GemmPool): void;
}

/** How often the waiting thread looks at FAILED and the clock while workers finish their tasks (ms). */
const WAIT_SLICE_MS = 50;

export class GemmPool implements GemmExecutor {
  readonly threads: number;
  private readonly ctrl = new Int32Array(new SharedArrayBuffer(CONTROL_INTS * 4));
  private readonly tasks = new Int32Array(new SharedArrayBuffer(MAX_TASKS * TASK_INTS * 4));
  private readonly message = new Uint8Array(new SharedArrayBuffer(MESSAGE_BYTES));
  private readonly workers: Worker[];
  private stopping = false;
  /** Set once a worker has failed: every later call refuses to run. */
  broken: WorkerFailure | null = null;
  /** Resolves once every worker has instantiated the module. */
  readonly ready: Promise<void>;

  /** `workers` helpers besides the calling thread, over `rt`'s shared memory. */
  constructor(
    rt: MatmulRuntime,
    workers: number,
    private readonly opts: PoolOptions,
  ) {
    this.threads = workers + 1;
    const shared = {
      module: rt.module,
      memory: rt.memory,
      control: this.ctrl.buffer,
      tasks: this.tasks.buffer,
      message: this.message.buffer,
    };
    this.workers = Array.from(
      { length: workers },
      (_, index) => new Worker(WORKER_SOURCE, { eval: true, workerData: { ...shared, index } }),
    );
    this.ready = Promise.all(
      this.workers.map(
        (w, i) =>
          new Promise<void>((resolve, reject) => {
            w.once('message', () => resolve());
            w.on('error', (e) => {
              reject(e);
              this.break(new WorkerFailure(`matmul thread pool: worker ${i + 1} failed: ${e.message}`));
            });
            w.on('exit', (code) => {
              reject(new Error(`worker exited with code ${code}`));
              if (!this.stopping)
                this.break(new WorkerFailure(`matmul thread pool: worker ${i + 1} exited with code ${code}`));
            });
          }),
      ),
    ).then(() => {
      // Parked workers must not keep the process alive.
      for (const w of this.workers) w.unref();
    });
    this.ready.catch(() => {}); // the owner awaits it; a failure after that goes through break()
  }

  /** Tasks the workers (not the calling thread) have run since the pool started. */
  get tasksByWorkers(): number {
    return Atomics.load(this.ctrl, BY_WORKERS);
  }

  /** Tests: the next worker to claim a task acts out `kind`. */
  injectFault(kind: FaultKind): void {
    Atomics.store(this.ctrl, FAULT, Fault[kind]);
  }

  run(rt: MatmulRuntime, tasks: Int32Array, count: number): void {
    if (this.broken !== null) throw this.broken;
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
      this.waitForRound(n);
    }
  }

  /** Blocks until the round's n tasks are done; throws (breaking the pool) if a worker failed or hung. */
  private waitForRound(n: number): void {
    const { ctrl } = this;
    let done = Atomics.load(ctrl, DONE),
      since = performance.now();
    while (done < n) {
      const failed = Atomics.load(ctrl, FAILED);
      if (failed !== 0) {
        const why = String.fromCharCode(...this.message).replace(/\0+$/, '');
        throw this.break(
          new WorkerFailure(
            `matmul thread pool: worker ${failed} failed during a matmul (${why}); the pool is restarted`,
          ),
        );
      }
      Atomics.wait(ctrl, DONE, done, WAIT_SLICE_MS);
      const now = performance.now(),
        d = Atomics.load(ctrl, DONE);
      if (d !== done) {
        done = d;
        since = now;
        continue;
      }
      if (now - since > this.opts.taskTimeoutMs) {
        throw this.break(
          new WorkerFailure(
            `matmul thread pool: no task finished in ${this.opts.taskTimeoutMs} ms ` +
              `(${n - done} of ${n} still running on workers that hang); the pool is restarted`,
          ),
        );
      }
    }
  }

  /** Marks the pool broken (once), ends its workers and tells the owner; returns the pool's failure. */
  private break(e: WorkerFailure): WorkerFailure {
    if (this.broken !== null || this.stopping) return this.broken ?? e;
    this.broken = e;
    // terminate() interrupts a worker at once (Atomics.wait and wasm loops included), so a hung
    // worker cannot write into the memory after the call that gave up on it has returned.
    void this.stop();
    this.opts.onBroken(this);
    return e;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    Atomics.store(this.ctrl, STOP, 1);
    Atomics.add(this.ctrl, ROUND, 1);
    Atomics.notify(this.ctrl, ROUND);
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

function runTask(rt: MatmulRuntime, t: Int32Array, i: number): void {
  const o = i * TASK_INTS;
  rt.gemm(
    t[o],
    t[o + 1],
    t[o + 2],
    t[o + 3],
    t[o + 4],
    t[o + 5],
    t[o + 6],
    t[o + 7],
    t[o + 8],
    t[o + 9],
    t[o + 10],
    t[o + 11],
    t[o + 12],
  );
}
