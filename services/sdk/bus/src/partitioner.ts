// Kafka's default key partitioning (murmur2 of the key's UTF-8 bytes, as the Java client and
// kafkajs do), shared by both buses so one key lands in the same partition on MemoryBus and on a
// real cluster. Keys are hashed from the string itself: kafkajs's murmur2 turns every key into a
// Buffer first, and on the publish path that allocation was most of the partitioner's cost.
import { Partitioners, type PartitionMetadata } from 'kafkajs';

import { utf8Length } from '@puente/kafka-client';

export type KeyPartitioner = (topic: string, key: string | null, partitionCount: number) => number;

const SEED = 0x9747b28c;
const M = 0x5bd1e995;

/**
 * Kafka's murmur2 (seed 0x9747b28c) of a string whose char codes are bytes (0-255): the key
 * itself when it is ASCII, else its UTF-8 bytes as a latin1 string. Returns a signed 32-bit int.
 */
function murmur2OfByteString(bytes: string): number {
  const length = bytes.length;
  let h = SEED ^ length;
  const whole = length & ~3;
  for (let i = 0; i < whole; i += 4) {
    let k =
      bytes.charCodeAt(i) |
      (bytes.charCodeAt(i + 1) << 8) |
      (bytes.charCodeAt(i + 2) << 16) |
      (bytes.charCodeAt(i + 3) << 24);
    k = Math.imul(k, M);
    k ^= k >>> 24;
    k = Math.imul(k, M);
    h = Math.imul(h, M) ^ k;
  }
  const rest = length & 3;
  if (rest === 3) h ^= bytes.charCodeAt(whole + 2) << 16;
  if (rest >= 2) h ^= bytes.charCodeAt(whole + 1) << 8;
  if (rest >= 1) {
    h ^= bytes.charCodeAt(whole);
    h = Math.imul(h, M);
  }
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}

/** Kafka's murmur2 of a key's UTF-8 bytes, as a signed 32-bit int. */
export function murmur2(key: string): number {
  // A string is ASCII exactly when its UTF-8 is as long as it is.
  return murmur2OfByteString(utf8Length(key) === key.length ? key : Buffer.from(key, 'utf8').toString('latin1'));
}

export function createKeyPartitioner(): KeyPartitioner {
  // Keyless records keep kafkajs's round robin.
  const roundRobin = Partitioners.DefaultPartitioner();
  const metadata = new Map<number, PartitionMetadata[]>();
  return (topic, key, partitionCount) => {
    if (key !== null) return (murmur2(key) & 0x7fffffff) % partitionCount;
    let partitionMetadata = metadata.get(partitionCount);
    if (!partitionMetadata) {
      partitionMetadata = Array.from({ length: partitionCount }, (_, partitionId) => ({
        partitionId,
        leader: 0,
        partitionErrorCode: 0,
        replicas: [0],
        isr: [0],
      }));
      metadata.set(partitionCount, partitionMetadata);
    }
    return roundRobin({ topic, partitionMetadata, message: { key, value: null } });
  };
}
