import { describe, expect, it } from 'vitest';

import { MemoryBus } from './memory-bus.js';
import { waitFor } from '@puente/runtime/testing';

import { describeBusContract } from './testing/bus-contract.js';
import type { ConsumedRecord } from './types.js';

describeBusContract('MemoryBus', {
  makeBus: async () => {
    const bus = new MemoryBus();
    await bus.start();
    return bus;
  },
  settleTimeoutMs: 2_000,
});

describe('MemoryBus retention and limits', () => {
  it('keeps at most maxRecordsPerPartition records and moves a lagging consumer to the earliest kept', async () => {
    const bus = new MemoryBus({ maxRecordsPerPartition: 100 });
    await bus.start();
    await bus.admin.ensureTopics([{ topic: 't', partitions: 1 }]);
    await bus.publish(
      't',
      Array.from({ length: 250 }, (_, i) => ({ key: 'k', value: Buffer.from(String(i)) })),
    );
    const [info] = await bus.admin.listTopics();
    expect(info?.partitions[0]).toEqual({ partition: 0, low: '150', high: '250' });
    const received: ConsumedRecord[] = [];
    await bus.subscribe({
      groupId: 'g',
      topics: ['t'],
      fromBeginning: true,
      handler: async (batch) => {
        received.push(...batch.records);
      },
    });
    await waitFor(() => received.length === 100, 2_000, 'retained records');
    expect(received[0]?.offset).toBe('150');
    expect(received[0]?.value?.toString()).toBe('150');
    await bus.stop();
  });

  it('drops records older than the topic retention time', async () => {
    let now = 1_000_000;
    const bus = new MemoryBus({ now: () => now });
    await bus.start();
    await bus.admin.ensureTopics([{ topic: 't', partitions: 1, retentionMs: 1_000 }]);
    await bus.publish('t', [{ key: 'k', value: Buffer.from('old') }]);
    now += 5_000;
    await bus.publish('t', [{ key: 'k', value: Buffer.from('new') }]);
    const [info] = await bus.admin.listTopics();
    expect(info?.partitions[0]).toEqual({ partition: 0, low: '1', high: '2' });
    await bus.stop();
  });

  it('rejects an oversized record without accepting any record of its batch', async () => {
    const bus = new MemoryBus({ maxRecordBytes: 1_000 });
    await bus.start();
    await bus.admin.ensureTopics([{ topic: 't', partitions: 1 }]);
    const error = await bus
      .publish('t', [
        { key: 'ok', value: Buffer.alloc(10) },
        { key: 'big', value: Buffer.alloc(2_000) },
      ])
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'RECORD_TOO_LARGE' });
    const [info] = await bus.admin.listTopics();
    expect(info?.partitions[0]?.high).toBe('0');
    await bus.stop();
  });

  it('redelivers a batch whose handler failed', async () => {
    const bus = new MemoryBus();
    await bus.start();
    await bus.admin.ensureTopics([{ topic: 't', partitions: 1 }]);
    await bus.publish('t', [{ key: 'k', value: Buffer.from('x') }]);
    let attempts = 0;
    await bus.subscribe({
      groupId: 'g',
      topics: ['t'],
      fromBeginning: true,
      handler: async () => {
        attempts++;
        if (attempts === 1) throw new Error('transient');
      },
    });
    await waitFor(() => attempts === 2, 2_000, 'a second attempt');
    await bus.stop();
  });

  it('refuses to work before start', async () => {
    const bus = new MemoryBus();
    await expect(bus.publish('t', [])).rejects.toMatchObject({ code: 'NOT_STARTED' });
  });
});
