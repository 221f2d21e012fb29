// Screening and risk management of each country, as their own services would run on Kafka:
// per country a watchlist store from deploy/watchlists, a screening service and a risk service
// with the country's default rules, whose assessments are counted by lane.
import { fileURLToPath } from 'node:url';

import type { Bus } from '@puente/bus';
import type { AvroCodec } from '@puente/contracts';
import {
  createRiskService,
  defaultRiskFiles,
  loadRiskRules,
  loadTrustedShippers,
  type RiskService,
} from '@puente/risk';
import { COUNTRIES, type Country, type Logger } from '@puente/runtime';
import {
  createScreeningService,
  createWatchlistStore,
  type ScreeningService,
  type WatchlistStore,
} from '@puente/screening';

import { countLane, type LaneCounts } from './lanes.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));

export interface CountryServicesOptions {
  readonly bus: Bus;
  readonly codec: AvroCodec;
  readonly logger: Logger;
  /** Where each assessment's lane is counted. */
  readonly lanes: LaneCounts;
}

export interface CountryServices {
  /** Screening then risk, per country in COUNTRIES order: started in this order, stopped in reverse. */
  readonly services: readonly (ScreeningService | RiskService)[];
  readonly watchlists: readonly WatchlistStore[];
}

/** The watchlist file of a country in the repository's deploy/watchlists. */
export const watchlistFileOf = (country: Country): string => `${root}deploy/watchlists/${country.toLowerCase()}.yaml`;

function createCountryRisk(country: Country, options: CountryServicesOptions): RiskService {
  const { bus, codec, logger, lanes } = options;
  const files = defaultRiskFiles(country);
  return createRiskService({
    bus,
    codec,
    country,
    rules: loadRiskRules(files.rulesFile),
    trustedShippers: loadTrustedShippers(files.trustedShippersFile),
    logger,
    joinTimeoutMs: 10_000,
    onAssessment: (assessment) => countLane(lanes, country, assessment.recommendedLane),
  });
}

export function createCountryServices(options: CountryServicesOptions): CountryServices {
  const { bus, codec, logger } = options;
  const services: (ScreeningService | RiskService)[] = [];
  const watchlists: WatchlistStore[] = [];
  for (const country of COUNTRIES) {
    const store = createWatchlistStore(watchlistFileOf(country));
    watchlists.push(store);
    services.push(createScreeningService({ bus, codec, country, watchlists: store, logger }));
    services.push(createCountryRisk(country, options));
  }
  return { services, watchlists };
}
