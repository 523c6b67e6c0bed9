/**
 * Concat of any number of inputs. Seen as 2-D [outer, axisLen * inner], each input fills a
 * band of columns. One shader reads up to MAX_INPUTS textures; longer lists are joined in
 * groups and the groups joined again.
 */
import type { KernelTable, OutInfo, TensorInfo } from '@tapeflow/core';
import type { TexData, WebGLBackend } from '../backend.js';

const MAX_INPUTS = 8;

function concatFew(b: WebGLBackend, xs: readonly TensorInfo[], axis: number, out: OutInfo): TexData {
  const inner = out.shape.slice(axis + 1).reduce((n, d) => n * d, 1);
  const width = out.shape[axis] * inner;
  const starts: number[] = [];
  let col = 0;
  for (const x of xs) { starts.push(col); col += x.shape[axis] * inner; }
  const widths = xs.map((x) => x.shape[axis] * inner);
  const T = out.dtype === 'float32' ? 'float' : 'int';
  // Branch per input: samplers cannot be indexed by a non-constant expression.
  const branches = xs.map((_, k) =>
    `${k ? 'else ' : ''}if (col < starts[${k}] + widths[${k}]) res = ${T}(get${k}(row * widths[${k}] + col - starts[${k}]));`).join('\n  ');
  return b.run({
    inputs: xs, out,
    decls: `uniform int width;\nuniform int starts[${xs.length}];\nuniform int widths[${xs.length}];\n`,
    body: `int row = idx / width;\n  int col = idx - row * width;\n  ${branches}\n  else res = ${T}(0);`,
    uniforms: { width, starts, widths },
  });
}

function concat(b: WebGLBackend, inputs: readonly TensorInfo[], axis: number, out: OutInfo): TexData {
  const xs = inputs.filter((x) => x.shape[axis] > 0);
  if (xs.length <= MAX_INPUTS) return concatFew(b, xs.length ? xs : inputs.slice(0, 1), axis, out);
  const groups: TensorInfo[] = [];
  try {
    for (let i = 0; i < xs.length; i += MAX_INPUTS) {
      const part = xs.slice(i, i + MAX_INPUTS);
      const shape = [...out.shape];
      shape[axis] = part.reduce((n, x) => n + x.shape[axis], 0);
      const o = { shape, dtype: out.dtype };
      groups.push({ ...o, dataId: concat(b, part, axis, o) });
    }
    return concat(b, groups, axis, out);
  } finally {
    for (const g of groups) b.disposeData(g.dataId);
  }
}

export function concatKernels(b: WebGLBackend): Pick<KernelTable, 'Concat'> {
  return { Concat: (inputs, { axis }, out) => concat(b, inputs, axis, out) };
}
