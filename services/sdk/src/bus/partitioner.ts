// Kafka's default key partitioning (murmur2, as the Java client and kafkajs do), shared by both
// buses so one key lands in the same partition on MemoryBus and on a real cluster.
import { Partitioners, type PartitionMetadata } from 'kafkajs';

export type KeyPartitioner = (topic: string, key: string | null, partitionCount: number) => number;

export function createKeyPartitioner(): KeyPartitioner {
  const partition = Partitioners.DefaultPartitioner();
  const metadata = new Map<number, PartitionMetadata[]>();
  return (topic, key, partitionCount) => {
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
    return partition({ topic, partitionMetadata, message: { key, value: null } });
  };
}
