// The topics one country's screening reads and writes, and those it creates in development.
import { type Country, deadLetterTopicOf, domainTopic } from '@puente/runtime';

export const manifestTopicOf = (country: Country): string => domainTopic(country, 'cargo-manifests');
export const resultTopicOf = (country: Country): string => domainTopic(country, 'screening-results');

/** Input and output with `partitions` partitions each, and the input's dead-letter topic with one. */
export function topicsToEnsure(
  inputTopic: string,
  outputTopic: string,
  partitions: number,
): { topic: string; partitions: number }[] {
  return [inputTopic, outputTopic, deadLetterTopicOf(inputTopic)].map((topic) => ({
    topic,
    partitions: topic === deadLetterTopicOf(inputTopic) ? 1 : partitions,
  }));
}
