// Synthetic US and MX agency data: seeded, deterministic generators of cargo manifests,
// investigations and prosecutions in friendly JSON, valid against the Puente schemas.
export { createRng, type Rng } from './prng.js';
export { cargoManifest, fakeVin, generateCargoManifest } from './cargo-manifest.js';
export { generateInvestigationEvent, investigationEvent } from './investigation-event.js';
export { generateProsecutionEvent, prosecutionEvent } from './prosecution-event.js';
export {
  compileGeneratorOptions,
  PUBLISHING_AGENCY,
  topicOf,
  type EventKind,
  type GeneratedEvent,
  type GeneratorOptions,
  type WatchlistHit,
} from './meta.js';
export { fullName, isWellKnownPerson } from './parties.js';
export { BORDER_CROSSINGS, type BorderCrossing, type PortJson } from './ports.js';
export {
  defaultReferenceData,
  loadReferenceData,
  type CountryCode,
  type ReferenceData,
  type TrustedShipper,
} from './reference-data.js';
export { WELL_KNOWN_PEOPLE } from './names.js';
