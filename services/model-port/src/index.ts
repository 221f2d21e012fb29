// @puente/model-port — `pnpm start`: every Puente service, synthetic agencies and partners in one
// process on a shared Bus.
export { createModelPort, startModelPort, type ModelPort, type ModelPortOptions } from './model-port.js';
export { loadModelPortConfig, type ModelPortConfig } from './config.js';
