/**
 * Sum, Max and Min over any set of axes. The reduced axes are first moved last (a Transpose
 * pass, skipped when they already are), so each output element reduces one contiguous run of
 * the input. Runs longer than CHUNK are reduced in several passes (chunks of CHUNK, then the
 * partial results): shorter loops per texel and pairwise-like summation error for big sums.
 */
import type { DType, KernelTable, OutInfo, TensorInfo } from '@tapeflow/core';
import type { TexData, WebGLBackend } from '../backend.js';
import { transposeData } from './movement.js';

type ReduceName = 'Sum' | 'Max' | 'Min' | 'Prod' | 'Any' | 'All';
const CHUNK = 256;

function reduceBody(name: ReduceName, dtype: DType): { decls: string; body: string } {
  const f = dtype === 'float32';
  const T = f ? 'float' : 'int';
  // Any and All read bools as ints 0/1: their max and min. int32 Prod wraps (GLSL keeps the low 32 bits).
  const init =
    name === 'Sum' || name === 'Any'
      ? `${T}(0)`
      : name === 'Prod' || name === 'All'
        ? `${T}(1)`
        : f
          ? name === 'Max'
            ? '-inf_()'
            : 'inf_()'
          : name === 'Max'
            ? '(-2147483647 - 1)'
            : '0x7fffffff';
  const step =
    name === 'Sum'
      ? 'acc += v;'
      : name === 'Prod'
        ? 'acc *= v;'
        : name === 'Any'
          ? 'acc = max(acc, v);'
          : name === 'All'
            ? 'acc = min(acc, v);'
            : f
              ? `if (isnan_(v)) { acc = v; break; } if (fkey(v) ${name === 'Max' ? '>' : '<'} fkey(acc)) acc = v;`
              : `acc = ${name === 'Max' ? 'max' : 'min'}(acc, v);`;
  return {
    decls: 'uniform int runLen;\nuniform int chunk;\n',
    // Output texel idx = (row, c): reduces elements [c*chunk, min((c+1)*chunk, runLen)) of `row`.
    body: `int numChunks = (runLen + chunk - 1) / chunk;
  int row = numChunks == 0 ? idx : idx / numChunks;
  int c = numChunks == 0 ? 0 : idx - row * numChunks;
  int start = c * chunk;
  int end = min(start + chunk, runLen);
  ${T} acc = ${init};
  for (int i = start; i < end; i++) {
    ${T} v = get0(row * runLen + i);
    ${step}
  }
  res = acc;`,
  };
}

/** Reduces each contiguous run of `runLen` elements of `x` (shape [rows * runLen]) to one value. */
function reduceRuns(
  b: WebGLBackend,
  name: ReduceName,
  x: TensorInfo,
  rows: number,
  runLen: number,
  out: OutInfo,
): TexData {
  const { decls, body } = reduceBody(name, x.dtype);
  if (runLen <= CHUNK) {
    return b.run({ inputs: [x], out, decls, body, uniforms: { runLen, chunk: Math.max(runLen, 1) } });
  }
  const numChunks = Math.ceil(runLen / CHUNK);
  const partial = b.run({
    inputs: [x],
    out: { shape: [rows, numChunks], dtype: x.dtype },
    decls,
    body,
    uniforms: { runLen, chunk: CHUNK },
  });
  try {
    return reduceRuns(b, name, { dataId: partial, shape: [rows, numChunks], dtype: x.dtype }, rows, numChunks, out);
  } finally {
    b.disposeData(partial);
  }
}

/**
 * A float32 Sum over leading axes (a bias gradient: the rows of [rows, inner] added up) whose kept
 * elements are whole texels and whose runs need no second pass: each output texel adds up one
 * texel column, four sums at once, with no transpose first.
 */
function sumLeading(b: WebGLBackend, x: TensorInfo, runLen: number, inner: number, out: OutInfo): TexData {
  return b.run({
    inputs: [x],
    out,
    decls: 'uniform int runLen;\nuniform int inner4;\n',
    body4: `vec4 acc = vec4(0.0);
  for (int r = 0; r < runLen; r++) acc += get04(r * inner4 + t);
  res = acc;`,
    uniforms: { runLen, inner4: inner / 4 },
  });
}

function reduce(b: WebGLBackend, name: ReduceName) {
  return ([x]: [TensorInfo], { axes }: { axes: number[] }, out: OutInfo) => {
    const rank = x.shape.length;
    const kept = [...Array(rank).keys()].filter((d) => !axes.includes(d));
    const runLen = axes.reduce((n, d) => n * x.shape[d], 1);
    const rows = kept.reduce((n, d) => n * x.shape[d], 1);
    const leading = kept.every((d, i) => d === axes.length + i);
    if (name === 'Sum' && x.dtype === 'float32' && leading && rows % 4 === 0 && rows > 0 && runLen <= CHUNK) {
      return sumLeading(b, x, runLen, rows, out);
    }
    const trailing = axes.every((d, i) => d === rank - axes.length + i);
    if (trailing) return reduceRuns(b, name, x, rows, runLen, out);
    const perm = [...kept, ...axes];
    const moved = transposeData(b, x, perm);
    try {
      return reduceRuns(
        b,
        name,
        { dataId: moved, shape: perm.map((d) => x.shape[d]), dtype: x.dtype },
        rows,
        runLen,
        out,
      );
    } finally {
      b.disposeData(moved);
    }
  };
}

export function reduceKernels(b: WebGLBackend): Pick<KernelTable, ReduceName> {
  return {
    Sum: reduce(b, 'Sum'),
    Max: reduce(b, 'Max'),
    Min: reduce(b, 'Min'),
    Prod: reduce(b, 'Prod'),
    Any: reduce(b, 'Any'),
    All: reduce(b, 'All'),
  };
}
