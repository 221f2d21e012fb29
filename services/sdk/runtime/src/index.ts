// @puente/runtime — what every Puente process shares, whatever else it does.
export { createLogger, silentLogger, type Logger, type LoggerOptions } from './logger.js';
export {
  BreakerOpenError,
  createBreaker,
  type Breaker,
  type BreakerOptions,
  type BreakerState,
} from './circuit-breaker.js';
export { countrySchema, kafkaBrokersSchema, logLevelSchema, type LogLevel } from './env-schemas.js';
export { stopOnSignals } from './stop-on-signals.js';
export { createMetricsRegistry, registerStatsMetrics, serveMetrics, type StatsMetric } from './metrics-server.js';
export { messageOf, PuenteError, type PuenteErrorOptions } from './errors.js';
