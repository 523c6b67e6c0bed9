/**
 * TF1's DeviceWrapper: runs the wrapped cell "on a device". tapeflow has one backend per
 * process, so it changes nothing but keeps the structure (no scope level of its own, the same
 * variable names), letting TF1 code that wraps cells per GPU port as written. The device string
 * is kept for inspection.
 */
import { type Tensor, type Variable } from '@tapeflow/core';
import type { Nest } from '../nest.js';
import { type RNNCellLike, type StepResult } from './rnn_cell.js';
import { CellAround } from './projection_wrappers.js';

export class DeviceWrapper extends CellAround {
  constructor(
    cell: RNNCellLike,
    readonly device: string,
  ) {
    super(cell, 'DeviceWrapper', 'device_wrapper');
    if (typeof device !== 'string')
      throw new TypeError(`DeviceWrapper: device must be a string such as '/gpu:0', got ${typeof device}`);
    this.ownsScope = false;
  }

  override get weights(): Variable[] {
    return this.innerWeights;
  }

  protected step(inputs: Nest<Tensor>, state: Nest<Tensor>): StepResult {
    return this.cell.call(inputs, state);
  }
}
