// The topics one country's screening reads and writes, and those it creates in development.
import { type Country, deadLetterTopicOf, domainTopic } from '@puente/runtime';

export const manifestTopicOf = (country: Country): string => domainTopic(country, 'cargo-manifests');
export const crossingTopicOf = (country: Country): string => domainTopic(country, 'traveller-crossings');
export const resultTopicOf = (country: Country): string => domainTopic(country, 'screening-results');

/** Inputs and output with `partitions` partitions each, and each input's dead-letter topic with one. */
export function topicsToEnsure(
  inputTopics: readonly string[],
  outputTopic: string,
  partitions: number,
): { topic: string; partitions: number }[] {
  return [
    ...[...inputTopics, outputTopic].map((topic) => ({ topic, partitions })),
    ...inputTopics.map((topic) => ({ topic: deadLetterTopicOf(topic), partitions: 1 })),
  ];
}
