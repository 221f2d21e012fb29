// Test helpers for any package (`@puente/runtime/testing`): waiting on a condition, free ports,
// and services started as real processes.
export { waitFor } from './wait-for.js';
export { freePort, startServiceProcess, type ServiceProcess, type ServiceProcessOptions } from './service-process.js';
