/** Node-only helpers (`@tapeflow/core/node`): file-system checkpoints. Never imported by the browser build. */
export { saveWeights, loadWeights, loadWeightsInto, MANIFEST_FILE } from './checkpoint.js';
export type { WeightsManifestConfig, WeightsManifestEntry, NamedTensors } from '../io/weights.js';
export {
  loadCheckpoint,
  saveCheckpoint,
  openCheckpoint,
  latestCheckpoint,
  readCheckpointState,
  resolvePrefix,
} from './bundle.js';
