// Reads a topic from its earliest retained record to its end as of the call, outside any group:
// the pre-clearance service learns its earlier decisions this way before it decides anything.
import type { Bus, ConsumedRecord } from '@puente/bus';

import { RiskError } from '../errors.js';

export interface ReadToEndOptions {
  readonly bus: Bus;
  readonly topic: string;
  readonly timeoutMs: number;
  readonly onRecord: (record: ConsumedRecord) => void;
}

export async function readToEnd({ bus, topic, timeoutMs, onRecord }: ReadToEndOptions): Promise<void> {
  const info = (await bus.admin.listTopics()).find((t) => t.topic === topic);
  if (!info) throw new RiskError({ code: 'CATCH_UP_FAILED', message: `topic ${topic} does not exist` });
  const wanted = info.partitions.filter((p) => BigInt(p.high) > BigInt(p.low));
  if (wanted.length === 0) return;
  const remaining = new Map(wanted.map((p) => [p.partition, BigInt(p.high)]));
  let finish!: () => void;
  const done = new Promise<void>((resolve) => (finish = resolve));
  const reader = await bus.readFrom({
    topic,
    positions: wanted.map((p) => ({ partition: p.partition, offset: p.low })),
    handler: async (batch) => {
      const target = remaining.get(batch.partition);
      for (const record of batch.records) {
        if (target !== undefined && BigInt(record.offset) >= target) break;
        onRecord(record);
        if (target !== undefined && BigInt(record.offset) + 1n >= target) remaining.delete(batch.partition);
      }
      if (remaining.size === 0) finish();
    },
  });
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new RiskError({
            code: 'CATCH_UP_FAILED',
            retriable: true,
            message: `reading ${topic} to its end took longer than ${timeoutMs} ms (partitions left: ${[...remaining.keys()].join(', ')})`,
          }),
        ),
      timeoutMs,
    );
  });
  try {
    await Promise.race([done, late]);
  } finally {
    clearTimeout(timer);
    await reader.stop();
  }
}
