/**
 * How the calling thread and the workers share out the gemm tasks of one matmul, through a small
 * Int32Array over a SharedArrayBuffer. Kernels are synchronous, so the calling thread publishes
 * the tasks, works on them too, and blocks (Atomics.wait) until the last one is done.
 *
 * A task is claimed by a compare-and-swap on CLAIM, which holds the round's number in its high
 * bits and the next task's index in its low bits: a worker that wakes late for a finished round
 * fails to claim (the round number moved on), so no task ever runs twice.
 *
 * The worker's copy of this logic is the plain-JS string in pool.ts (workers are started from
 * source text, so they run the same from src/ under tsx and from dist/).
 */

export const ROUND = 0; // the round's number; workers Atomics.wait on it
export const CLAIM = 1; // (round & ROUND_MASK) << INDEX_BITS | index of the next unclaimed task
export const COUNT = 2; // tasks in the round
export const DONE = 3; // tasks finished in the round; the calling thread Atomics.wait-s on it
export const STOP = 4; // 1: workers exit
export const BY_WORKERS = 5; // tasks the workers have run, ever (tests check the pool did work)
export const FAILED = 6; // 0, or 1 + the index of a worker that threw or exited (its message in the pool's message buffer)
export const FAULT = 7; // tests: a Fault for the next worker that claims a task to act out
export const CONTROL_INTS = 8;

/** What a worker does with its next task when a test sets FAULT: throw, exit its thread, or never finish. */
export const Fault = { none: 0, throw: 1, exit: 2, hang: 3 } as const;
export type FaultKind = Exclude<keyof typeof Fault, 'none'>;
/** Bytes of the shared buffer a failing worker writes its message into (truncated, Latin-1). */
export const MESSAGE_BYTES = 256;

export const INDEX_BITS = 20;
export const ROUND_MASK = 0x3ff; // 10 bits: the claim word stays a positive int32
/** Tasks per round (the shared task array's capacity); longer task lists run in several rounds. */
export const MAX_TASKS = 1 << 12;

/** Claims the next task of round `round`, or returns -1 when the round has none left (or is over). */
export function claim(ctrl: Int32Array, round: number): number {
  for (;;) {
    const v = Atomics.load(ctrl, CLAIM);
    if (v >>> INDEX_BITS !== (round & ROUND_MASK)) return -1;
    const i = v & ((1 << INDEX_BITS) - 1);
    if (i >= Atomics.load(ctrl, COUNT)) return -1;
    if (Atomics.compareExchange(ctrl, CLAIM, v, v + 1) === v) return i;
  }
}
