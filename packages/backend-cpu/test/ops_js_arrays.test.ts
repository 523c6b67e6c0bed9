/**
 * The shared op conformance suite on the CPU backend with every tensor in a JS typed array
 * (storagePaths.forceJsArrays): the path where the module memory is not shared (a browser
 * without cross-origin isolation), where the wasm kernels stage their operands through scratch.
 * ops.test.ts runs the same suite with float32 tensors in the module memory.
 */
import test from 'ava';
import '@tapeflow/backend-cpu';
import * as tf from '@tapeflow/core';
import { runConformance } from '@tapeflow/conformance/ava';
import { opsSuites } from '@tapeflow/conformance';
import { heapAddress, storagePaths, viewOf } from '../src/storage.js';

storagePaths.forceJsArrays = true;

test.serial('the suite below runs on JS arrays', async (t) => {
  await tf.setBackend('cpu');
  const x = tf.exp(tf.ones([1000]));
  t.is(heapAddress(viewOf(x).data, 0), -1);
  x.dispose();
});

runConformance('cpu', opsSuites);
