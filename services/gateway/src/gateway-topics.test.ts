// The topics a gateway needs: feed topics once each and sorted; with ensureTopics, the catalog's
// topics and their dead-letter topics on one partition, never the disclosure topic (made apart).
import type { Bus } from '@puente/bus';
import type { AvroCodec } from '@puente/contracts';
import type { PolicySet } from '@puente/policy';
import { DISCLOSURE_TOPIC } from '@puente/runtime';
import { describe, expect, it } from 'vitest';

import { deadLetterTopicsOf } from './dead-letter.js';
import { ensureGatewayTopics, feedTopicsOf, isGatewayBookkeeping } from './gateway-topics.js';

describe('isGatewayBookkeeping', () => {
  it("sets apart disclosures, receipts and dead letters, never an agency's topic or the cursors", () => {
    for (const topic of [DISCLOSURE_TOPIC, 'puente.publish-receipts', 'dlq.us.cargo-manifests.v1']) {
      expect(isGatewayBookkeeping(topic)).toBe(true);
    }
    // Cursors and claims stay with the agencies' topics: a takeover waits on them.
    for (const topic of [
      'us.cargo-manifests.v1',
      'mx.screening-results.v1',
      'us.audit-checkpoints.v1',
      'puente.subscription-cursors',
    ]) {
      expect(isGatewayBookkeeping(topic)).toBe(false);
    }
  });
});

describe('feedTopicsOf', () => {
  it('lists every shared topic once, sorted', () => {
    const agreement = (...topics: string[]) => ({ topics: new Map(topics.map((t) => [t, {}])) });
    const policies = { agreements: [agreement('b.x.v1', 'a.x.v1'), agreement('a.x.v1', 'c.x.v1')] };
    expect(feedTopicsOf(policies as unknown as PolicySet)).toEqual(['a.x.v1', 'b.x.v1', 'c.x.v1']);
  });
});

describe('ensureGatewayTopics', () => {
  it('creates catalog topics and their dead-letter topics, the checkpoint topics kept forever on one partition, leaving the disclosure topic to ensureAuditTopic', async () => {
    const asked: { topic: string; partitions: number }[][] = [];
    const bus = {
      admin: { ensureTopics: async (specs: { topic: string; partitions: number }[]) => void asked.push(specs) },
    };
    const topics = ['us.a.v1', 'mx.b.v1'];
    const checkpoints = ['us.audit-checkpoints.v1', 'mx.audit-checkpoints.v1'];
    const codec = { topics: () => [...topics, ...checkpoints, DISCLOSURE_TOPIC] } as unknown as AvroCodec;
    await ensureGatewayTopics(bus as unknown as Bus, codec, 3, { replicationFactor: 3, minInsyncReplicas: 2 });
    const kept = { partitions: 1, replicationFactor: 3, retentionMs: -1, configs: { 'min.insync.replicas': '2' } };
    expect(asked).toEqual([
      [
        ...checkpoints.map((topic) => ({ topic, ...kept })),
        { topic: 'us.a.v1', partitions: 3 },
        { topic: 'mx.b.v1', partitions: 3 },
        ...deadLetterTopicsOf([...topics, ...checkpoints]).map((topic) => ({ topic, partitions: 1 })),
      ],
    ]);
  });
});
