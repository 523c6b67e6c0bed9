/** Node-only helpers (`@tapeflow/core/node`): file-system checkpoints. Never imported by the browser build. */
export { saveWeights, loadWeights, loadWeightsInto, MANIFEST_FILE } from './checkpoint.js';
export type { WeightsManifestConfig, WeightsManifestEntry, NamedTensors } from '../io/weights.js';
