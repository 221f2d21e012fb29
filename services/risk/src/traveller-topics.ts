// The topics a country's traveller risk service reads and writes, named by the shared vocabulary and
// typed as the catalog's v1 topics so the codec knows the value type of each.
import { type Country, domainTopic } from '@puente/runtime';

import { riskTopicsOf, type RiskTopics } from './topics.js';

type V1Topic<D extends string> = `${Lowercase<Country>}.${D}.v1`;

export interface TravellerRiskTopics {
  readonly crossingTopic: V1Topic<'traveller-crossings'>;
  readonly resultTopic: RiskTopics['resultTopic'];
  /** This country's trusted-traveller registry. */
  readonly registryTopic: V1Topic<'trusted-travellers'>;
  /** Shared with the cargo assessments. */
  readonly outputTopic: RiskTopics['outputTopic'];
}

export function travellerRiskTopicsOf(country: Country): TravellerRiskTopics {
  const { resultTopic, outputTopic } = riskTopicsOf(country);
  return {
    crossingTopic: domainTopic(country, 'traveller-crossings', 1) as V1Topic<'traveller-crossings'>,
    resultTopic,
    registryTopic: domainTopic(country, 'trusted-travellers', 1) as V1Topic<'trusted-travellers'>,
    outputTopic,
  };
}
