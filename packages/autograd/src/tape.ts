/**
 * The tape: while a gradient is being taken, core calls ENGINE.recorder after every kernel, and
 * we append a node to every active tape. Nothing else: no graph is built ahead of time, and
 * outside a gradient the recorder is null, so plain code pays nothing and keeps nothing alive.
 *
 * A node keeps references to all its input and output Tensors (for their ids and shapes), but
 * keeps *storage* alive (ENGINE.hold) only for the tensors its gradient rule reads. So code
 * inside f may tidy or dispose its temporaries as usual: a held tensor is then only marked
 * pendingDispose, and its storage goes when the tape is released at the end of the gradient call.
 */
import { ENGINE, type KernelRecord, type Tensor } from '@tapeflow/core';
import { ruleFor } from './gradients/index.js';

/** A user-supplied gradient (customGrad): dys of the outputs -> one gradient per input (null: none). */
export type CustomGradFn = (dys: Tensor[]) => (Tensor | null)[];

export interface TapeNode {
  /** Position on the tape (execution order). */
  readonly id: number;
  /** Kernel name, the key of the gradient rule table ('CustomGrad' for customGrad nodes). */
  readonly kernel: string;
  readonly inputs: readonly Tensor[];
  readonly outputs: readonly Tensor[];
  readonly attrs: Readonly<Record<string, unknown>>;
  /** Set only for customGrad nodes; replaces the rule table. */
  readonly customGrad?: CustomGradFn;
  /** The tensors this node's gradient reads; their storage is held until the tape is released. */
  readonly saved: readonly Tensor[];
}

export class Tape {
  readonly nodes: TapeNode[] = [];
  /** Nodes whose saved tensors are still held (released one by one by the backward walk). */
  private holding = new Set<TapeNode>();
  /** Ids of tensors computed from a watched one (only when the tape has a `watch` test). */
  private reached = new Set<number>();

  /**
   * `watch(t)` says whether t may be a source of the gradient to come. When given, kernels none
   * of whose inputs is watched or computed from a watched tensor are not recorded: they cannot
   * be on a gradient path, and recording them would keep their saved tensors alive for nothing
   * (a mask or a constant built inside f). Without it the tape records everything (trace).
   */
  constructor(private readonly watch?: (t: Tensor) => boolean) {}

  /** A kernel as core reports it; the rule table says which of its tensors to save. */
  recordKernel(rec: KernelRecord): void {
    if (!this.reaches(rec.inputs, rec.outputs)) return;
    const rule = ruleFor(rec.kernel);
    const saved = rule?.saveInputs ? (rule.saveOutputs ? [...rec.inputs, ...rec.outputs] : rec.inputs)
      : rule?.saveOutputs ? rec.outputs : [];
    this.add({ kernel: rec.kernel, inputs: rec.inputs, outputs: rec.outputs, attrs: rec.attrs, id: this.nodes.length, saved });
  }

  /** A customGrad call: one node standing for everything its forward function did. */
  recordCustom(inputs: readonly Tensor[], outputs: readonly Tensor[], grad: CustomGradFn, saved: readonly Tensor[]): void {
    if (!this.reaches(inputs, outputs)) return;
    this.add({ id: this.nodes.length, kernel: 'CustomGrad', inputs, outputs, attrs: {}, customGrad: grad, saved });
  }

  /** Whether a node with these inputs can be on a gradient path; if so its outputs are reached. */
  private reaches(inputs: readonly Tensor[], outputs: readonly Tensor[]): boolean {
    const watch = this.watch;
    if (watch === undefined) return true;
    let hit = false;
    for (let i = 0; i < inputs.length && !hit; i++) hit = this.reached.has(inputs[i].id) || watch(inputs[i]);
    if (hit) for (const t of outputs) this.reached.add(t.id);
    return hit;
  }

  private add(node: TapeNode): void {
    for (const t of node.saved) ENGINE.hold(t);
    if (node.saved.length > 0) this.holding.add(node);
    this.nodes.push(node);
  }

  /** Lets go of one node's saved tensors: the walk is done with it, or it is off the path. */
  releaseNode(node: TapeNode): void {
    if (!this.holding.delete(node)) return;
    for (const t of node.saved) ENGINE.release(t);
  }

  /** Ends the tape's claim on saved storage; tensors disposed meanwhile are freed now. */
  release(): void {
    for (const node of this.holding) for (const t of node.saved) ENGINE.release(t);
    this.holding.clear();
  }
}

// ---- which tapes are recording ----------------------------------------------------------------
//
// A stack, because gradients nest: inside grad(grad(f)) both tapes record f's kernels, and the
// inner backward pass (run after the inner tape has been popped) is recorded by the outer tape
// only. That is all higher-order gradients need. A `null` entry is a barrier (noGrad, the
// forward function of customGrad): tapes below it do not see kernels run above it.

/** What the stack holds: a Tape, or anything else that wants to see the kernels (readsOf). */
type Listener = Pick<Tape, 'recordKernel' | 'recordCustom'>;

const stack: (Listener | null)[] = [];

function activeTapes(): Listener[] {
  const tapes: Listener[] = [];
  for (let i = stack.length - 1; i >= 0 && stack[i] !== null; i--) tapes.push(stack[i]!);
  return tapes;
}

function recordAll(rec: KernelRecord): void {
  for (const tape of activeTapes()) tape.recordKernel(rec);
}

function updateRecorder(): void {
  ENGINE.recorder = activeTapes().length > 0 ? recordAll : null;
}

function withEntry<T>(entry: Listener | null, fn: () => T): T {
  stack.push(entry);
  updateRecorder();
  try {
    return fn();
  } finally {
    stack.pop();
    updateRecorder();
  }
}

/** Runs fn with `tape` recording (and any tapes already recording). */
export const recording = <T>(tape: Tape, fn: () => T): T => withEntry(tape, fn);

/** Runs fn with no tape recording. */
export const notRecording = <T>(fn: () => T): T => withEntry(null, fn);

/** Adds a customGrad node to every recording tape; false when none is recording. */
export function recordCustom(inputs: readonly Tensor[], outputs: readonly Tensor[], grad: CustomGradFn, saved: readonly Tensor[]): boolean {
  const tapes = activeTapes();
  for (const tape of tapes) tape.recordCustom(inputs, outputs, grad, saved);
  return tapes.length > 0;
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
  const collector: Listener = { recordKernel: (rec) => note(rec.inputs, rec.outputs), recordCustom: note };
  // Above a barrier, so the collector is the only one listening.
  const result = withEntry(null, () => withEntry(collector, fn));
  return { result, reads: [...reads] };
}
