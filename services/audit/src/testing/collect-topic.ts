// Everything a topic holds and will hold, gathered as it arrives (a reader from offset 0 of
// every partition), for tests that wait on what a service published.
import type { Bus, ConsumedRecord, Reader } from '@puente/bus';

export interface Collected {
  readonly records: ConsumedRecord[];
  stop(): Promise<void>;
}

export async function collectTopic(bus: Bus, topic: string): Promise<Collected> {
  const { partitions } = await bus.admin.describeTopic(topic);
  const records: ConsumedRecord[] = [];
  const reader: Reader = await bus.readFrom({
    topic,
    positions: partitions.map((p) => ({ partition: p.partition, offset: p.low })),
    handler: async (batch) => {
      records.push(...batch.records);
    },
  });
  return { records, stop: () => reader.stop() };
}
