export { ValueError } from './errors.js';
export type { DType, TypedArray } from './dtypes.js';
export { isFloat, bytesPerElement } from './dtypes.js';
export { Tensor, Variable, nextTensorId, type NestedArray } from './tensor.js';
export type { Shape } from './shape.js';
export {
  sizeOf,
  stridesOf,
  broadcastShapes,
  broadcastAxes,
  normalizeAxis,
  normalizeAxes,
  shapesEqual,
  fmt as formatShape,
} from './shape.js';
export type * from './kernels.js';
export { KERNEL_NAMES } from './kernels.js';
export { ENGINE, type Engine, type KernelRecord, type MemoryInfo, type BackendFactory } from './engine.js';
export * from './api.js';
export {
  tensor,
  scalar,
  fill,
  zeros,
  ones,
  zerosLike,
  onesLike,
  range,
  toTensor,
  type TensorLike,
} from './ops/creation.js';
export * from './ops/unary.js';
export * from './ops/math.js';
export * from './ops/activations.js';
export * from './ops/logic.js';
export * from './ops/arithmetic.js';
export * from './ops/arg_min_max.js';
export * from './ops/cumsum.js';
export * from './ops/losses.js';
export * from './ops/clip.js';
export * from './ops/gather_nd.js';
export * from './ops/dropout.js';
export * from './ops/binary.js';
export * from './ops/reduce.js';
export * from './ops/matmul.js';
export * from './ops/movement.js';
export * from './ops/gather.js';
export * from './ops/nn.js';
export * from './ops/sequence.js';
export * from './ops/random.js';
export * from './ops/fused.js';
export * from './ops/sequence_fused.js';
export { op } from './ops/op.js';
export {
  encodeWeights,
  decodeWeights,
  encodeWeightArrays,
  decodeWeightArrays,
  type WeightArray,
  assignWeights,
  manifestPaths,
  DEFAULT_SHARD_BYTES,
  type WeightsManifestConfig,
  type WeightsManifestGroupConfig,
  type WeightsManifestEntry,
  type ManifestDType,
  type NamedTensors,
  type EncodedWeights,
} from './io/weights.js';
export {
  loadCheckpoint,
  saveCheckpoint,
  openCheckpoint,
  checkpointTensors,
  resolveCheckpointPath,
  type CheckpointFiles,
  type SaveTensors,
  type SaveCheckpointOptions,
} from './io/checkpoint.js';
export {
  isTrainingState,
  type LoadCheckpointOptions,
  type LoadReport,
  type Mismatch,
  type NameMap,
  type SlotState,
} from './io/checkpoint_load.js';
export {
  readBundle,
  BundleIndex,
  BundleReader,
  shardFileName,
  type BundleTensor,
  type Bytes,
} from './io/bundle/read.js';
export { writeBundle, type WriteBundleOptions, type BundleBytes } from './io/bundle/write.js';
export { TF_DTYPES, type BundleEntry, type BundleHeader, type TFDTypeName } from './io/bundle/messages.js';
export type { BundleDType, BundleArray } from './io/bundle/values.js';
export {
  parseCheckpointState,
  formatCheckpointState,
  CHECKPOINT_STATE_FILE,
  type CheckpointState,
} from './io/bundle/checkpoint_state.js';
