/** trace(): the tape as data, its one-line-per-node text and a structurally valid Graphviz graph. */
import * as tf from '@tapeflow/core';
import type { Tensor } from '@tapeflow/core';
import { trace } from '@tapeflow/autograd';
import { assert, expectNoLeak, type Registry } from '../harness.js';
import { gradTolerance } from './numeric.js';

/** One BasicLSTMCell step (TF1 gate order i, j, f, o) from core ops, as a reader would write it. */
function lstmStep(x: Tensor, h: Tensor, c: Tensor, kernel: Tensor, bias: Tensor): Tensor[] {
  const gates = tf.add(tf.matmul(tf.concat([x, h], 1), kernel), bias);
  const [i, j, f, o] = tf.split(gates, 4, 1);
  const cNext = tf.add(tf.mul(c, tf.sigmoid(tf.add(f, 1))), tf.mul(tf.sigmoid(i), tf.tanh(j)));
  const hNext = tf.mul(tf.tanh(cNext), tf.sigmoid(o));
  return [cNext, hNext];
}

/**
 * A small DOT checker: the graph is one `digraph { ... }`, statements are node declarations
 * `id [attrs];` or edges `a -> b [attrs];`, quotes are balanced, and every edge joins declared nodes.
 */
function parseDot(dot: string): { nodes: Map<string, string>; edges: [string, string][] } {
  const lines = dot.split('\n');
  assert(/^digraph \w+ \{$/.test(lines[0]), `first line: ${lines[0]}`);
  assert(lines[lines.length - 1] === '}', 'last line must close the graph');
  const nodes = new Map<string, string>();
  const edges: [string, string][] = [];
  const quoted = /"(?:[^"\\]|\\.)*"/g;
  for (const line of lines.slice(1, -1)) {
    const bare = line.replace(quoted, '""');
    assert(!bare.includes('"', bare.indexOf('""') + 2) || /""/.test(bare), `unbalanced quotes: ${line}`);
    let m: RegExpMatchArray | null;
    if ((m = /^\s+(\w+) -> (\w+)( \[[^\]]*\])?;$/.exec(bare))) edges.push([m[1], m[2]]);
    else if ((m = /^\s+(\w+) \[([^\]]*)\];$/.exec(bare))) {
      assert(!nodes.has(m[1]) || ['node', 'edge', 'graph'].includes(m[1]), `node ${m[1]} declared twice`);
      nodes.set(m[1], line);
    } else assert(/^\s+rankdir=\w+;$/.test(bare), `unexpected DOT statement: ${line}`);
  }
  for (const [a, b] of edges) assert(nodes.has(a) && nodes.has(b), `edge ${a} -> ${b} references an undeclared node`);
  return { nodes, edges };
}

export function traceSuite(r: Registry): void {
  r.test('trace of one LSTM step renders as valid Graphviz with every kernel and tensor', (env) => {
    const { dtype } = gradTolerance(env);
    expectNoLeak(() =>
      tf.tidy(() => {
        const [B, D, H] = [2, 3, 4];
        const x = tf.randomNormal([B, D], { seed: 1, dtype });
        const h = tf.randomNormal([B, H], { seed: 2, dtype });
        const c = tf.randomNormal([B, H], { seed: 3, dtype });
        const kernel = tf.randomNormal([D + H, 4 * H], { seed: 4, dtype });
        const bias = tf.zeros([4 * H], dtype);
        const before = tf.memory().numTensors;
        const t = trace(lstmStep, x, h, c, kernel, bias);
        assert(tf.memory().numTensors === before, 'trace left tensors behind');

        const count = (op: string): number => t.nodes.filter((n) => n.op === op).length;
        for (const [op, n] of [
          ['BatchMatMul', 1],
          ['Concat', 1],
          ['Slice', 4],
          ['Sigmoid', 3],
          ['Tanh', 2],
          ['Mul', 3],
        ] as const) {
          assert(count(op) === n, `expected ${n} ${op} node(s), got ${count(op)}:\n${t.toString()}`);
        }
        assert(
          t.nodes.every((n) => n.onPath),
          'every node of the step leads from the inputs to the outputs',
        );
        // Data flow: each node's inputs are arguments, outputs of earlier nodes, or the scalar
        // constant 1 of the forget bias (converted from a JS number, so produced by no kernel).
        const known = new Set(t.sources.map((s) => s.id));
        for (const n of t.nodes) {
          for (const i of n.inputs)
            assert(
              known.has(i.id) || (n.op === 'Add' && i.shape.length === 0),
              `node #${n.id} ${n.op} reads t${i.id}, produced by no earlier node`,
            );
          for (const o of n.outputs) known.add(o.id);
        }
        for (const res of t.results) assert(known.has(res.id), 'results come from the tape');
        assert(
          t.results.length === 2 && t.results.every((res) => res.shape.join() === `${B},${H}`),
          'results are c and h, [B, H]',
        );

        const text = t.toString().split('\n');
        assert(text.length === t.nodes.length + 1, 'toString: a header and one line per node');
        t.nodes.forEach((n, k) => {
          const line = text[k + 1];
          assert(line.includes(`#${n.id} ${n.op}(`), `line ${k + 1}: ${line}`);
          for (const i of n.inputs)
            assert(line.includes(`t${i.id}[${i.shape.join(',')}]`), `line ${k + 1} lacks input t${i.id}`);
          for (const o of n.outputs)
            assert(line.includes(`-> t${o.id}`) || line.includes(`, t${o.id}`), `line ${k + 1} lacks output t${o.id}`);
        });

        const { nodes, edges } = parseDot(t.toDot());
        const opNodes = [...nodes.keys()].filter((k) => k.startsWith('op'));
        assert(opNodes.length === t.nodes.length, `toDot: ${opNodes.length} op boxes for ${t.nodes.length} nodes`);
        const inEdges = t.nodes.reduce((s, n) => s + n.inputs.length + n.outputs.length, 0);
        assert(edges.length === inEdges, `toDot: ${edges.length} edges, expected ${inEdges}`);
        for (const n of t.nodes)
          for (const o of n.outputs)
            assert(
              edges.some(([a, b]) => a === `op${n.id}` && b === `t${o.id}`),
              `edge op${n.id} -> t${o.id}`,
            );
      }),
    );
  });

  r.test('trace marks nodes that cannot affect the result as off the gradient path', (env) => {
    const { dtype } = gradTolerance(env);
    expectNoLeak(() =>
      tf.tidy(() => {
        const x = tf.tensor([1, 2], [2], dtype);
        const c = tf.tensor([3, 4], [2], dtype);
        const t = trace((a) => {
          tf.exp(c);
          tf.exp(a);
          return tf.sum(tf.mul(a, c));
        }, x);
        assert(
          t.nodes.map((n) => `${n.op}:${n.onPath}`).join() === 'Exp:false,Exp:false,Mul:true,Sum:true',
          t.toString(),
        );
        assert(t.toString().split('\n')[1].startsWith('*'), 'off-path nodes are starred');
      }),
    );
  });
}
