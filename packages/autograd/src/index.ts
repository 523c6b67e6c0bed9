/**
 * @tapeflow/autograd: tape-based reverse-mode differentiation. Read in this order:
 * api.ts (grad & co.) -> recording.ts (who sees kernels) -> tape.ts (the nodes) -> backward.ts (the walk)
 * -> gradients/ (the rules).
 */
export {
  grad,
  grads,
  valueAndGrad,
  valueAndGrads,
  variableGrads,
  stopGradient,
  noGrad,
  vjp,
  type ValueAndGrad,
  type ValueAndGrads,
  type VariableGrads,
  type GradsFn,
  type ValueAndGradsFn,
} from './api.js';
export { isRecording, withKernelListener, type KernelListener } from './recording.js';
export { customGrad, type CustomGradResult, type SaveFn } from './custom_grad.js';
export { checkpoint } from './checkpoint.js';
export { checkGrad, type CheckGradOptions, type CheckGradReport } from './check_grad.js';
export { trace, Trace, type TracedNode, type TracedTensor } from './trace.js';
export {
  GRADIENTS,
  FUSED_GRADIENTS,
  type GradRule,
  type GradTable,
  type FusedGradRule,
  type FusedGradTable,
  type GradContext,
  type FusedGradContext,
  type Vjp,
} from './gradients/index.js';
export type { Inputs, InputGrads } from './gradients/types.js';
export { Optimizer, type GradsAndVars, type ComputedGradients, type NamedGradients } from './optimizers/optimizer.js';
export { sgd, SGDOptimizer } from './optimizers/sgd.js';
export { momentum, MomentumOptimizer } from './optimizers/momentum.js';
export { adam, AdamOptimizer } from './optimizers/adam.js';
