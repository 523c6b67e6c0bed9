/** The complete kernel table of the webgpu backend; tsc checks it against core's KernelTable. */
import type { KernelTable } from '@tapeflow/core';
import type { WebGPUBackend } from '../backend.js';
import { argMinMaxKernels } from './arg_min_max.js';
import { binaryKernels } from './binary.js';
import { cumsumKernels } from './cumsum.js';
import { indexKernels } from './gather.js';
import { mathKernels } from './math.js';
import { matmulKernels } from './matmul.js';
import { movementKernels } from './movement.js';
import { reduceKernels } from './reduce.js';
import { sequenceKernels } from './sequence.js';
import { unaryKernels } from './unary.js';

export function makeKernels(b: WebGPUBackend): KernelTable {
  return {
    ...unaryKernels(b),
    ...binaryKernels(b),
    ...reduceKernels(b),
    ...matmulKernels(b),
    ...movementKernels(b),
    ...indexKernels(b),
    ...sequenceKernels(b),
    ...mathKernels(b),
    ...argMinMaxKernels(b),
    ...cumsumKernels(b),
  };
}
