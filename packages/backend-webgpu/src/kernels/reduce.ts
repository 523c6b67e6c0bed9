/**
 * Sum, Max and Min over any set of axes. The reduced axes are first moved last (a Transpose,
 * skipped when they already are), so each output element reduces one contiguous run of the
 * input. A short run is one invocation's loop; a long one gets a workgroup: each invocation
 * strides through the run, then a tree in workgroup memory combines the partial results (more
 * parallel, and a pairwise-like summation error for big sums).
 */
import type { DType, KernelTable, OutInfo, TensorInfo } from '@tapeflow/core';
import type { GpuData, WebGPUBackend } from '../backend.js';
import { wgslType } from '../wgsl.js';
import { transposeData } from './movement.js';

type ReduceName = 'Sum' | 'Max' | 'Min' | 'Prod' | 'Any' | 'All';
/** Invocations per run when the run is long. */
const RWG = 64;
const MAX_GROUPS = 65535;

/** `acc = acc (op) v` as WGSL statements, with NaN sticky for float Max/Min. Any and All read bools (u32 0/1) as their max and min. */
function combine(name: ReduceName, dtype: DType, acc: string, v: string): string {
  if (name === 'Sum') return `${acc} = ${acc} + ${v};`;
  if (name === 'Prod') return `${acc} = ${acc} * ${v};`; // int32 wraps
  if (name === 'Any') return `${acc} = max(${acc}, ${v});`;
  if (name === 'All') return `${acc} = min(${acc}, ${v});`;
  if (dtype !== 'float32') return `${acc} = ${name === 'Max' ? 'max' : 'min'}(${acc}, ${v});`;
  return `if (isnan_(${v}) || (!isnan_(${acc}) && fkey(${v}) ${name === 'Max' ? '>' : '<'} fkey(${acc}))) { ${acc} = ${v}; }`;
}

function identity(name: ReduceName, dtype: DType): string {
  const T = wgslType(dtype);
  if (name === 'Sum' || name === 'Any') return `${T}(0)`;
  if (name === 'Prod' || name === 'All') return `${T}(1)`;
  if (dtype === 'float32') return name === 'Max' ? '-inf_()' : 'inf_()';
  if (dtype === 'bool') return name === 'Max' ? '0u' : '1u';
  return name === 'Max' ? 'i32(-2147483647 - 1)' : '2147483647';
}

function reduceRuns(
  b: WebGPUBackend,
  name: ReduceName,
  x: TensorInfo,
  rows: number,
  runLen: number,
  out: OutInfo,
): GpuData {
  const T = wgslType(x.dtype);
  const init = identity(name, x.dtype);
  if (runLen < 4 * RWG) {
    const body = `let n = mt[1];
  var acc = ${init};
  for (var i = 0; i < n; i++) { let v = x0[idx * n + i]; ${combine(name, x.dtype, 'acc', 'v')} }
  y0[idx] = acc;`;
    return b.run1({ inputs: [x], outs: [out], body, meta: [runLen] });
  }
  const groups: [number, number, number] =
    rows <= MAX_GROUPS ? [rows, 1, 1] : [MAX_GROUPS, Math.ceil(rows / MAX_GROUPS), 1];
  const source = `
var<workgroup> part: array<${T}, ${RWG}>;
@compute @workgroup_size(${RWG})
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let row = i32(wid.x + wid.y * nwg.x);
  let n = mt[1];
  let t = i32(lid.x);
  var acc = ${init};
  if (row < mt[0]) {
    for (var i = t; i < n; i += ${RWG}) { let v = x0[row * n + i]; ${combine(name, x.dtype, 'acc', 'v')} }
  }
  part[t] = acc;
  workgroupBarrier();
  for (var s = ${RWG / 2}; s > 0; s >>= 1u) {
    if (t < s) { var a = part[t]; let v = part[t + s]; ${combine(name, x.dtype, 'a', 'v')} part[t] = a; }
    workgroupBarrier();
  }
  if (t == 0 && row < mt[0]) { y0[row] = part[0]; }
}
`;
  return b.runRaw({ inputs: [x], outs: [out], source, meta: [rows, runLen], groups })[0];
}

function reduce(b: WebGPUBackend, name: ReduceName) {
  return ([x]: [TensorInfo], { axes }: { axes: number[] }, out: OutInfo) => {
    const rank = x.shape.length;
    const kept = [...Array(rank).keys()].filter((d) => !axes.includes(d));
    const runLen = axes.reduce((n, d) => n * x.shape[d], 1);
    const rows = kept.reduce((n, d) => n * x.shape[d], 1);
    const trailing = axes.every((d, i) => d === rank - axes.length + i);
    if (trailing || rows * runLen === 0) return reduceRuns(b, name, x, rows, runLen, out);
    const moved = transposeData(b, x, [...kept, ...axes]);
    try {
      return reduceRuns(b, name, { dataId: moved, shape: [rows * runLen], dtype: x.dtype }, rows, runLen, out);
    } finally {
      b.disposeData(moved);
    }
  };
}

export function reduceKernels(b: WebGPUBackend): Pick<KernelTable, ReduceName> {
  return {
    Sum: reduce(b, 'Sum'),
    Max: reduce(b, 'Max'),
    Min: reduce(b, 'Min'),
    Prod: reduce(b, 'Prod'),
    Any: reduce(b, 'Any'),
    All: reduce(b, 'All'),
  };
}
