/**
 * @tapeflow/rnn: TensorFlow 1's RNN cells and unrollers (tf.compat.v1.nn.rnn_cell, dynamic_rnn,
 * static_rnn, bidirectional_dynamic_rnn, raw_rnn) with TF1's gate order, weight layout, default
 * initializers and variable names, so TF1 weights load unchanged.
 */
export * as nest from './nest.js';
export type { Nest } from './nest.js';
export * as initializers from './initializers.js';
export type { Initializer } from './initializers.js';
export { variableScope, currentScope, globalVariables, trainableVariables, resetDefaultGraph, getVariable, type Scope } from './naming.js';
export { RNNCell, assertLikeRNNCell, type RNNCellLike, type InputProjection, type StepResult, type Activation, type CellOptions } from './cells/rnn_cell.js';
export { LSTMStateTuple } from './cells/state_tuple.js';
export { BasicRNNCell, type BasicRNNCellOptions } from './cells/basic_rnn.js';
export { BasicLSTMCell, type BasicLSTMCellOptions } from './cells/basic_lstm.js';
export { LSTMCell, type LSTMCellOptions } from './cells/lstm.js';
export { GRUCell, type GRUCellOptions } from './cells/gru.js';
export { MultiRNNCell } from './cells/multi.js';
export { DropoutWrapper, type DropoutWrapperOptions } from './cells/dropout.js';
export { ResidualWrapper, type ResidualFn } from './cells/residual.js';
export { dynamicRnn, type DynamicRnnOptions } from './dynamic_rnn.js';
export { staticRnn, type StaticRnnOptions } from './static_rnn.js';
export { bidirectionalDynamicRnn, type BidirectionalDynamicRnnOptions } from './bidirectional.js';
export { rawRnn, type LoopFn, type LoopFnResult, type RawRnnOptions } from './raw_rnn.js';
