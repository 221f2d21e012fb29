// The topics the risk process (cargo, traveller lanes, pre-clearance) reads and writes: created in
// development (PUENTE_ENSURE_TOPICS_PARTITIONS, as screening does), otherwise checked at start so a
// missing one is named in one sentence instead of surfacing as a failure deep inside a service.
import { deadLetterTopicOf, type Bus } from '@puente/bus';
import { domainTopic, type Country } from '@puente/runtime';

import { RiskError } from './errors.js';
import { riskTopicsOf } from './topics.js';
import { travellerRiskTopicsOf } from './traveller-topics.js';

export interface RiskProcessTopics {
  /** Topics consumed (each has its `dlq.<topic>`) and written, at the given partition count. */
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
}

export function riskProcessTopicsOf(country: Country): RiskProcessTopics {
  const cargo = riskTopicsOf(country);
  const travellers = travellerRiskTopicsOf(country);
  return {
    // The risk assessments are also an input: the pre-clearance service consumes them.
    inputs: [
      cargo.manifestTopic,
      cargo.resultTopic,
      travellers.crossingTopic,
      travellers.registryTopic,
      cargo.outputTopic,
    ],
    outputs: [domainTopic(country, 'pre-clearance-decisions', 1)],
  };
}

/** Every topic of the process with its partitions (dead-letter topics: one). */
export function riskTopicsToEnsure(country: Country, partitions: number): { topic: string; partitions: number }[] {
  const { inputs, outputs } = riskProcessTopicsOf(country);
  return [
    ...[...inputs, ...outputs].map((topic) => ({ topic, partitions })),
    ...inputs.map((topic) => ({ topic: deadLetterTopicOf(topic), partitions: 1 })),
  ];
}

/**
 * Creates the process's topics when `ensurePartitions` is set (development); otherwise fails with
 * an error naming every topic missing. Dead-letter topics are not checked (no service checks
 * them): a missing one fails the dead letter's write, and the record is retried, not lost.
 */
export async function prepareRiskTopics(bus: Bus, country: Country, ensurePartitions?: number): Promise<void> {
  if (ensurePartitions) {
    await bus.admin.ensureTopics(riskTopicsToEnsure(country, ensurePartitions));
    return;
  }
  const { inputs, outputs } = riskProcessTopicsOf(country);
  const existing = new Set((await bus.admin.listTopics()).map((t) => t.topic));
  const missing = [...inputs, ...outputs].filter((topic) => !existing.has(topic));
  if (missing.length > 0) {
    throw new RiskError({
      code: 'MISSING_TOPICS',
      message: `topic${missing.length > 1 ? 's' : ''} missing: ${missing.join(', ')}; create ${missing.length > 1 ? 'them' : 'it'} (in development, set PUENTE_ENSURE_TOPICS_PARTITIONS to let the risk process create its topics)`,
    });
  }
}
