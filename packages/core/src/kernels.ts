/**
 * The op interface: every primitive a backend must implement, as one typed table keyed by
 * kernel name. A backend whose table misses a kernel does not compile. Everything else in
 * core (softmax, tile, oneHot, ...) is composed from these, tinygrad-style.
 *
 * Core's front-ends validate arguments and compute the output shape and dtype before a kernel
 * runs, so kernels never check shapes: they receive inputs, attributes and the output info.
 */
import type { DType, TypedArray } from './dtypes.js';
import type { Shape } from './shape.js';

/** Opaque handle to a backend's storage. */
export type DataId = object;

/** What a kernel sees of a tensor: its storage handle, shape and dtype. */
export interface TensorInfo {
  readonly dataId: DataId;
  readonly shape: Shape;
  readonly dtype: DType;
}

export interface OutInfo {
  readonly shape: Shape;
  readonly dtype: DType;
}

type Un = { inputs: [x: TensorInfo]; attrs: Record<string, never> };
type Bin = { inputs: [a: TensorInfo, b: TensorInfo]; attrs: Record<string, never> };
type Red = { inputs: [x: TensorInfo]; attrs: { axes: number[] } };

/** Inputs and attributes of every primitive. */
export interface KernelDefs {
  // Elementwise unary. Float only except Neg/Abs (any number) and LogicalNot (bool).
  Neg: Un;
  Abs: Un;
  Exp: Un;
  Log: Un;
  Sqrt: Un;
  Tanh: Un;
  Sigmoid: Un;
  Relu: Un;
  LogicalNot: Un;
  Cast: { inputs: [x: TensorInfo]; attrs: { dtype: DType } };
  // Elementwise binary; inputs broadcast (NumPy rules) to the output shape. Both inputs
  // share a dtype; comparisons and LogicalAnd output bool. int32 Div is floor division.
  Add: Bin;
  Sub: Bin;
  Mul: Bin;
  Div: Bin;
  Pow: Bin;
  Maximum: Bin;
  Minimum: Bin;
  Greater: Bin;
  GreaterEqual: Bin;
  Less: Bin;
  LessEqual: Bin;
  Equal: Bin;
  LogicalAnd: Bin;
  /** out = cond ? a : b, all three broadcast to the output shape; cond is bool. */
  Where: { inputs: [cond: TensorInfo, a: TensorInfo, b: TensorInfo]; attrs: Record<string, never> };
  // Reductions over sorted unique `axes`; the reduced dims are removed from the output.
  Sum: Red;
  Max: Red;
  Min: Red;
  /** a [batchA, m, k] (or [.., k, m] when transposeA), b [batchB, k, n]; batchA and batchB are equal or 1. */
  BatchMatMul: { inputs: [a: TensorInfo, b: TensorInfo]; attrs: { transposeA: boolean; transposeB: boolean } };
  // Movement. Output shapes are given in OutInfo.
  Reshape: { inputs: [x: TensorInfo]; attrs: { shape: number[] } };
  Transpose: { inputs: [x: TensorInfo]; attrs: { perm: number[] } };
  /** Materializes (or views) x broadcast to `shape` (same rank as x, dims equal or from 1). */
  BroadcastTo: { inputs: [x: TensorInfo]; attrs: { shape: number[] } };
  Slice: { inputs: [x: TensorInfo]; attrs: { begin: number[]; size: number[] } };
  /** paddings[i] = [before, after] for axis i, filled with `value`. */
  Pad: { inputs: [x: TensorInfo]; attrs: { paddings: [number, number][]; value: number } };
  Reverse: { inputs: [x: TensorInfo]; attrs: { axes: number[] } };
  /** All inputs share rank and every dim but `axis`. */
  Concat: { inputs: TensorInfo[]; attrs: { axis: number } };
  /** indices: int32 vector; out.shape = x.shape with dim `axis` replaced by indices.length. */
  Gather: { inputs: [x: TensorInfo, indices: TensorInfo]; attrs: { axis: number } };
  /** out[s, ...] = sum of x[i, ...] over i with segmentIds[i] = s (ids outside [0, numSegments) dropped). Gather's gradient. */
  UnsortedSegmentSum: { inputs: [x: TensorInfo, segmentIds: TensorInfo]; attrs: { numSegments: number } };
  /** Reverses the first seqLengths[b] entries along seqAxis for each b along batchAxis. */
  ReverseSequence: { inputs: [x: TensorInfo, seqLengths: TensorInfo]; attrs: { seqAxis: number; batchAxis: number } };
  // Elementwise math (ops/math.ts). Floor, Ceil, Round (half to even) and Log1p are float only;
  // Sign takes any number (NaN stays NaN, ±0 stay ±0).
  Floor: Un;
  Ceil: Un;
  Round: Un;
  Sign: Un;
  Log1p: Un;
  /** int32 index of the largest / smallest element along `axis` (removed from the output); first on ties, first NaN if any. */
  ArgMax: { inputs: [x: TensorInfo]; attrs: { axis: number } };
  ArgMin: { inputs: [x: TensorInfo]; attrs: { axis: number } };
  /** Product over `axes` like Sum (int32 wraps); Any / All: bool in, bool out (empty: false / true). */
  Prod: Red;
  Any: Red;
  All: Red;
  /** Running sums along `axis` (TF's cumsum): exclusive leaves out the element itself, reverse runs from the end. */
  Cumsum: { inputs: [x: TensorInfo]; attrs: { axis: number; exclusive: boolean; reverse: boolean } };
}

export type KernelName = keyof KernelDefs;
/** The elementwise binary kernels (two broadcast inputs of one dtype, no attributes). */
export type BinaryKernelName =
  | 'Add'
  | 'Sub'
  | 'Mul'
  | 'Div'
  | 'Pow'
  | 'Maximum'
  | 'Minimum'
  | 'Greater'
  | 'GreaterEqual'
  | 'Less'
  | 'LessEqual'
  | 'Equal'
  | 'LogicalAnd';
export type KernelInputs<K extends KernelName> = KernelDefs[K]['inputs'];
export type KernelAttrs<K extends KernelName> = KernelDefs[K]['attrs'];

export type KernelImpl<K extends KernelName> = (inputs: KernelInputs<K>, attrs: KernelAttrs<K>, out: OutInfo) => DataId;

/** Exhaustive: a backend missing any kernel is a compile error. */
export type KernelTable = { [K in KernelName]: KernelImpl<K> };

/** Runtime list of kernel names, kept in step with KernelDefs by the `satisfies` check. */
export const KERNEL_NAMES = [
  'Neg',
  'Abs',
  'Exp',
  'Log',
  'Sqrt',
  'Tanh',
  'Sigmoid',
  'Relu',
  'LogicalNot',
  'Cast',
  'Add',
  'Sub',
  'Mul',
  'Div',
  'Pow',
  'Maximum',
  'Minimum',
  'Greater',
  'GreaterEqual',
  'Less',
  'LessEqual',
  'Equal',
  'LogicalAnd',
  'Where',
  'Sum',
  'Max',
  'Min',
  'BatchMatMul',
  'Reshape',
  'Transpose',
  'BroadcastTo',
  'Slice',
  'Pad',
  'Reverse',
  'Concat',
  'Gather',
  'UnsortedSegmentSum',
  'ReverseSequence',
  'Floor',
  'Ceil',
  'Round',
  'Sign',
  'Log1p',
  'ArgMax',
  'ArgMin',
  'Prod',
  'Any',
  'All',
  'Cumsum',
] as const satisfies readonly KernelName[];
type Missing = Exclude<KernelName, (typeof KERNEL_NAMES)[number]>;
const _allListed: Missing extends never ? true : Missing = true;
void _allListed;

/**
 * Optional fused kernels: a backend may register them for speed. Their front-ends
 * (ops/fused.ts: lstmBlock, lstmBlockGrad, gruBlock, gruBlockGrad, adamUpdate) run the composed equations
 * otherwise. They may return several outputs.
 */
export interface FusedKernelDefs {
  /**
   * One LSTM step with TF1's BasicLSTMCell gate order i, j, f, o:
   * gates = xh @ kernel + bias; c' = c*sig(f+forgetBias) + sig(i)*tanh(j); h' = tanh(c')*sig(o).
   * Outputs [c', h'].
   */
  LSTMBlock: {
    inputs: [gates: TensorInfo, c: TensorInfo];
    attrs: { forgetBias: number };
    outputs: 2;
  };
  /**
   * LSTMBlock's backward pass: from its inputs, its output c' and the gradients dc' and dh' of
   * its two outputs, the gradients [dGates, dc] (the chain rule through the equations above).
   */
  LSTMBlockGrad: {
    inputs: [gates: TensorInfo, c: TensorInfo, cNext: TensorInfo, dcNext: TensorInfo, dh: TensorInfo];
    attrs: { forgetBias: number };
    outputs: 2;
  };
  /**
   * The end of one GRU step (TF1's GRUCell, tanh activation): gates [batch, 2u] are the r, u
   * pre-activations, cPre [batch, u] the candidate's; u = sig(gates[:, u:]),
   * h' = u*h + (1-u)*tanh(cPre). (r enters cPre through a matmul, so it stays outside.) Outputs [h'].
   */
  GRUBlock: {
    inputs: [gates: TensorInfo, h: TensorInfo, cPre: TensorInfo];
    attrs: Record<string, never>;
    outputs: 1;
  };
  /** GRUBlock's backward pass: [dGates (zero in the r columns), dh, dcPre] from its inputs and dh'. */
  GRUBlockGrad: {
    inputs: [gates: TensorInfo, h: TensorInfo, cPre: TensorInfo, dhNext: TensorInfo];
    attrs: Record<string, never>;
    outputs: 3;
  };
  /**
   * One Adam step (TF1's AdamOptimizer) of a variable p with slots m, v and gradient g, all of one
   * shape and float dtype: m' = m beta1 + g (1 - beta1), v' = v beta2 + g^2 (1 - beta2),
   * p' = p - m' / (sqrt(v') + epsilon) lrT, every operation rounded to the dtype as the composed
   * ops round it (and the constants too). Outputs [p', m', v'].
   */
  AdamUpdate: {
    inputs: [p: TensorInfo, m: TensorInfo, v: TensorInfo, g: TensorInfo];
    attrs: AdamAttrs;
    outputs: 3;
  };
  /**
   * A whole LSTM recurrence (TF1's BasicLSTMCell through dynamicRnn, time-major), front-end
   * ops/sequence_fused.ts: source [p] (every step's gate projections x W_x + b, [T, B, 4u]) or
   * [x [T, B, d], wx [d, 4u], b [4u]], then wh [u, 4u], c0 and h0 [B, u]. Row r runs while
   * t < lengths[r] (all rows run without lengths); steps run up to `bound`. Outputs [outputs
   * [T, B, u] (zeros where a row has finished), c, h (the final state), acts [bound, B, 4u] (the
   * gate activations sig(i), tanh(j), sig(f + forgetBias), sig(o) of each step, zeros for
   * finished rows), cs [ceil(bound / chunk), B, u] (the block output c' of each chunk's last
   * step, chunk = attrs.chunk)]: acts, cs and outputs are what LSTMSequenceGrad reads. It
   * recomputes a chunk's other c' from them (c' = c sig(f) + sig(i) tanh(j), elementwise, bit for
   * bit the forward's), so the forward keeps 5, not 6, numbers per unit, row and step.
   */
  LSTMSequence: {
    /** [...source, wh, c0, h0] */
    inputs: TensorInfo[];
    attrs: SequenceAttrs & { forgetBias: number };
    outputs: 5;
  };
  /**
   * LSTMSequence's backprop through time: inputs [...source, wh, c0, h0, outputs, acts, cs, dy,
   * dc, dh] (the forward's inputs and outputs, then the gradients of outputs and of the final c, h).
   * Outputs [...the source's gradients (dp, or dx, dwx, db), dwh, dc0, dh0].
   */
  LSTMSequenceGrad: {
    inputs: TensorInfo[];
    attrs: SequenceAttrs;
    outputs: number;
  };
  /**
   * A whole GRU recurrence (TF1's GRUCell, tanh; time-major), front-end ops/sequence_fused.ts:
   * source [p] (projections [T, B, 3n]: the r, u gate columns then the candidate's) or [x, wx
   * [d, 3n], b [3n]], then gh [n, 2n] and ch [n, n] (the recurrent rows of the gate and candidate
   * kernels) and h0 [B, n]. Per step: r, u = sig(p_g + h gh), c = tanh(p_c + (r h) ch),
   * h' = u h + (1 - u) c; masking as LSTMSequence. Outputs [outputs [T, B, n], h, acts
   * [bound, B, 3n] (r, u, c of each step, zeros for finished rows)].
   */
  GRUSequence: {
    /** [...source, gh, ch, h0] */
    inputs: TensorInfo[];
    attrs: SequenceAttrs;
    outputs: 3;
  };
  /**
   * GRUSequence's backprop through time: inputs [...source, gh, ch, h0, outputs, acts, dy, dh];
   * outputs [...the source's gradients (dp, or dx, dwx, db), dgh, dch, dh0].
   */
  GRUSequenceGrad: {
    inputs: TensorInfo[];
    attrs: SequenceAttrs;
    outputs: number;
  };
}
/** AdamUpdate's constants: the decay rates, the bias-corrected step size lrT and epsilon. */
// (a type, not an interface: kernel attributes must fit Record<string, unknown>)
export type AdamAttrs = {
  beta1: number;
  beta2: number;
  lrT: number;
  epsilon: number;
};

/** The attributes of the whole-sequence kernels. */
export type SequenceAttrs = {
  /** Per batch row, the steps it runs (t < lengths[r]); null: every row runs every step. */
  lengths: Int32Array | null;
  /** Steps that run (TF1's loop bound: T, or min(T, max(1, max(lengths)))). */
  bound: number;
  /** Steps whose gate gradients a backward kernel gathers before one matmul for the weights' gradients (>= 1). */
  chunk: number;
};
export type FusedKernelName = keyof FusedKernelDefs;
export type FusedKernelImpl<K extends FusedKernelName> = (
  inputs: FusedKernelDefs[K]['inputs'],
  attrs: FusedKernelDefs[K]['attrs'],
  outs: OutInfo[],
) => DataId[];
export type FusedKernelTable = { [K in FusedKernelName]: FusedKernelImpl<K> };

export interface BackendMemory {
  /** Bytes on an accelerator (textures), where the backend has one. */
  numBytesInGPU?: number;
  numTextures?: number;
  [key: string]: number | undefined;
}

/** What a compute backend provides. Everything is synchronous except `read`. */
export interface Backend {
  readonly name: string;
  readonly kernels: KernelTable;
  readonly fused?: Partial<FusedKernelTable>;
  /** Whether the backend stores this dtype natively (float64 is optional). */
  supportsDType(dtype: DType): boolean;
  /** Stores a copy of `values` (row-major). The backend may keep the array: core passes a fresh one. */
  write(values: TypedArray, shape: Shape, dtype: DType): DataId;
  /** A fresh row-major copy of the tensor's values. */
  readSync(info: TensorInfo): TypedArray;
  read(info: TensorInfo): Promise<TypedArray>;
  disposeData(dataId: DataId): void;
  memory?(): BackendMemory;
  /**
   * Optional swap support: move a tensor's storage to host memory (and back on next use).
   * Used by dynamicRnn's swapMemory. A backend without device memory leaves these out.
   */
  offload?(dataId: DataId): void;
  dispose?(): void;
}
