// @puente/sdk — the library every Puente service uses.
export * from './bus/index.js';
export { createLogger, silentLogger, type Logger, type LoggerOptions } from './telemetry/logger.js';
