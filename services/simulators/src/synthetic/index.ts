// Synthetic US and MX agency data: seeded, deterministic generators of cargo manifests,
// investigations, prosecutions, traveller crossings and trusted-traveller statuses in friendly JSON, valid against the Puente schemas.
export { createRng, type Rng } from './prng.js';
export { cargoManifest, fakeVin, generateCargoManifest } from './cargo-manifest.js';
export { generateInvestigationEvent, investigationEvent } from './investigation-event.js';
export { generateProsecutionEvent, prosecutionEvent } from './prosecution-event.js';
export {
  generateTravellerCrossing,
  LAPSED_CLAIM_RATE,
  MEMBER_RATE,
  RFID_DOCUMENTS,
  travellerCrossing,
  type CrossingModeName,
  type RequestedLane,
} from './traveller-crossing.js';
export {
  inGoodStanding,
  loadTrustedTravellerRegistry,
  parseTrustedTravellerRegistry,
  PROGRAMMES,
  trustedTravellerFileOf,
  type EnrolledDocument,
  type TrustedTravellerHolder,
  type TrustedTravellerMember,
  type TrustedTravellerProgrammeName,
  type TrustedTravellerRegistry,
  type TrustedTravellerStanding,
} from './trusted-travellers.js';
export { trustedTravellerStatusEvents } from './trusted-traveller-status.js';
export { generatePreClearedPair, type PreClearedPair } from './pre-cleared-pair.js';
export {
  compileGeneratorOptions,
  PUBLISHING_AGENCY,
  topicOf,
  type EventKind,
  type GeneratedEvent,
  type GeneratorOptions,
  type MixedEventKind,
  type WatchlistHit,
} from './meta.js';
export { fullName, isWellKnownPerson } from './parties.js';
export { BORDER_CROSSINGS, TRAVELLER_PORTS, type BorderCrossing, type PortJson, type TravellerPort } from './ports.js';
export {
  defaultReferenceData,
  loadReferenceData,
  type CountryCode,
  type ReferenceData,
  type TrustedShipper,
} from './reference-data.js';
export { WELL_KNOWN_PEOPLE } from './names.js';
