import type { Worker } from 'node:worker_threads';

import { describe, expect, it } from 'vitest';

import { KafkaBus } from './kafka-bus.js';
import { describeBusContract } from './testing/bus-contract.js';
import { testKafkaBrokers } from './testing/index.js';

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

  it('fails only the call whose record is too large when others are published at the same time', async () => {
    const bus = new KafkaBus({ brokers, retries: 1 });
    await bus.start();
    const topic = `contract.too-large-among-others.${Date.now()}`;
    await bus.admin.ensureTopics([{ topic, partitions: 1 }]);
    const small = (n: number) => bus.publish(topic, [{ key: 'k', value: Buffer.from(`small-${n}`) }]);
    const calls = [small(1), bus.publish(topic, [{ key: 'k', value: Buffer.alloc(2 * 1024 * 1024) }]), small(2)];
    const [first, huge, last] = await Promise.allSettled(calls);
    expect(huge).toMatchObject({ status: 'rejected', reason: { code: 'RECORD_TOO_LARGE' } });
    expect(first?.status).toBe('fulfilled');
    expect(last?.status).toBe('fulfilled');
    const info = (await bus.admin.listTopics()).find((t) => t.topic === topic);
    expect(info?.partitions[0]?.high).toBe('2');
    await bus.stop();
  });

  it('settles every queued publish when stopped: written, or refused with a BusError', async () => {
    const bus = new KafkaBus({ brokers, retries: 1 });
    await bus.start();
    const topic = `contract.stop-queued.${Date.now()}`;
    await bus.admin.ensureTopics([{ topic, partitions: 1 }]);
    // The first call warms the topic's metadata so the rest queue behind a request in flight.
    await bus.publish(topic, [{ key: 'k', value: Buffer.from('warm') }]);
    const calls = Array.from({ length: 40 }, (_, i) =>
      bus.publish(topic, [{ key: 'k', value: Buffer.alloc(100_000, i) }]),
    );
    const stopped = bus.stop();
    const outcomes = await Promise.race([
      Promise.allSettled(calls),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error('a publish never settled')), 20_000)),
    ]);
    await stopped;
    const refused = outcomes.filter((o) => o.status === 'rejected');
    expect(refused.length).toBeGreaterThan(0);
    for (const outcome of refused) expect(outcome.reason).toHaveProperty('code');
    expect(refused.some((o) => o.reason.code === 'STOPPED')).toBe(true);
  });

  it('replaces a producer thread that ends unexpectedly and publishes again', async () => {
    const bus = new KafkaBus({ brokers, retries: 1 });
    await bus.start();
    const topic = `contract.thread-replaced.${Date.now()}`;
    await bus.admin.ensureTopics([{ topic, partitions: 1 }]);
    await bus.publish(topic, [{ key: 'k', value: Buffer.from('before') }]);
    const thread = (bus as unknown as { lanes: { thread: { worker: Worker } } }).lanes.thread;
    await thread.worker.terminate();
    // Calls may be refused as UNAVAILABLE while the new thread connects; then they go through.
    const deadline = Date.now() + 20_000;
    let published: readonly { offset: string }[] | undefined;
    while (!published && Date.now() < deadline) {
      published = await bus.publish(topic, [{ key: 'k', value: Buffer.from('after') }]).catch((error: unknown) => {
        expect(error).toHaveProperty('code');
        return undefined;
      });
      if (!published) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(published?.[0]?.offset).toBe('1');
    await bus.stop();
  });
});
