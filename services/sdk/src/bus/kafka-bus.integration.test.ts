import { describe, expect, it } from 'vitest';

import { KafkaBus } from './kafka-bus.js';
import { describeBusContract } from './testing/bus-contract.js';
import { testKafkaBrokers } from '../testing/index.js';

const brokers = testKafkaBrokers();

describeBusContract('KafkaBus', {
  makeBus: async () => {
    const bus = new KafkaBus({ brokers, clientId: 'bus-contract', heartbeatIntervalMs: 500, sessionTimeoutMs: 6_000 });
    await bus.start();
    return bus;
  },
  settleTimeoutMs: 30_000,
});

describe('KafkaBus failures', () => {
  it('fails to start with UNAVAILABLE naming the address when no broker answers', async () => {
    const bus = new KafkaBus({ brokers: ['127.0.0.1:1'], retries: 1, connectionTimeoutMs: 500 });
    const error = await bus.start().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'UNAVAILABLE', retriable: true });
    expect((error as Error).message).toContain('127.0.0.1:1');
  });

  it('rejects a record larger than the broker accepts with RECORD_TOO_LARGE', async () => {
    const bus = new KafkaBus({ brokers, retries: 1 });
    await bus.start();
    const topic = `contract.too-large.${Date.now()}`;
    await bus.admin.ensureTopics([{ topic, partitions: 1 }]);
    const error = await bus
      .publish(topic, [{ key: 'k', value: Buffer.alloc(2 * 1024 * 1024) }])
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'RECORD_TOO_LARGE' });
    const info = (await bus.admin.listTopics()).find((t) => t.topic === topic);
    expect(info?.partitions[0]?.high).toBe('0');
    await bus.stop();
  });
});
