/**
 * trace(f, ...xs): run f on a tape and return the tape as plain data, for reading what the
 * gradient machinery sees: toString() gives one line per node, toDot() a Graphviz graph.
 */
import { ENGINE, Tensor, formatShape, tidy, type DType } from '@tapeflow/core';
import { nodesBetween } from './backward.js';
import { recording } from './recording.js';
import { Tape } from './tape.js';

export interface TracedTensor {
  readonly id: number;
  readonly shape: readonly number[];
  readonly dtype: DType;
}

export interface TracedNode {
  /** Position on the tape. */
  readonly id: number;
  readonly op: string;
  readonly inputs: readonly TracedTensor[];
  readonly outputs: readonly TracedTensor[];
  readonly attrs: Readonly<Record<string, unknown>>;
  /** On a path from an argument to the result, i.e. walked by a gradient of this f. */
  readonly onPath: boolean;
}

const info = (t: Tensor): TracedTensor => ({ id: t.id, shape: [...t.shape], dtype: t.dtype });
const show = (t: TracedTensor): string => `t${t.id}${formatShape(t.shape)}`;
const attrText = (attrs: Readonly<Record<string, unknown>>): string =>
  Object.keys(attrs).length === 0 ? '' : ' ' + JSON.stringify(attrs);

export class Trace {
  constructor(
    readonly nodes: readonly TracedNode[],
    readonly sources: readonly TracedTensor[],
    readonly results: readonly TracedTensor[],
  ) {}

  /** `#3 Mul(t1[2,3], t7[2,3]) -> t9[2,3]`, one line per node; `*` marks nodes off the gradient path. */
  toString(): string {
    const head =
      `tape: ${this.nodes.length} nodes; args ${this.sources.map(show).join(', ')}; ` +
      `result ${this.results.map(show).join(', ')}`;
    const lines = this.nodes.map(
      (n) =>
        `${n.onPath ? ' ' : '*'}#${n.id} ${n.op}(${n.inputs.map(show).join(', ')}) -> ${n.outputs.map(show).join(', ')}${attrText(n.attrs)}`,
    );
    return [head, ...lines].join('\n');
  }

  /** A Graphviz digraph: boxes are ops, ellipses tensors; arguments green, results orange. */
  toDot(): string {
    const lines = ['digraph tape {', '  rankdir=TB;', '  node [fontname="Helvetica", fontsize=10];'];
    const declared = new Set<number>();
    const sources = new Set(this.sources.map((t) => t.id));
    const results = new Set(this.results.map((t) => t.id));
    const tensorNode = (t: TracedTensor): string => {
      if (!declared.has(t.id)) {
        declared.add(t.id);
        const color = sources.has(t.id)
          ? ', style=filled, fillcolor="#c8f0c8"'
          : results.has(t.id)
            ? ', style=filled, fillcolor="#ffd8a8"'
            : '';
        lines.push(
          `  t${t.id} [shape=ellipse, label=${quote(`t${t.id}\n${t.dtype} ${formatShape(t.shape)}`)}${color}];`,
        );
      }
      return `t${t.id}`;
    };
    for (const t of [...this.sources, ...this.results]) tensorNode(t);
    for (const n of this.nodes) {
      const style = n.onPath ? '' : ', color=gray, fontcolor=gray';
      lines.push(`  op${n.id} [shape=box, label=${quote(`#${n.id} ${n.op}${attrText(n.attrs)}`)}${style}];`);
      n.inputs.forEach((t, i) =>
        lines.push(`  ${tensorNode(t)} -> op${n.id}${n.inputs.length > 1 ? ` [label="${i}"]` : ''};`),
      );
      for (const t of n.outputs) lines.push(`  op${n.id} -> ${tensorNode(t)};`);
    }
    lines.push('}');
    return lines.join('\n');
  }
}

const quote = (s: string): string => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;

/** Runs f(...xs) on a fresh tape and returns what was recorded. f's tensors are disposed. */
export function trace(f: (...xs: Tensor[]) => Tensor | Tensor[], ...xs: Tensor[]): Trace {
  if (typeof f !== 'function') throw new TypeError(`trace: f must be a function, got ${typeof f}`);
  xs.forEach((x, i) => ENGINE.assertUsable(x, 'trace', `xs[${i}]`));
  const tape = new Tape();
  try {
    return tidy(() => {
      const out = recording(tape, () => f(...xs));
      const ys = out instanceof Tensor ? [out] : out;
      if (!Array.isArray(ys) || !ys.every((y) => y instanceof Tensor)) {
        throw new TypeError('trace: f must return a Tensor or an array of Tensors');
      }
      const onPath = new Set(nodesBetween(tape.nodes, xs, ys).path);
      const nodes = tape.nodes.map((n) => ({
        id: n.id,
        op: n.kernel,
        inputs: n.inputs.map(info),
        outputs: n.outputs.map(info),
        attrs: n.attrs,
        onPath: onPath.has(n),
      }));
      return new Trace(nodes, xs.map(info), ys.map(info));
    });
  } finally {
    tape.release();
  }
}
