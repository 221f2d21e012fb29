// The disclosure topic on real Kafka: created with retention.ms and retention.bytes -1 and the
// configured min.insync.replicas (read back from the broker); an existing one with seven days'
// retention stops the gateway's start with a message naming the topic and its retention; a
// replication factor the single test broker cannot hold is refused naming its variable. Each test
// uses a topic of its own: the shared broker's real disclosure topic stays as the suite made it
// (the gateway start test renames it through a thin bus wrapper).
import { randomUUID } from 'node:crypto';

import { type Bus, type BusAdmin, KafkaBus } from '@puente/bus';
import { testKafkaBrokers } from '@puente/bus/testing';
import { createCodec } from '@puente/contracts';
import { DISCLOSURE_TOPIC } from '@puente/runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startTestGateway } from '../testing/index.js';
import { ensureAuditTopic, SINGLE_BROKER_AUDIT_TOPIC } from './audit-topic.js';

const WEEK_MS = 7 * 24 * 3_600_000;

/** `inner` with the disclosure topic called `name`: admin and publish see only the new name. */
function renamingDisclosureTopic(inner: Bus, name: string): Bus {
  const to = (topic: string) => (topic === DISCLOSURE_TOPIC ? name : topic);
  const admin: BusAdmin = {
    ensureTopics: (specs) => inner.admin.ensureTopics(specs.map((spec) => ({ ...spec, topic: to(spec.topic) }))),
    listTopics: () => inner.admin.listTopics(),
    describeTopic: (topic) => inner.admin.describeTopic(to(topic)),
    describeGroup: (groupId, topics) => inner.admin.describeGroup(groupId, topics.map(to)),
    listGroups: (options) => inner.admin.listGroups(options),
    deleteTopics: (topics) => inner.admin.deleteTopics(topics.map(to)),
  };
  const wrapped = Object.create(inner) as Bus & { admin: BusAdmin };
  Object.defineProperty(wrapped, 'admin', { value: admin });
  wrapped.publish = (topic, records) => inner.publish(to(topic), records);
  return wrapped;
}

describe('the disclosure topic on Kafka', () => {
  let bus: KafkaBus;
  const made: string[] = [];
  const topicName = () => {
    const name = `test.audit-topic.${randomUUID()}`;
    made.push(name);
    return name;
  };
  beforeAll(async () => {
    bus = new KafkaBus({ brokers: testKafkaBrokers(), clientId: 'audit-topic-test' });
    await bus.start();
  });
  afterAll(async () => {
    const existing = new Set((await bus.admin.listTopics()).map((t) => t.topic));
    const ours = made.filter((topic) => existing.has(topic));
    if (ours.length > 0) await bus.admin.deleteTopics(ours);
    await bus.stop();
  });

  it('is created keeping records forever, with the configured min.insync.replicas', async () => {
    const topic = topicName();
    expect(await ensureAuditTopic(bus, { ...SINGLE_BROKER_AUDIT_TOPIC, partitions: 2, topic })).toBe(true);
    const described = await bus.admin.describeTopic(topic);
    expect(described).toMatchObject({ retentionMs: -1, retentionBytes: -1, cleanupPolicy: 'delete' });
    expect(described.config).toMatchObject({
      'retention.ms': '-1',
      'retention.bytes': '-1',
      'cleanup.policy': 'delete',
      'min.insync.replicas': '1',
    });
    expect(described.partitions.map((p) => p.replicas.length)).toEqual([1, 1]);
    // A second start finds it as it should be.
    expect(await ensureAuditTopic(bus, { ...SINGLE_BROKER_AUDIT_TOPIC, partitions: 2, topic })).toBe(false);
  });

  it('stops the gateway from starting when it exists with seven days of retention', async () => {
    const topic = topicName();
    // As ensureTopics made it before: seven days, the delete policy.
    await bus.admin.ensureTopics([{ topic, partitions: 1 }]);
    expect((await bus.admin.describeTopic(topic)).retentionMs).toBe(WEEK_MS);
    const start = startTestGateway({ bus: renamingDisclosureTopic(bus, topic), codec: createCodec(), partitions: 1 });
    // The gateway names its topic (the wrapper renames it underneath) and the retention found.
    await expect(start).rejects.toThrow(
      `disclosure topic ${DISCLOSURE_TOPIC} would delete disclosures (retention.ms=${WEEK_MS}); the gateway refuses to start`,
    );
    await expect(start).rejects.toMatchObject({ name: 'AuditTopicError', code: 'WOULD_EXPIRE' });
    // Refused, not repaired: the topic is as it was.
    expect((await bus.admin.describeTopic(topic)).retentionMs).toBe(WEEK_MS);
  });

  it('refuses a replication factor the cluster cannot hold, naming PUENTE_AUDIT_REPLICATION_FACTOR', async () => {
    const topic = topicName();
    const refusal = ensureAuditTopic(bus, { replicationFactor: 3, minInsyncReplicas: 2, partitions: 1, topic });
    await expect(refusal).rejects.toMatchObject({ code: 'REPLICATION_UNREACHABLE' });
    await expect(refusal).rejects.toThrow(
      new RegExp(
        `cannot create disclosure topic ${topic.replaceAll('.', '\\.')} with replication factor 3.*PUENTE_AUDIT_REPLICATION_FACTOR`,
      ),
    );
    expect((await bus.admin.listTopics()).some((t) => t.topic === topic)).toBe(false);
  });
});
