/** Ops on batches of variable-length sequences: sequenceMask (composed) and reverseSequence (the ReverseSequence kernel). */
import { ENGINE } from '../engine.js';
import { ValueError } from '../errors.js';
import { fmt, normalizeAxis } from '../shape.js';
import type { Tensor } from '../tensor.js';
import type { DType } from '../dtypes.js';
import { range, toTensor, type TensorLike } from './creation.js';
import { less } from './binary.js';
import { cast } from './unary.js';
import { expandDims } from './movement.js';
import { op } from './op.js';

/** mask[..., j] = j < lengths[...]; maxLen defaults to max(lengths) (read back from the backend). */
export const sequenceMask = op(
  'sequenceMask',
  (lengths: TensorLike, maxLen?: number, dtype: DType = 'bool'): Tensor => {
    const len = toTensor(lengths, 'sequenceMask', 'lengths', 'int32');
    if (len.dtype !== 'int32')
      throw new TypeError(`sequenceMask: lengths must be int32, got ${len.dtype} ${fmt(len.shape)}`);
    const m = maxLen ?? Math.max(0, ...len.dataSync());
    if (!Number.isInteger(m) || m < 0)
      throw new ValueError(`sequenceMask: maxLen must be a non-negative integer, got ${maxLen}`);
    const mask = less(range(0, m, 1, 'int32'), expandDims(len, -1));
    return dtype === 'bool' ? mask : cast(mask, dtype);
  },
);

/** Reverses the first seqLengths[b] entries of x along seqAxis for every b along batchAxis. */
export const reverseSequence = op(
  'reverseSequence',
  (x: TensorLike, seqLengths: TensorLike, seqAxis: number, batchAxis: number = 0): Tensor => {
    const t = toTensor(x, 'reverseSequence', 'x');
    const lens = toTensor(seqLengths, 'reverseSequence', 'seqLengths', 'int32');
    const s = normalizeAxis(seqAxis, t.rank, 'reverseSequence', 'seqAxis', t.shape);
    const b = normalizeAxis(batchAxis, t.rank, 'reverseSequence', 'batchAxis', t.shape);
    if (s === b) throw new ValueError(`reverseSequence: seqAxis and batchAxis must differ, both are ${s}`);
    if (lens.dtype !== 'int32' || lens.rank !== 1 || lens.shape[0] !== t.shape[b]) {
      throw new ValueError(
        `reverseSequence: seqLengths must be an int32 vector of length x.shape[${b}] = ${t.shape[b]}; ` +
          `got ${lens.dtype} ${fmt(lens.shape)} for x ${fmt(t.shape)}`,
      );
    }
    // TF rejects lengths outside [0, x.shape[seqAxis]] rather than clamping them.
    const values = lens.dataSync();
    const bad = values.findIndex((l) => l < 0 || l > t.shape[s]);
    if (bad >= 0) {
      throw new ValueError(
        `reverseSequence: seqLengths[${bad}] = ${values[bad]} is outside [0, ${t.shape[s]}], ` +
          `the size of seqAxis ${s} of x ${fmt(t.shape)}`,
      );
    }
    return ENGINE.runKernel(
      'ReverseSequence',
      [t, lens],
      { seqAxis: s, batchAxis: b },
      { shape: t.shape, dtype: t.dtype },
    );
  },
);
