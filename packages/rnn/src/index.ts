/**
 * @tapeflow/rnn: TensorFlow 1's RNN cells and unrollers (tf.compat.v1.nn.rnn_cell, dynamic_rnn,
 * static_rnn, bidirectional_dynamic_rnn, raw_rnn) with TF1's gate order, weight layout, default
 * initializers and variable names, so TF1 weights load unchanged.
 */
export * as nest from './nest.js';
export type { Nest } from './nest.js';
export * as initializers from './initializers.js';
export type { Initializer } from './initializers.js';
export {
  variableScope,
  type VariableScopeOptions,
  type Reuse,
  currentScope,
  globalVariables,
  trainableVariables,
  resetDefaultGraph,
  getVariable,
  type Scope,
} from './naming.js';
export {
  RNNCell,
  assertLikeRNNCell,
  type RNNCellLike,
  type StepResult,
  type Activation,
  type CellOptions,
  type FastTraits,
  type SplitStep,
  type SequenceState,
} from './cells/rnn_cell.js';
export { LSTMStateTuple } from './cells/state_tuple.js';
export { BasicRNNCell, type BasicRNNCellOptions } from './cells/basic_rnn.js';
export { BasicLSTMCell, type BasicLSTMCellOptions } from './cells/basic_lstm.js';
export { LSTMCell, type LSTMCellOptions } from './cells/lstm.js';
export { GRUCell, type GRUCellOptions } from './cells/gru.js';
export { MultiRNNCell } from './cells/multi.js';
export {
  DropoutWrapper,
  defaultDropoutStateFilter,
  type DropoutWrapperOptions,
  type DropoutStateFilter,
  type KeepProb,
} from './cells/dropout.js';
export { ResidualWrapper, type ResidualFn } from './cells/residual.js';
export {
  OutputProjectionWrapper,
  InputProjectionWrapper,
  type ProjectionWrapperOptions,
} from './cells/projection_wrappers.js';
export { EmbeddingWrapper, type EmbeddingWrapperOptions } from './cells/embedding_wrapper.js';
export { DeviceWrapper } from './cells/device_wrapper.js';
export { LayerNormBasicLSTMCell, type LayerNormBasicLSTMCellOptions } from './cells/layer_norm_lstm.js';
export { ACTIVATIONS, activationOf, type ActivationName, type ActivationLike } from './activations.js';
export { dynamicRnn, type DynamicRnnOptions } from './dynamic_rnn.js';
export { staticRnn, type StaticRnnOptions } from './static_rnn.js';
export { bidirectionalDynamicRnn, type BidirectionalDynamicRnnOptions } from './bidirectional.js';
export { staticBidirectionalRnn, type StaticBidirectionalRnnOptions } from './static_bidirectional.js';
export { stackBidirectionalDynamicRnn, type StackBidirectionalDynamicRnnOptions } from './stack_bidirectional.js';
export { sequenceLoss, type SequenceLossOptions } from './sequence_loss.js';
export { rawRnn, type LoopFn, type LoopFnResult, type RawRnnOptions } from './raw_rnn.js';
// The fast paths' switches and the one predicate choosing a path (for comparing a fast path with its reference).
export { fastPaths, withFastPaths } from './fast/switches.js';
export { rnnPath, type RnnPath } from './fast/dispatch.js';
