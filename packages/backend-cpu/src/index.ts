/**
 * @tapeflow/backend-cpu: tensors as ndarray views over typed arrays, elementwise kernels with
 * contiguous fast paths, a blocked matmul. Importing the package registers it as 'cpu'.
 */
import {
  registerBackend,
  type Backend,
  type BackendMemory,
  type DataId,
  type DType,
  type FusedKernelTable,
  type KernelTable,
  type Shape,
  type TensorInfo,
  type TypedArray,
} from '@tapeflow/core';
import { adamKernels } from './kernels/adam.js';
import { argMinMaxKernels } from './kernels/arg_min_max.js';
import { binaryKernels } from './kernels/binary.js';
import { cumsumKernels } from './kernels/cumsum.js';
import { gatherKernels } from './kernels/gather.js';
import { gruKernels } from './kernels/gru.js';
import { lstmKernels } from './kernels/lstm.js';
import { lstmSequenceKernels } from './kernels/lstm_sequence.js';
import { gruSequenceKernels } from './kernels/gru_sequence.js';
import { matmulRuntime } from './wasm/runtime.js';
import { mathKernels } from './kernels/math.js';
import { matmulKernels } from './kernels/matmul.js';
import { movementKernels } from './kernels/movement.js';
import { reduceKernels } from './kernels/reduce.js';
import { sequenceKernels } from './kernels/sequence.js';
import { unaryKernels } from './kernels/unary.js';
import { ArrayMeter, CpuData, copyOut, heapCopy, setArrayMeter, store, viewOf } from './storage.js';
import { wasmHeap } from './wasm/runtime.js';

/** The full kernel table; the KernelTable annotation makes a missing kernel a compile error. */
export const cpuKernels: KernelTable = {
  ...unaryKernels,
  ...binaryKernels,
  ...reduceKernels,
  ...matmulKernels,
  ...movementKernels,
  ...gatherKernels,
  ...sequenceKernels,
  ...mathKernels,
  ...argMinMaxKernels,
  ...cumsumKernels,
};

export class CpuBackend implements Backend {
  readonly name = 'cpu';
  readonly kernels = cpuKernels;
  /**
   * Optional fused kernels: LSTM and GRU steps and their backward passes, and where the wasm
   * runtime loads (their gemm runs in it), the whole LSTM and GRU recurrences (lstm_sequence.ts,
   * gru_sequence.ts); the Adam update.
   */
  get fused(): Partial<FusedKernelTable> {
    // Built on first use, not at import: asking whether the wasm runtime loads compiles its modules.
    return (this.fusedTable ??= {
      ...lstmKernels,
      ...gruKernels,
      ...adamKernels,
      ...(matmulRuntime() === null ? {} : { ...lstmSequenceKernels, ...gruSequenceKernels }),
    });
  }
  private fusedTable?: Partial<FusedKernelTable>;

  supportsDType(_dtype: DType): boolean {
    return true; // float32, int32, bool and float64 all have a typed array
  }

  write(values: TypedArray, shape: Shape, dtype: DType): DataId {
    // core hands over a fresh array: kept as it is, or copied into the heap where float32 storage lives there
    return store((dtype === 'float32' ? heapCopy(values) : null) ?? values, shape, dtype);
  }

  readSync(info: TensorInfo): TypedArray {
    return copyOut(viewOf(info), info.dtype); // a JS array of the user's: never a view of live storage
  }

  read(info: TensorInfo): Promise<TypedArray> {
    return Promise.resolve(this.readSync(info));
  }

  disposeData(dataId: DataId): void {
    // The buffer is garbage once no view references it; dropping ours catches use after dispose.
    if (dataId instanceof CpuData) dataId.nd = null;
  }

  private meter: ArrayMeter | null = null;

  /**
   * Opt-in storage accounting: counts the typed arrays behind live tensors, each once (reshape
   * and slice return views sharing their input's array, which the engine's numBytes counts as
   * copies). While on, memory() reports numBytesInArrays and peakBytesInArrays (since this call
   * or resetArrayPeak()); arrays made before it are not counted. Off again with countArrays(false).
   */
  countArrays(on = true): void {
    this.meter = on ? (this.meter ?? new ArrayMeter()) : null;
    setArrayMeter(this.meter);
  }

  resetArrayPeak(): void {
    if (this.meter) this.meter.peak = this.meter.live;
  }

  /**
   * numBytesInHeap: bytes in the module memory's blocks (tensors' arrays and the kernels' scratch
   * region), heapMemoryBytes: the module memory's size (it never shrinks); both 0 without WebAssembly.
   */
  memory(): BackendMemory {
    const heap = wasmHeap()?.stats();
    const inHeap = { numBytesInHeap: heap?.allocatedBytes ?? 0, heapMemoryBytes: heap?.memoryBytes ?? 0 };
    return this.meter ? { numBytesInArrays: this.meter.live, peakBytesInArrays: this.meter.peak, ...inHeap } : inHeap;
  }
}

registerBackend('cpu', () => new CpuBackend(), 1);

export { matmulPaths, WASM_MIN_MACS } from './kernels/matmul.js';
export { storagePaths, HEAP_MIN_FLOATS } from './storage_paths.js';
