// `@puente/gateway/dev`: development fixtures (dev tokens, certificates, agreements with their
// development keys, publisher permissions) for the embedded start, simulators, tests and
// benchmarks. Kept out of the production entry point, `@puente/gateway`.
export * from './dev-tokens.js';
export * from './dev-wiring.js';
