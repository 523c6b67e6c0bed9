/**
 * The tape: while a gradient is being taken, every kernel core runs is reported to the recording
 * tapes (recording.ts), and each appends a node. Nothing else: no graph is built ahead of time, and
 * outside a gradient the recorder is null, so plain code pays nothing and keeps nothing alive.
 *
 * A node keeps references to all its input and output Tensors (for their ids and shapes), but
 * keeps *storage* alive (ENGINE.hold) only for the tensors its gradient rule reads. So code
 * inside f may tidy or dispose its temporaries as usual: a held tensor is then only marked
 * pendingDispose, and its storage goes when the tape is released at the end of the gradient call.
 */
import { ENGINE, type KernelRecord, type Tensor } from '@tapeflow/core';
import { ruleFor } from './gradients/index.js';
import type { CustomGradFn } from './recording.js';

export type { CustomGradFn } from './recording.js';

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
    const saved = rule?.saveInputs
      ? rule.saveOutputs
        ? [...rec.inputs, ...rec.outputs]
        : rec.inputs
      : rule?.saveOutputs
        ? rec.outputs
        : [];
    this.add({
      kernel: rec.kernel,
      inputs: rec.inputs,
      outputs: rec.outputs,
      attrs: rec.attrs,
      id: this.nodes.length,
      saved,
    });
  }

  /** A customGrad call: one node standing for everything its forward function did. */
  recordCustom(
    inputs: readonly Tensor[],
    outputs: readonly Tensor[],
    grad: CustomGradFn,
    saved: readonly Tensor[],
  ): void {
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
