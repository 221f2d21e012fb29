// Reads the publish-receipts topic into a gateway's dedupe window: at start everything the
// topic still holds (its retention is a little more than the window, so a restarted instance
// remembers what it and the others acknowledged), then every new receipt of the other instances. Receipts older than the window are passed over; unreadable ones are skipped with a
// warning, never a crash (the topic is shared, and a stray record must not stop publishing).
import type { Bus, Reader } from '@puente/bus';
import type { Logger } from '@puente/runtime';

import type { DedupeWindow } from './dedupe-window.js';
import { decodeReceipts, INSTANCE_HEADER } from './publish-receipts.js';

export interface ReceiptReaderOptions {
  readonly bus: Bus;
  readonly topic: string;
  /**
   * This instance: its own receipts are read past (what it acknowledged is in its window
   * already), sparing it the parse of everything it wrote. A restarted instance has a new id.
   */
  readonly instanceId: string;
  readonly window: DedupeWindow;
  readonly windowMs: number;
  readonly logger: Logger;
  readonly now?: () => number;
  /** Told how many receipts were added to the window (within it, whoever wrote them). */
  readonly onApplied?: (count: number) => void;
  /** Told of each unreadable record or entry. */
  readonly onSkipped?: (count: number) => void;
}

export interface ReceiptReader {
  /** Resolves once every receipt already in the topic at start is in the window. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

export function createReceiptReader(options: ReceiptReaderOptions): ReceiptReader {
  const { bus, topic, window, windowMs, logger } = options;
  const now = options.now ?? Date.now;
  let reader: Reader | undefined;
  const self = Buffer.from(options.instanceId, 'utf8');

  const apply = (value: Buffer | null, offset: string) => {
    const { receipts, problems } = decodeReceipts(value);
    if (problems.length > 0) {
      options.onSkipped?.(problems.length);
      logger.warn({ topic, offset, problems: problems.slice(0, 5) }, 'publish receipts skipped: record not readable');
    }
    const horizon = now() - windowMs;
    let applied = 0;
    for (const r of receipts) {
      if (r.acknowledgedAt < horizon) continue;
      // Never later than now: the window expires oldest first, and one receipt from a clock
      // ahead (or a bad one) at its head would keep everything behind it for good.
      window.add(r.dedupeKey, r, Math.min(r.acknowledgedAt, now()));
      applied++;
    }
    if (applied > 0) options.onApplied?.(applied);
  };

  return {
    async start() {
      const partitions = (await bus.admin.describeTopic(topic)).partitions;
      const ends = new Map(partitions.map((p) => [p.partition, Number(p.high)]));
      const behind = new Set(partitions.filter((p) => Number(p.low) < Number(p.high)).map((p) => p.partition));
      let caughtUp: () => void = () => undefined;
      const loaded = new Promise<void>((resolve) => (caughtUp = resolve));
      if (behind.size === 0) caughtUp();
      reader = await bus.readFrom({
        topic,
        positions: partitions.map((p) => ({ partition: p.partition, offset: p.low })),
        handler: async (batch) => {
          // A record is written after every receipt in it was acknowledged, by the same clock:
          // one older than the window holds nothing to remember, and is not even parsed.
          const horizon = now() - windowMs;
          for (const record of batch.records)
            if (record.timestamp >= horizon && !record.headers[INSTANCE_HEADER]?.equals(self))
              apply(record.value, record.offset);
          const last = batch.records[batch.records.length - 1];
          if (last && Number(last.offset) + 1 >= (ends.get(batch.partition) ?? 0) && behind.delete(batch.partition)) {
            if (behind.size === 0) caughtUp();
          }
        },
      });
      await loaded;
    },
    async stop() {
      await reader?.stop();
    },
  };
}
