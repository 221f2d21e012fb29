// The topics a country's risk service reads and writes, named by the shared vocabulary. Typed as
// the catalog's v1 topics (domainTopic types any major as `v${number}`), so the codec knows the
// value type of each.
import { type Country, domainTopic } from '@puente/runtime';

type V1Topic<D extends string> = `${Lowercase<Country>}.${D}.v1`;

export interface RiskTopics {
  readonly manifestTopic: V1Topic<'cargo-manifests'>;
  readonly resultTopic: V1Topic<'screening-results'>;
  readonly outputTopic: V1Topic<'risk-assessments'>;
}

export function riskTopicsOf(country: Country): RiskTopics {
  return {
    manifestTopic: domainTopic(country, 'cargo-manifests', 1) as V1Topic<'cargo-manifests'>,
    resultTopic: domainTopic(country, 'screening-results', 1) as V1Topic<'screening-results'>,
    outputTopic: domainTopic(country, 'risk-assessments', 1) as V1Topic<'risk-assessments'>,
  };
}
