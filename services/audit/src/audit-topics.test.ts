import { MemoryBus } from '@puente/bus';
import { auditCheckpointTopic, deadLetterTopicOf, DISCLOSURE_TOPIC } from '@puente/runtime';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { disclosurePartitions, ensureAuditTopics } from './audit-topics.js';

describe('the audit service’s topics', () => {
  let bus: MemoryBus;
  beforeEach(async () => {
    bus = new MemoryBus();
    await bus.start();
  });
  afterEach(() => bus.stop());

  it('creates its checkpoint topic and the disclosure dead letters, kept forever', async () => {
    await ensureAuditTopics(bus, { country: 'MX', replicationFactor: 1 });
    for (const topic of [auditCheckpointTopic('MX'), deadLetterTopicOf(DISCLOSURE_TOPIC)]) {
      const described = await bus.admin.describeTopic(topic);
      expect(described.retentionMs).toBe(-1);
      expect(described.partitions).toHaveLength(1);
    }
  });

  it('keeps the dead letters of another disclosure topic beside it when given one (a test’s own)', async () => {
    await ensureAuditTopics(bus, { country: 'US', replicationFactor: 1, disclosureTopic: 'test.disclosures.a' });
    const topics = (await bus.admin.listTopics()).map((t) => t.topic);
    expect(topics).toContain(deadLetterTopicOf('test.disclosures.a'));
    expect(topics).not.toContain(deadLetterTopicOf(DISCLOSURE_TOPIC));
    await expect(disclosurePartitions(bus, 'test.disclosures.a')).rejects.toMatchObject({
      message: expect.stringContaining('test.disclosures.a does not exist'),
    });
  });

  it('refuses a checkpoint topic that would expire checkpoints, saying how to fix it', async () => {
    await bus.admin.ensureTopics([{ topic: auditCheckpointTopic('US'), partitions: 1, retentionMs: 604_800_000 }]);
    await expect(ensureAuditTopics(bus, { country: 'US', replicationFactor: 1 })).rejects.toMatchObject({
      code: 'TOPIC_UNFIT',
      message: expect.stringContaining('us.audit-checkpoints.v1 would delete checkpoints (retention.ms=604800000)'),
    });
  });

  it('refuses a compacted checkpoint topic too (compaction deletes records as retention does)', async () => {
    await bus.admin.ensureTopics([
      { topic: auditCheckpointTopic('MX'), partitions: 1, retentionMs: -1, cleanupPolicy: 'compact' },
    ]);
    await expect(ensureAuditTopics(bus, { country: 'MX', replicationFactor: 1 })).rejects.toMatchObject({
      code: 'TOPIC_UNFIT',
      message: expect.stringContaining('mx.audit-checkpoints.v1 would delete checkpoints (cleanup.policy=compact)'),
    });
  });

  it('says the gateway creates the disclosure topic when it is missing', async () => {
    await expect(disclosurePartitions(bus)).rejects.toMatchObject({
      code: 'TOPIC_UNFIT',
      retriable: true,
      message: expect.stringContaining('start the gateway first'),
    });
  });
});
