/**
 * WGSL building blocks. Every tensor is a storage buffer of 32-bit elements: f32 for float32,
 * i32 for int32, u32 (0 or 1) for bool. A kernel's shader reads its sizes from `meta` (binding 0,
 * i32 words), so one compiled pipeline serves every shape of its class; what the source bakes in
 * (rank, which operands are contiguous) is the class, and the source is the pipeline cache key.
 */
import { stridesOf, type DType } from '@tapeflow/core';

export type WgslType = 'f32' | 'i32' | 'u32';
export const wgslType = (dtype: DType): WgslType => (dtype === 'float32' ? 'f32' : dtype === 'bool' ? 'u32' : 'i32');

/** Invocations per workgroup of the elementwise shaders. */
export const WG = 256;
/** Workgroups per grid dimension (WebGPU's guaranteed minimum maximum). */
const MAX_GROUPS = 65535;

/** A 2D grid of WG-wide workgroups covering n invocations (see `IDX`). */
export function grid(n: number, wg = WG): [number, number, number] {
  const groups = Math.max(1, Math.ceil(n / wg));
  if (groups <= MAX_GROUPS) return [groups, 1, 1];
  return [MAX_GROUPS, Math.ceil(groups / MAX_GROUPS), 1];
}

/**
 * IEEE helpers. WGSL lets an implementation assume no NaN or infinity in arithmetic and errors
 * on NaN constants, so NaN/inf are made at run time from bits and tested through bits. GPUs
 * flush subnormals in arithmetic and comparisons; `fkey` orders floats exactly (subnormals
 * included, -0 == +0) as ints, for comparisons, max and min.
 */
export const HELPERS = `
fn nan_() -> f32 { var u = 0x7fc00000u; return bitcast<f32>(u); }
fn inf_() -> f32 { var u = 0x7f800000u; return bitcast<f32>(u); }
fn isnan_(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u; }
fn isinf_(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) == 0x7f800000u; }
fn fkey(x: f32) -> i32 {
  let i = bitcast<i32>(x);
  if ((i & 0x7fffffff) == 0) { return 0; }
  return select(i ^ 0x7fffffff, i, i >= 0);
}
fn sig_(x: f32) -> f32 { return 1.0 / (1.0 + exp(-x)); }
// tanh(9) rounds to 1 in float32; beyond it an exp-based tanh may overflow to NaN.
fn tanh_(x: f32) -> f32 { if (abs(x) > 9.0) { return sign(x); } return tanh(x); }
`;

/** A storage binding; `type` is the array's element type (a WgslType, or e.g. vec4<f32> for vector loads). */
export interface Binding {
  name: string;
  type: string;
  write?: boolean;
}

/** The module header: meta words (`mt`) at binding 0, then one runtime-sized array per binding. */
export function header(bindings: readonly Binding[]): string {
  const lines = ['@group(0) @binding(0) var<storage, read> mt: array<i32>;'];
  bindings.forEach((b, k) => {
    lines.push(
      `@group(0) @binding(${k + 1}) var<storage, ${b.write ? 'read_write' : 'read'}> ${b.name}: array<${b.type}>;`,
    );
  });
  return lines.join('\n') + '\n' + HELPERS;
}

/** The flat invocation index over a `grid()`: `idx` (i32), returning past `mt[0]` invocations. */
export const IDX = `let idx = i32(gid.x + gid.y * nwg.x * ${WG}u);
  if (idx >= mt[0]) { return; }`;

export const MAIN = `@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>)`;

/** Strides reading an input of `shape` from an output of rank `rank` under NumPy broadcasting. */
export function broadcastStrides(shape: readonly number[], rank: number): number[] {
  const s = stridesOf(shape);
  const out = new Array<number>(rank).fill(0);
  const lead = rank - shape.length;
  for (let i = 0; i < shape.length; i++) out[lead + i] = shape[i] === 1 ? 0 : s[i];
  return out;
}

/** An f32 as the i32 meta word with the same bits. */
export function floatBits(v: number): number {
  const f = new Float32Array([v]);
  return new Int32Array(f.buffer)[0];
}
