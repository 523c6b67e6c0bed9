// A consumer's first program: an LSTM trained with Adam to output a sequence's running mean.
// Compiled by tsc (NodeNext) and run by Node, against the packed tarballs only.
import '@tapeflow/backend-cpu';
import { adam, grad } from '@tapeflow/autograd';
import {
  getBackend,
  matmul,
  mean,
  memory,
  randomNormal,
  reshape,
  square,
  sub,
  tensor,
  variable,
  type Tensor,
} from '@tapeflow/core';
import { LSTMCell, dynamicRnn } from '@tapeflow/rnn';

// First gradient: d/dx mean(x^2) = x / 2 for four elements.
const dx = grad((x: Tensor) => mean(square(x)))(tensor([1, 2, 3, 4]));

const [batch, time, units] = [8, 12, 16];
const x = randomNormal([batch, time, 1], { seed: 1 });
// target[b, t] = mean of x[b, 0..t]: it needs memory across steps.
const xs = x.dataSync();
const means = new Float32Array(batch * time);
for (let b = 0; b < batch; b++) {
  let s = 0;
  for (let t = 0; t < time; t++) means[b * time + t] = (s += xs[b * time + t]) / (t + 1);
}
const target = tensor(means, [batch, time, 1]);
const cell = new LSTMCell(units);
const w = variable(randomNormal([units, 1], { seed: 2, stddev: 0.1 }), { name: 'readout' });
const lengths = tensor(Array<number>(batch).fill(time), [batch], 'int32');
const opt = adam(0.03);
const losses: number[] = [];
const tensorsAfterStep: number[] = [];
for (let step = 0; step < 60; step++) {
  const loss = opt.minimize(() => {
    const [outputs] = dynamicRnn(cell, x, { sequenceLength: lengths, dtype: 'float32' });
    const y = reshape(matmul(reshape(outputs as Tensor, [batch * time, units]), w), [batch, time, 1]);
    return mean(square(sub(y, target)));
  });
  losses.push(loss.dataSync()[0]);
  loss.dispose();
  tensorsAfterStep.push(memory().numTensors);
}

console.log(
  JSON.stringify({
    backend: getBackend(),
    dx: Array.from(dx.dataSync()),
    first: losses[0],
    last: losses[losses.length - 1],
    // Adam's slots are made in the first step; after it, a step must leave no tensor behind.
    leaked: tensorsAfterStep[tensorsAfterStep.length - 1] - tensorsAfterStep[0],
    weights: cell.weights.map((v) => v.name),
  }),
);
