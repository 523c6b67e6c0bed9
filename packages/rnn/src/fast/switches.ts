/**
 * The switches of the unrollers' fast paths, so a test (or a benchmark) can run the same
 * computation with and without them and compare: every fast path must equal its reference path.
 * All on by default. Which path runs for a call is decided in one place, dispatch.ts.
 */
export const fastPaths = {
  /** dynamicRnn projects every step's input in one matmul when the cell's step splits (projection.ts). */
  hoistInputs: true,
  /**
   * Cells run their step's elementwise tail as the backend's fused kernel (LSTMBlock, GRUBlock)
   * when it has one; off, they compose the same equations from ops (the reference path).
   */
  fusedKernels: true,
  /**
   * Under a tape, LSTM and GRU cells run dynamicRnn's whole recurrence as one tape node with its
   * own backprop through time (lstm_sequence.ts, gru_sequence.ts); needs fusedKernels and hoistInputs.
   */
  fusedSequence: true,
  /**
   * The whole-sequence nodes run forward and backprop through time as the backend's sequence
   * kernels (LSTMSequence, LSTMSequenceGrad) when it has them and the dtype is float32; off, their
   * loops compose per-step fused kernels and matmuls (the reference for the kernels).
   */
  sequenceKernels: true,
  /**
   * The whole-sequence nodes work on chunks of about this many rows (steps x batch): one matmul
   * per chunk for the projection, the recomputed gates and the weights' gradients, and only one
   * chunk's temporaries alive at a time. Tests make it small to cross chunk borders.
   */
  sequenceChunkRows: 256,
};

/** Runs fn with the given switches, restoring them afterwards. */
export function withFastPaths<T>(settings: Partial<typeof fastPaths>, fn: () => T): T {
  const saved = { ...fastPaths };
  Object.assign(fastPaths, settings);
  try {
    return fn();
  } finally {
    Object.assign(fastPaths, saved);
  }
}
