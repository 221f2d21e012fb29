// @puente/risk — complementary risk management: scores cargo manifests and assigns traveller port
// lanes, with explainable factors.
export { createRiskService, SHIPPER_HEADER } from './risk-service.js';
export type { RiskService, RiskServiceOptions, RiskServiceStats } from './risk-service.js';
export {
  assess,
  expectedRoles,
  loadRiskRules,
  organizationKey,
  parseRiskRules,
  RISK_LEVELS,
  roleOfScreening,
} from './risk-rules.js';
export type { AssessContext, Assessment, PartyRole, RiskRules } from './risk-rules.js';
export { createTrustedShipperRegistry, loadTrustedShippers, parseTrustedShippers } from './trusted-shippers.js';
export type { MembershipStatus, TrustedShipperEntry, TrustedShipperRegistry } from './trusted-shippers.js';
export { assessmentEventIdFor, assessmentIdFor } from './ids.js';
export { ConfigError, defaultRiskFiles, loadRiskConfig, type RiskConfig } from './config.js';
export { RiskError, type RiskErrorCode } from './errors.js';
export { createTravellerRiskService } from './traveller-risk-service.js';
export type {
  TravellerRiskService,
  TravellerRiskServiceOptions,
  TravellerRiskServiceStats,
} from './traveller-risk-service.js';
export { HONOURABLE_PROGRAMMES, loadTravellerRules, parseTravellerRules } from './traveller-rules.js';
export type { TravellerRules } from './traveller-rules.js';
export { assessCrossing, LANE_OF_PORT_LANE } from './traveller-lanes.js';
export type { TravellerAssessContext, TravellerAssessment } from './traveller-lanes.js';
export { holderMatches, TrustedTravellerRegistry } from './trusted-traveller-registry.js';
export type { Confirmation, PresentedTraveller } from './trusted-traveller-registry.js';
export { FAST_MEMBERSHIP_HEADER } from './assessment-record.js';
export {
  createPreClearanceService,
  GRANT_ASSESSMENT_HEADER,
  type PreClearanceService,
  type PreClearanceServiceOptions,
  type PreClearanceStats,
} from './pre-clearance/pre-clearance-service.js';
export {
  createPartnerFeed,
  type PartnerFeed,
  type PartnerRecord,
  type PartnerRecordHandler,
} from './pre-clearance/partner-feed.js';
export { createGatewayPartnerFeed, type GatewayPartnerFeedOptions } from './pre-clearance/gateway-partner-feed.js';
