// Reading Kafka configs through kafkajs's DescribeConfigs: the resource kinds, and numeric values.
import type { ConfigResourceTypes, ConfigSource, DescribeConfigResponse } from 'kafkajs';

// kafkajs's enums as Kafka numbers them: Node's ESM loader cannot see them among kafkajs's
// CommonJS exports (its module.exports ends in a spread), so importing the values fails at run time.
export const TOPIC_RESOURCE = 2 as ConfigResourceTypes;
export const BROKER_RESOURCE = 4 as ConfigResourceTypes;
export const TOPIC_CONFIG_SOURCE = 1 as ConfigSource;

/** The least value of a numeric config across described resources; throws when none has it. */
export function configNumber(resources: DescribeConfigResponse['resources'], name: string): number {
  const values = resources
    .flatMap((resource) => resource.configEntries)
    .filter((entry) => entry.configName === name)
    .map((entry) => Number(entry.configValue))
    .filter((value) => Number.isSafeInteger(value) && value > 0);
  if (values.length === 0) throw new Error(`Kafka described no ${name}`);
  return Math.min(...values);
}
