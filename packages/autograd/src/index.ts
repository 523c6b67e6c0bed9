/**
 * @tapeflow/autograd: tape-based reverse-mode differentiation. Read in this order:
 * api.ts (grad & co.) -> tape.ts (recording) -> backward.ts (the walk) -> gradients/ (the rules).
 */
export {
  grad, grads, valueAndGrad, valueAndGrads, variableGrads, stopGradient, noGrad,
  type ValueAndGrad, type ValueAndGrads, type VariableGrads, type GradsFn, type ValueAndGradsFn,
} from './api.js';
export { customGrad, type CustomGradResult, type SaveFn } from './custom_grad.js';
export { checkpoint } from './checkpoint.js';
export { checkGrad, type CheckGradOptions, type CheckGradReport } from './check_grad.js';
export { trace, Trace, type TracedNode, type TracedTensor } from './trace.js';
export { GRADIENTS, FUSED_GRADIENTS, type GradRule, type GradTable, type FusedGradRule, type FusedGradTable } from './gradients/index.js';
export type { GradContext, Inputs, InputGrads } from './gradients/types.js';
export { Optimizer } from './optimizers/optimizer.js';
export { sgd, SGDOptimizer } from './optimizers/sgd.js';
export { momentum, MomentumOptimizer } from './optimizers/momentum.js';
export { adam, AdamOptimizer } from './optimizers/adam.js';
