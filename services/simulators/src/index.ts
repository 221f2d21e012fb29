// @puente/simulators — synthetic US and MX agencies and partner systems for the model port.
export * from './synthetic/index.js';
export {
  createAgencySimulator,
  DEFAULT_MIX,
  type AgencySimulator,
  type AgencySimulatorOptions,
  type AgencySimulatorStats,
  type MixKey,
  type PreClearedPairSchedule,
  type PublishedEvent,
} from './agency-simulator.js';
export {
  createPartnerSimulator,
  deliveryLine,
  describeView,
  type PartnerSimulator,
  type PartnerSimulatorOptions,
  type PartnerSimulatorStats,
} from './partner-simulator.js';
export { DEV_PUBLISHER_TOKENS, loadSimulatorConfig, publisherTokens, type SimulatorConfig } from './config.js';
export { SimulatorError, type SimulatorErrorCode } from './errors.js';
