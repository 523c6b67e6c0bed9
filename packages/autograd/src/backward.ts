/**
 * The backward walk: given a tape, the tensors we differentiate with respect to (sources), the
 * result y and its seed gradient dy, apply the chain rule node by node in reverse.
 *
 *   1. Keep only the nodes on a path from a source to y (others cannot contribute).
 *   2. Walk them last to first. A node's output gradients are complete when we reach it,
 *      because every node that used those outputs ran after it and has already been visited.
 *   3. Its rule turns output gradients into input gradients; a tensor used twice gets the sum.
 */
import { ENGINE, Tensor, ValueError, formatShape, isFloat, shapesEqual, zeros } from '@tapeflow/core';
import { ruleFor, type Vjp, type WalkRule } from './gradients/index.js';
import { GradStore } from './grad_store.js';
import type { Tape, TapeNode } from './tape.js';

/** The nodes between sources and y, in tape order, and the ids of every tensor computed from a source. */
export function nodesBetween(
  nodes: readonly TapeNode[],
  sources: readonly Tensor[],
  y: readonly Tensor[],
): { path: TapeNode[]; fromSources: Set<number> } {
  const fromSources = new Set(sources.map((s) => s.id));
  const forward: TapeNode[] = [];
  for (const node of nodes) {
    if (node.inputs.some((t) => fromSources.has(t.id))) {
      forward.push(node);
      for (const t of node.outputs) fromSources.add(t.id);
    }
  }
  const toResult = new Set(y.map((t) => t.id));
  const path: TapeNode[] = [];
  for (let k = forward.length - 1; k >= 0; k--) {
    const node = forward[k];
    if (node.outputs.some((t) => toResult.has(t.id))) {
      path.push(node);
      for (const t of node.inputs) toResult.add(t.id);
    }
  }
  return { path: path.reverse(), fromSources };
}

/**
 * Gradients of y (seeded with dy) with respect to each source; undefined where y does not depend
 * on it. `vjp` is handed to the rules (api.ts owns it: it runs a gradient of its own).
 */
export function backward(
  tape: Tape,
  sources: readonly Tensor[],
  y: Tensor,
  dy: Tensor,
  vjp: Vjp,
): (Tensor | undefined)[] {
  const { path, fromSources } = nodesBetween(tape.nodes, sources, [y]);
  const sourceIds = new Set(sources.map((s) => s.id));
  // Saved tensors of nodes off the path are never read: free them before the walk needs memory.
  const onPath = new Set(path);
  for (const node of tape.nodes) if (!onPath.has(node)) tape.releaseNode(node);

  const grads = new GradStore(dy);
  grads.add(y, dy);

  // Rules may read saved tensors that f disposed meanwhile (pendingDispose); the engine allows it now.
  ENGINE.duringBackward(() => {
    for (let k = path.length - 1; k >= 0; k--) {
      const node = path[k];
      const dys = node.outputs.map((t) => grads.get(t));
      if (dys.every((d) => d === undefined)) continue;
      const rule = node.customGrad ? undefined : ruleFor(node.kernel);
      const [x] = node.inputs;
      const window = rule?.window?.(node.attrs);
      if (window && dys[0] && fromSources.has(x.id) && isFloat(x.dtype)) {
        // A window of x: its gradient is placed into x's later, with the other windows (grad_store.ts).
        grads.addSlice(x, window.begin, window.size, dys[0]);
      } else {
        // One scope per node: a rule's temporaries (and results computed for inputs nobody needs)
        // are freed here, not at the end of the walk, so they never pile up along a long chain.
        const gs = ENGINE.tidy(() => {
          const thunks = inputGradients(
            node,
            rule,
            dys.map((d, i) => d ?? zeros(node.outputs[i].shape, node.outputs[i].dtype)),
            vjp,
          );
          // Integer and bool inputs have no gradient; inputs not computed from a source need none.
          return node.inputs.map((x, i) => {
            const thunk = thunks[i];
            return thunk && fromSources.has(x.id) && isFloat(x.dtype) ? thunk() : undefined;
          });
        });
        node.inputs.forEach((x, i) => {
          const g = gs[i];
          if (g === undefined) return;
          assertMatches(node, i, g, x);
          grads.add(x, g);
        });
      }
      for (const t of node.outputs) if (!sourceIds.has(t.id)) grads.delete(t);
      // Every node that reads this node's saved tensors has run: backprop memory shrinks as it goes.
      tape.releaseNode(node);
    }
  });
  return sources.map((s) => grads.get(s));
}

/** Applies the node's customGrad function, or its rule, to the output gradients. */
function inputGradients(
  node: TapeNode,
  rule: WalkRule | undefined,
  dys: Tensor[],
  vjp: Vjp,
): readonly ((() => Tensor) | null)[] {
  if (node.customGrad) {
    const gs = node.customGrad(dys);
    return node.inputs.map((_, i) => (gs[i] ? () => gs[i]! : null));
  }
  if (!rule) throw new ValueError(`grad: no gradient rule for kernel ${node.kernel}`);
  return rule.grad(dys, {
    inputs: node.inputs,
    outputs: node.outputs,
    output: node.outputs[0],
    attrs: node.attrs,
    vjp,
  });
}

/** A gradient must look exactly like its input; a rule that gets this wrong is named. */
function assertMatches(node: TapeNode, i: number, g: unknown, x: Tensor): asserts g is Tensor {
  if (!(g instanceof Tensor)) {
    throw new TypeError(`grad: the gradient of ${node.kernel} (tape node #${node.id}) for input ${i} is not a Tensor`);
  }
  if (!shapesEqual(g.shape, x.shape) || g.dtype !== x.dtype) {
    throw new ValueError(
      `grad: the gradient of ${node.kernel} (tape node #${node.id}) for input ${i} is ` +
        `${g.dtype} ${formatShape(g.shape)}, but that input is ${x.dtype} ${formatShape(x.shape)}`,
    );
  }
}
