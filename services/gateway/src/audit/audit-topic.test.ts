// The disclosure topic at start, on MemoryBus and a bus that fails as Kafka does: created to
// keep records forever, an existing one that would expire or compact them refused (the gateway
// does not start), settings no cluster could honour refused naming their variables.
import { type Bus, BusError, MemoryBus } from '@puente/bus';
import { createCodec } from '@puente/contracts';
import { DISCLOSURE_TOPIC } from '@puente/runtime';
import { afterEach, describe, expect, it } from 'vitest';

import { startTestGateway } from '../testing/index.js';
import { AuditTopicError, ensureAuditTopic, SINGLE_BROKER_AUDIT_TOPIC } from './audit-topic.js';

const WEEK_MS = 7 * 24 * 3_600_000;

describe('ensureAuditTopic', () => {
  let bus: MemoryBus | undefined;
  afterEach(async () => {
    await bus?.stop();
    bus = undefined;
  });
  const started = async () => {
    bus = new MemoryBus();
    await bus.start();
    return bus;
  };

  it('creates a missing disclosure topic that keeps records forever, and accepts it from then on', async () => {
    const b = await started();
    expect(await ensureAuditTopic(b, { ...SINGLE_BROKER_AUDIT_TOPIC, partitions: 2 })).toBe(true);
    const described = await b.admin.describeTopic(DISCLOSURE_TOPIC);
    expect(described).toMatchObject({ retentionMs: -1, retentionBytes: -1, cleanupPolicy: 'delete' });
    expect(described.partitions).toHaveLength(2);
    expect(await ensureAuditTopic(b, { ...SINGLE_BROKER_AUDIT_TOPIC, partitions: 2 })).toBe(false);
  });

  it('refuses an existing topic that would expire records, naming the topic and its retention', async () => {
    const b = await started();
    await b.admin.ensureTopics([{ topic: DISCLOSURE_TOPIC, partitions: 1, retentionMs: WEEK_MS }]);
    const refusal = ensureAuditTopic(b, { ...SINGLE_BROKER_AUDIT_TOPIC, partitions: 1 });
    await expect(refusal).rejects.toBeInstanceOf(AuditTopicError);
    await expect(refusal).rejects.toMatchObject({ code: 'WOULD_EXPIRE' });
    await expect(refusal).rejects.toThrow(
      `disclosure topic ${DISCLOSURE_TOPIC} would delete disclosures (retention.ms=${WEEK_MS})`,
    );
  });

  it('refuses an existing compacted topic', async () => {
    const b = await started();
    await b.admin.ensureTopics([{ topic: DISCLOSURE_TOPIC, partitions: 1, retentionMs: -1, cleanupPolicy: 'compact' }]);
    await expect(ensureAuditTopic(b, { ...SINGLE_BROKER_AUDIT_TOPIC, partitions: 1 })).rejects.toThrow(
      /cleanup\.policy=compact/,
    );
  });

  it('refuses settings no cluster could honour before asking it anything, naming the variable', async () => {
    const b = await started();
    await expect(ensureAuditTopic(b, { replicationFactor: 0, minInsyncReplicas: 1, partitions: 1 })).rejects.toThrow(
      /PUENTE_AUDIT_REPLICATION_FACTOR/,
    );
    await expect(ensureAuditTopic(b, { replicationFactor: 2, minInsyncReplicas: 3, partitions: 1 })).rejects.toThrow(
      /PUENTE_AUDIT_MIN_INSYNC_REPLICAS/,
    );
    expect(await b.admin.listTopics()).toEqual([]);
  });

  it('says which variable to lower when the cluster has fewer brokers than the replication factor', async () => {
    // What KafkaBus throws for Kafka's INVALID_REPLICATION_FACTOR (kafkajs's protocol error as cause).
    const cause = Object.assign(new Error('Replication-factor is invalid'), { type: 'INVALID_REPLICATION_FACTOR' });
    const bus = {
      admin: {
        ensureTopics: () =>
          Promise.reject(new BusError({ code: 'INTERNAL', message: 'creating topics: failed', cause })),
      },
    } as unknown as Bus;
    const refusal = ensureAuditTopic(bus, { replicationFactor: 3, minInsyncReplicas: 2, partitions: 3 });
    await expect(refusal).rejects.toMatchObject({ code: 'REPLICATION_UNREACHABLE' });
    await expect(refusal).rejects.toThrow(/replication factor 3.*PUENTE_AUDIT_REPLICATION_FACTOR/);
  });
});

describe('a gateway whose disclosure topic would expire records', () => {
  it('does not start', async () => {
    const bus = new MemoryBus();
    await bus.start();
    try {
      await bus.admin.ensureTopics([{ topic: DISCLOSURE_TOPIC, partitions: 1, retentionMs: WEEK_MS }]);
      await expect(startTestGateway({ bus, codec: createCodec(), partitions: 1 })).rejects.toThrow(
        `disclosure topic ${DISCLOSURE_TOPIC} would delete disclosures (retention.ms=${WEEK_MS})`,
      );
    } finally {
      await bus.stop();
    }
  });
});
