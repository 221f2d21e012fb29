// @puente/sdk — the library every Puente service uses.
export * from './bus/index.js';
export * from './avro/index.js';
export * from './policy/index.js';
export { createLogger, silentLogger, type Logger, type LoggerOptions } from './telemetry/logger.js';
export {
  BreakerOpenError,
  createBreaker,
  type Breaker,
  type BreakerOptions,
  type BreakerState,
} from './resilience/circuit-breaker.js';
export { countrySchema, kafkaBrokersSchema, logLevelSchema, type LogLevel } from './config/env-schemas.js';
export { stopOnSignals } from './lifecycle/stop-on-signals.js';
export {
  createMetricsRegistry,
  registerStatsMetrics,
  serveMetrics,
  type StatsMetric,
} from './telemetry/metrics-server.js';
