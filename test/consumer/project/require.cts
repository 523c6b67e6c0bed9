// CommonJS consumer: require() gives the same module instance as import (one engine, one
// backend registry), so a backend registered by either is seen by both.
import core = require('@tapeflow/core');
import autograd = require('@tapeflow/autograd');
require('@tapeflow/backend-cpu');
import rnn = require('@tapeflow/rnn');

async function main(): Promise<void> {
  const viaImport = await import('@tapeflow/core');
  const dx = autograd.grad((x: core.Tensor) => core.sum(core.square(x)))(core.tensor([1, -2, 3]));
  const cell = new rnn.GRUCell(4);
  const [outputs] = rnn.dynamicRnn(cell, core.randomNormal([2, 3, 5], { seed: 1 }), { dtype: 'float32' });
  console.log(
    JSON.stringify({
      sameInstance: viaImport.ENGINE === core.ENGINE,
      backend: core.getBackend(),
      dx: Array.from(dx.dataSync()),
      outputShape: (outputs as core.Tensor).shape,
    }),
  );
}
void main();
