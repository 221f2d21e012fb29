export {
  createGateway,
  DEFAULT_LIMITS,
  type Gateway,
  type GatewayLimits,
  type GatewayOptions,
} from './create-gateway.js';
export { loadPublishPermissions, type PublishPermissions } from './authorization.js';
export * from './identity.js';
export { createGatewayMetrics, serveMetrics, type GatewayMetrics } from './metrics.js';
export { DISCLOSURE_TOPIC } from './audit.js';
export * from './dev-tokens.js';
export * from './dev-wiring.js';
export { ConfigError as GatewayConfigError, loadGatewayConfig, type GatewayConfig } from './config.js';
