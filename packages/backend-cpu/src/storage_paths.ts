/**
 * The heap storage's switches, in a file of their own so the package's public types do not
 * reach storage.ts (whose declarations import ndarray's types, which consumers do not install).
 */
/**
 * Smaller float32 arrays stay in JS: the wasm kernels do not run on them (WASM_MIN_ELEMENTS),
 * and a heap block's bookkeeping (a view, a registry entry) would cost more than the array.
 */
export const HEAP_MIN_FLOATS = 64;

/** `forceJsArrays`: every array is a JS typed array, as where the memory is not shared (tests compare both). */
export const storagePaths = { forceJsArrays: false };
