/**
 * TensorFlow.js as the oracle: tfjs-core's Node bundle on tfjs-backend-cpu, plus the gradient
 * rules, which tfjs-core only ships in its ESM build (the union package @tensorflow/tfjs
 * registers them). Both builds share tfjs's global engine and registries, so gradients
 * registered from the ESM build serve the ops of the Node bundle.
 */
import { register } from 'node:module';
import * as tj from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';

export async function startTfjs(): Promise<void> {
  register('./tfjs_resolve.mjs', import.meta.url);
  await import('@tensorflow/tfjs-core/dist/register_all_gradients.js');
  if (!(await tj.setBackend('cpu'))) throw new Error('tfjs cpu backend failed to start');
}
