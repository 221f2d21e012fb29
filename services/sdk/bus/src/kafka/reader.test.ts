import type { KafkaMessage } from 'kafkajs';
import { describe, expect, it } from 'vitest';

import type { RecordBatch } from '../types.js';
import { planRead, positionKey, readerBatchHandler } from './reader.js';

const counts: Record<string, number> = { a: 3, b: 2 };
const partitionCount = (topic: string) =>
  counts[topic] === undefined ? Promise.reject(new Error(`no ${topic}`)) : Promise.resolve(counts[topic]);

describe('planRead', () => {
  it('wants each partition named from its offset and leaves the rest of its topics paused', async () => {
    const plan = await planRead(
      {
        topics: [
          { topic: 'a', positions: [{ partition: 2, offset: '10' }] },
          {
            topic: 'b',
            positions: [
              { partition: 0, offset: '0' },
              { partition: 1, offset: '7' },
            ],
          },
        ],
        handler: () => Promise.resolve(),
      },
      partitionCount,
    );
    expect(plan.topics).toEqual(['a', 'b']);
    expect([...plan.wanted]).toEqual([
      [positionKey('a', 2), 10n],
      [positionKey('b', 0), 0n],
      [positionKey('b', 1), 7n],
    ]);
    expect(plan.unwanted).toEqual([{ topic: 'a', partitions: [0, 1] }]);
  });

  it('refuses a partition its topic does not have, before looking up the topics after it', async () => {
    const looked: string[] = [];
    const read = planRead(
      {
        topics: [
          { topic: 'b', positions: [{ partition: 2, offset: '0' }] },
          { topic: 'missing', positions: [{ partition: 0, offset: '0' }] },
        ],
        handler: () => Promise.resolve(),
      },
      (topic) => {
        looked.push(topic);
        return partitionCount(topic);
      },
    );
    await expect(read).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: 'b has no partition 2' });
    expect(looked).toEqual(['b']);
    await expect(
      planRead(
        { topic: 'a', positions: [{ partition: -1, offset: '0' }], handler: () => Promise.resolve() },
        partitionCount,
      ),
    ).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('refuses a reader of nothing', async () => {
    await expect(
      planRead({ topic: 'a', positions: [], handler: () => Promise.resolve() }, partitionCount),
    ).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});

describe('readerBatchHandler', () => {
  const message = (offset: number): KafkaMessage => ({
    key: null,
    value: Buffer.from(String(offset)),
    timestamp: '0',
    attributes: 0,
    offset: String(offset),
    size: 0,
  });
  const batch = (partition: number, offsets: number[]) => ({
    batch: { topic: 'a', partition, highWatermark: '100', messages: offsets.map(message) },
  });

  it('skips what comes before the wanted offset (a fetch before the seek landed), then moves on past each batch', async () => {
    const wanted = new Map([[positionKey('a', 0), 5n]]);
    const handed: RecordBatch[] = [];
    const handle = readerBatchHandler(wanted, (b) => {
      handed.push(b);
      return Promise.resolve();
    });
    await handle(batch(0, [0, 1, 2]));
    expect(handed).toEqual([]);
    await handle(batch(0, [3, 4, 5, 6]));
    expect(handed.map((b) => b.records.map((r) => r.offset))).toEqual([['5', '6']]);
    expect(handed[0]).toMatchObject({ topic: 'a', partition: 0, highWatermark: '100' });
    expect(wanted.get(positionKey('a', 0))).toBe(7n);
    await handle(batch(0, [6, 7]));
    expect(handed.map((b) => b.records.map((r) => r.offset))).toEqual([['5', '6'], ['7']]);
    expect(wanted.get(positionKey('a', 0))).toBe(8n);
  });

  it('hands on nothing of a partition it does not read', async () => {
    const handed: RecordBatch[] = [];
    const handle = readerBatchHandler(new Map([[positionKey('a', 0), 0n]]), (b) => {
      handed.push(b);
      return Promise.resolve();
    });
    await handle(batch(1, [0, 1]));
    expect(handed).toEqual([]);
  });

  it('wants the same records again when the handler fails', async () => {
    const wanted = new Map([[positionKey('a', 0), 0n]]);
    const handle = readerBatchHandler(wanted, () => Promise.reject(new Error('busy')));
    await expect(handle(batch(0, [0, 1]))).rejects.toThrow('busy');
    expect(wanted.get(positionKey('a', 0))).toBe(0n);
  });
});
