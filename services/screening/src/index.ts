// @puente/screening — screens cargo-manifest parties and travellers at crossings against
// watchlists (its own, and the partner's shared hashed lists) and publishes results.
export {
  createScreeningService,
  crossingTopicOf,
  manifestTopicOf,
  PARTY_ROLES,
  resultTopicOf,
  screenParty,
  screeningEventId,
  travellerScreeningEventId,
  uuidV5,
  type PartyRole,
  type PartyScreening,
  type ScreeningCountry,
  type ScreeningService,
  type ScreeningServiceOptions,
  type ScreeningStats,
} from './screening-service.js';
export {
  createWatchlistStore,
  fixedWatchlists,
  loadSharedWatchlists,
  loadWatchlists,
  parseSharedWatchlists,
  parseWatchlists,
  WatchlistError,
  type Watchlist,
  type WatchlistDocument,
  type WatchlistDocumentHash,
  type WatchlistEntry,
  type WatchlistEntryType,
  type WatchlistKind,
  type WatchlistSet,
  type WatchlistSource,
  type WatchlistStore,
  type WatchlistStoreOptions,
} from './watchlists.js';
export {
  DEFAULT_THRESHOLDS,
  matchName,
  nameTokens,
  normalizeName,
  outcomeOf,
  similarity,
  type MatchOutcome,
  type MatchThresholds,
  type NameEntry,
  type NameMatch,
} from './name-matching.js';
export {
  anyHashShared,
  createDocumentHasher,
  HashKeyError,
  singleKeyRing,
  type DocumentHasher,
  type DocumentHasherOptions,
} from './document-hasher.js';
export { dumpSharedWatchlists, sharedKeyIds, shareWatchlists } from './shared-watchlists.js';
export { partnerKeyMismatch, type PartnerKeyMismatch } from './partner-keys.js';
export { screenTraveller, type ListsInForce, type TravellerToScreen } from './screen-traveller.js';
export { CrossingRejectedError } from './screen-crossing-record.js';
export { ConfigError, loadScreeningConfig, type ScreeningConfig } from './config.js';
