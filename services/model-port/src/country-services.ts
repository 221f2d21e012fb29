// Screening and risk management of each country, as their own services would run on Kafka:
// per country a watchlist store from deploy/watchlists, a screening service that also holds the
// partner's lists as the partner shares them (document numbers only as bilateral keyed hashes),
// a risk service for cargo and one for travellers with the country's default rules, whose
// assessments are counted for the summary.
import { fileURLToPath } from 'node:url';

import type { Bus } from '@puente/bus';
import type { AvroCodec } from '@puente/contracts';
import {
  createRiskService,
  createTravellerRiskService,
  defaultRiskFiles,
  loadRiskRules,
  loadTravellerRules,
  loadTrustedShippers,
  type RiskService,
  type TravellerRiskService,
} from '@puente/risk';
import { COUNTRIES, type Country, type Logger } from '@puente/runtime';
import {
  createDocumentHasher,
  createScreeningService,
  createWatchlistStore,
  type DocumentHasher,
  fixedWatchlists,
  loadWatchlists,
  type ScreeningService,
  shareWatchlists,
  singleKeyRing,
  type WatchlistStore,
} from '@puente/screening';

import { countAssessment, type LaneCounts } from './lanes.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));

/**
 * The bilateral key both development agreements hash document numbers with (their
 * `hashKeys.current`): screening hashes with the same one, so a number matches across the border.
 */
export const BILATERAL_KEY = { id: 'usmx-dev-1', variable: 'PUENTE_HASH_KEY_US_MX' } as const;

export interface CountryServicesOptions {
  readonly bus: Bus;
  readonly codec: AvroCodec;
  readonly logger: Logger;
  /** Where each assessment's lane is counted. */
  readonly lanes: LaneCounts;
  /** The bilateral key's value (base64), as the gateway's agreements read it. */
  readonly bilateralKey: string;
}

export interface CountryServices {
  /** Per country in COUNTRIES order, screening then cargo risk then traveller risk: started in this order, stopped in reverse. */
  readonly services: readonly (ScreeningService | RiskService | TravellerRiskService)[];
  readonly watchlists: readonly WatchlistStore[];
}

/** The watchlist file of a country in the repository's deploy/watchlists. */
export const watchlistFileOf = (country: Country): string => `${root}deploy/watchlists/${country.toLowerCase()}.yaml`;

const partnerOf = (country: Country): Country => (country === 'US' ? 'MX' : 'US');

function createCountryRisk(country: Country, options: CountryServicesOptions): [RiskService, TravellerRiskService] {
  const { bus, codec, logger, lanes } = options;
  const files = defaultRiskFiles(country);
  const onAssessment = countAssessment.bind(undefined, lanes);
  const cargo = createRiskService({
    bus,
    codec,
    country,
    rules: loadRiskRules(files.rulesFile),
    trustedShippers: loadTrustedShippers(files.trustedShippersFile),
    logger,
    joinTimeoutMs: 10_000,
    onAssessment,
  });
  const travellers = createTravellerRiskService({
    bus,
    codec,
    country,
    rules: loadTravellerRules(files.travellerRulesFile),
    logger,
    joinTimeoutMs: 10_000,
    onAssessment,
  });
  return [cargo, travellers];
}

export function createCountryServices(options: CountryServicesOptions): CountryServices {
  const { bus, codec, logger } = options;
  const services: (ScreeningService | RiskService | TravellerRiskService)[] = [];
  const watchlists: WatchlistStore[] = [];
  const documentHasher: DocumentHasher = createDocumentHasher({
    ring: singleKeyRing(BILATERAL_KEY.id, options.bilateralKey, BILATERAL_KEY.variable),
  });
  for (const country of COUNTRIES) {
    const store = createWatchlistStore(watchlistFileOf(country));
    watchlists.push(store);
    // What the partner sends: its lists with every document number replaced by its keyed hash.
    const partnerWatchlists = fixedWatchlists(
      shareWatchlists(loadWatchlists(watchlistFileOf(partnerOf(country))), documentHasher),
    );
    services.push(
      createScreeningService({ bus, codec, country, watchlists: store, partnerWatchlists, documentHasher, logger }),
    );
    services.push(...createCountryRisk(country, options));
  }
  return { services, watchlists };
}
