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
export { ConfigError } from './config-error.js';
export { nameBasedUuid } from './ids.js';
export {
  auditCheckpointTopic,
  COUNTRIES,
  DEAD_LETTER_PREFIX,
  deadLetterTopicOf,
  DISCLOSURE_TOPIC,
  DOMAINS,
  domainTopic,
  GATEWAY_INSTANCES_TOPIC,
  isCountry,
  PUBLISH_RECEIPTS_TOPIC,
  SUBSCRIPTION_CURSOR_TOPIC,
  type AuditCheckpointTopic,
  type Country,
  type Domain,
  type DomainTopic,
} from './vocabulary.js';
