// Durable subscription cursors: the next offset to deliver per (subscription, topic, partition),
// kept in a compacted Kafka topic so any gateway instance resumes where another left off.
// Puente holds no state of its own: restarting reads the topic back.
import type { Bus, Reader } from '@puente/bus';
import { SUBSCRIPTION_CURSOR_TOPIC } from '@puente/runtime';

/** topic → partition → next offset to deliver (everything before it is acknowledged or withheld). */
export type CursorPositions = Readonly<Record<string, Readonly<Record<string, string>>>>;

export interface CursorStore {
  start(): Promise<void>;
  stop(): Promise<void>;
  get(subscriptionId: string): CursorPositions | undefined;
  /** Durably records new positions; resolves once the bus has them. */
  commit(subscriptionId: string, topic: string, positions: ReadonlyMap<number, number>): Promise<void>;
  /** Resolves once every commit made so far has landed or failed. */
  flush(): Promise<void>;
  all(): ReadonlyMap<string, CursorPositions>;
}

export function createCursorStore(bus: Bus, topic = SUBSCRIPTION_CURSOR_TOPIC): CursorStore {
  const cursors = new Map<string, CursorPositions>();
  let reader: Reader | undefined;
  const writing = new Set<Promise<void>>();

  const apply = (id: string, update: CursorPositions) => {
    const current = cursors.get(id) ?? {};
    const merged: Record<string, Record<string, string>> = {};
    for (const [t, partitions] of Object.entries(current)) merged[t] = { ...partitions };
    for (const [t, partitions] of Object.entries(update)) merged[t] = { ...(merged[t] ?? {}), ...partitions };
    cursors.set(id, merged);
  };

  return {
    async start() {
      await bus.admin.ensureTopics([{ topic, partitions: 1, cleanupPolicy: 'compact', retentionMs: -1 }]);
      const info = (await bus.admin.listTopics()).find((t) => t.topic === topic);
      const high = Number(info?.partitions[0]?.high ?? '0');
      let position = Number(info?.partitions[0]?.low ?? '0');
      let loaded: () => void = () => undefined;
      const caughtUp = new Promise<void>((resolve) => {
        loaded = resolve;
      });
      if (position >= high) loaded();
      // Keeps reading after start-up, so cursors written by other gateway instances arrive too.
      reader = await bus.readFrom({
        topic,
        positions: [{ partition: 0, offset: String(position) }],
        handler: async (batch) => {
          for (const record of batch.records) {
            if (record.key && record.value)
              apply(record.key, JSON.parse(record.value.toString('utf8')) as CursorPositions);
            position = Number(record.offset) + 1;
          }
          if (position >= high) loaded();
        },
      });
      await caughtUp;
    },
    async stop() {
      await reader?.stop();
    },
    get: (id) => cursors.get(id),
    all: () => cursors,
    async commit(id, t, positions) {
      const update: Record<string, Record<string, string>> = { [t]: {} };
      for (const [partition, offset] of positions)
        (update[t] as Record<string, string>)[String(partition)] = String(offset);
      const written = bus.publish(topic, [{ key: id, value: Buffer.from(JSON.stringify(update)) }]).then(() => {
        apply(id, update);
      });
      const tracked = written.catch(() => undefined).finally(() => writing.delete(tracked));
      writing.add(tracked);
      return written;
    },
    async flush() {
      await Promise.all([...writing]);
    },
  };
}
