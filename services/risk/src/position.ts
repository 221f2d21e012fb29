// Where a consumed record sits: its topic, partition and offset, the offset a number as the bus's
// offset tracker counts it. The join buffer pins positions; the input loop takes them.
import type { TopicPartition } from '@puente/bus';

export interface Position extends TopicPartition {
  readonly offset: number;
}

/** One string per topic partition, for sets and maps. */
export const partitionKey = (p: TopicPartition): string => `${p.topic}\u0000${p.partition}`;
