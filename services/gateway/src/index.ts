export {
  createGateway,
  DEFAULT_LIMITS,
  type Gateway,
  type GatewayLimits,
  type GatewayOptions,
} from './create-gateway.js';
export {
  AuditTopicError,
  PRODUCTION_AUDIT_TOPIC,
  SINGLE_BROKER_AUDIT_TOPIC,
  type AuditTopicSettings,
} from './audit/audit-topic.js';
export { loadPublishPermissions, type PublishPermissions } from './auth/authorization.js';
export * from './auth/identity.js';
export { createGatewayMetrics, serveMetrics, type GatewayMetrics } from './metrics.js';
export { ConfigError as GatewayConfigError, loadGatewayConfig, type GatewayConfig } from './config.js';
