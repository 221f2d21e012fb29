// @puente/screening — screens cargo-manifest parties against watchlists and publishes results.
export {
  createScreeningService,
  manifestTopicOf,
  PARTY_ROLES,
  resultTopicOf,
  screenParty,
  screeningEventId,
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
  loadWatchlists,
  parseWatchlists,
  WatchlistError,
  type Watchlist,
  type WatchlistEntry,
  type WatchlistEntryType,
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
export { ConfigError, loadScreeningConfig, type ScreeningConfig } from './config.js';
