// `@puente/gateway/testing`: a gateway started for tests and benchmarks in one call.
export { startTestGateway, type TestGateway, type TestGatewayOptions } from './test-gateway.js';
export {
  devAgreementText,
  withoutAgency,
  withoutField,
  withoutTopic,
  withPurposes,
  withValidUntil,
  withVersion,
} from './agreement-edits.js';
export { errorDetailsOf, openTestSubscriber, type TestSubscriber } from './subscriber.js';
export { GATEWAY_PROCESS_ARGS, GATEWAY_PROCESS_DIR, startGatewayProcess, testGatewayEnv } from './gateway-process.js';
