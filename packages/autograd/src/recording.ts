/**
 * Who sees the kernels core runs. Core reports every kernel through one hook (ENGINE.recorder);
 * this module alone sets it, to a function that hands the kernel to
 *
 *   - the recording tapes, a stack, because gradients nest: inside grad(grad(f)) both tapes
 *     record f's kernels, and the inner backward pass (run after the inner tape has been popped)
 *     is recorded by the outer tape only. That is all higher-order gradients need. A `null` entry
 *     is a barrier (noGrad, the forward function of customGrad): tapes below it do not see
 *     kernels run above it.
 *   - the kernel listeners (withKernelListener), which see every kernel run in their scope,
 *     barriers or not, and record nothing.
 *
 * Outside both the hook is null, so plain code pays nothing and keeps nothing alive.
 */
import { ENGINE, type KernelRecord, type Tensor } from '@tapeflow/core';

/** A user-supplied gradient (customGrad): dys of the outputs -> one gradient per input (null: none). */
export type CustomGradFn = (dys: Tensor[]) => (Tensor | null)[];

/** What records: a Tape, or anything else that needs to see what a tape would (readsOf). */
export interface Recorder {
  recordKernel(rec: KernelRecord): void;
  recordCustom(
    inputs: readonly Tensor[],
    outputs: readonly Tensor[],
    grad: CustomGradFn,
    saved: readonly Tensor[],
  ): void;
}

/** Sees one executed kernel. */
export type KernelListener = (rec: KernelRecord) => void;

const stack: (Recorder | null)[] = [];
const listeners: KernelListener[] = [];

function activeRecorders(): Recorder[] {
  const tapes: Recorder[] = [];
  for (let i = stack.length - 1; i >= 0 && stack[i] !== null; i--) tapes.push(stack[i]!);
  return tapes;
}

function updateHook(): void {
  const tapes = activeRecorders();
  if (tapes.length === 0 && listeners.length === 0) {
    ENGINE.recorder = null;
    return;
  }
  const seen = [...listeners];
  ENGINE.recorder = (rec) => {
    for (const tape of tapes) tape.recordKernel(rec);
    for (const l of seen) l(rec);
  };
}

function withEntry<T>(entry: Recorder | null, fn: () => T): T {
  stack.push(entry);
  updateHook();
  try {
    return fn();
  } finally {
    stack.pop();
    updateHook();
  }
}

/** Runs fn with `tape` recording (and any tapes already recording). */
export const recording = <T>(tape: Recorder, fn: () => T): T => withEntry(tape, fn);

/** Runs fn with no tape recording. */
export const notRecording = <T>(fn: () => T): T => withEntry(null, fn);

/**
 * Whether kernels run now are recorded for a gradient: a tape (or checkpoint's collector of what
 * its function reads) is listening. Code with a fast path that cannot be differentiated (a fused
 * backward kernel) or that only pays off under a tape (a whole-sequence node) asks this.
 */
export const isRecording = (): boolean => activeRecorders().length > 0;

/**
 * Runs fn with `listener` seeing every kernel it runs (inputs, attributes, outputs), also under
 * noGrad and inside customGrad. Recording is unchanged: the listener adds nothing to any tape.
 */
export function withKernelListener<T>(listener: KernelListener, fn: () => T): T {
  if (typeof listener !== 'function')
    throw new TypeError(`withKernelListener: listener must be a function, got ${typeof listener}`);
  if (typeof fn !== 'function') throw new TypeError(`withKernelListener: fn must be a function, got ${typeof fn}`);
  listeners.push(listener);
  updateHook();
  try {
    return fn();
  } finally {
    listeners.splice(listeners.lastIndexOf(listener), 1);
    updateHook();
  }
}

/** Adds a customGrad node to every recording tape. */
export function recordCustom(
  inputs: readonly Tensor[],
  outputs: readonly Tensor[],
  grad: CustomGradFn,
  saved: readonly Tensor[],
): void {
  for (const tape of activeRecorders()) tape.recordCustom(inputs, outputs, grad, saved);
}

/**
 * Runs fn with no tape recording and returns, with its result, the tensors its kernels read that
 * it did not compute itself (captured weights, Variables, the arguments): what a recomputation
 * of fn depends on (checkpoint.ts).
 */
export function readsOf<T>(fn: () => T): { result: T; reads: Tensor[] } {
  const made = new Set<number>();
  const reads = new Set<Tensor>();
  const note = (inputs: readonly Tensor[], outputs: readonly Tensor[]): void => {
    for (const t of inputs) if (!made.has(t.id)) reads.add(t);
    for (const t of outputs) made.add(t.id);
  };
  const collector: Recorder = { recordKernel: (rec) => note(rec.inputs, rec.outputs), recordCustom: note };
  // Above a barrier, so the collector is the only one recording.
  const result = withEntry(null, () => withEntry(collector, fn));
  return { result, reads: [...reads] };
}
