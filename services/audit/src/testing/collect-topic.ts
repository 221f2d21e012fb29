// What a topic holds and will hold, gathered as it arrives (a reader of every partition), for
// tests that wait on what a service published.
import type { Bus, ConsumedRecord, Reader } from '@puente/bus';

export interface Collected {
  readonly records: ConsumedRecord[];
  stop(): Promise<void>;
}

/** From the start of every partition, or (`fromEnd`) only what is published from now on. */
export async function collectTopic(bus: Bus, topic: string, options: { fromEnd?: boolean } = {}): Promise<Collected> {
  const { partitions } = await bus.admin.describeTopic(topic);
  const records: ConsumedRecord[] = [];
  const reader: Reader = await bus.readFrom({
    topic,
    positions: partitions.map((p) => ({ partition: p.partition, offset: options.fromEnd ? p.high : p.low })),
    handler: async (batch) => {
      records.push(...batch.records);
    },
  });
  return { records, stop: () => reader.stop() };
}
