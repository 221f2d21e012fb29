// The topics a gateway needs at start: the feeds' topics it tails, and (embedded mode and tests)
// every topic it reads or writes, created when missing. The disclosure topic is not among them:
// the gateway always makes it itself, with its own retention and replication (audit-topic.ts).
// The checkpoint topics are made as the audit service makes them: one partition, kept forever.
import type { Bus } from '@puente/bus';
import type { AvroCodec } from '@puente/contracts';
import type { PolicySet } from '@puente/policy';
import {
  auditCheckpointTopic,
  COUNTRIES,
  DEAD_LETTER_PREFIX,
  DISCLOSURE_TOPIC,
  SUBSCRIPTION_CURSOR_TOPIC,
} from '@puente/runtime';

import type { AuditTopicSettings } from './audit/audit-topic.js';

import { deadLetterTopicsOf } from './dead-letter.js';

/**
 * The gateway's bulk bookkeeping: disclosures (one per delivery, so a fan-out writes many per
 * published event), publish receipts, instance announcements, dead letters. Its KafkaBus gives
 * them a producer apart (`separateProducerFor`), so agencies' publishes never queue behind them.
 * Cursors and claims are not among them: they are small, and a takeover waits on them, so they
 * must not queue behind a fan-out's disclosures either.
 */
export function isGatewayBookkeeping(topic: string): boolean {
  if (topic === SUBSCRIPTION_CURSOR_TOPIC) return false;
  return topic === DISCLOSURE_TOPIC || topic.startsWith('puente.') || topic.startsWith(DEAD_LETTER_PREFIX);
}

/** Every topic an agreement shares, once each, sorted. */
export function feedTopicsOf(policies: PolicySet): string[] {
  return [...new Set(policies.agreements.flatMap((agreement) => [...agreement.topics.keys()]))].sort();
}

/**
 * Creates the catalog's topics but the disclosure topic, and their dead-letter topics (one
 * partition); the checkpoint topics with one partition (a ledger's heads stay in signing order),
 * kept forever and replicated like the disclosure topic, so the audit service accepts them.
 */
export async function ensureGatewayTopics(
  bus: Bus,
  codec: AvroCodec,
  partitions: number,
  audit: AuditTopicSettings,
): Promise<void> {
  const checkpoints = new Set<string>(COUNTRIES.map(auditCheckpointTopic));
  const topics = codec.topics().filter((topic) => topic !== DISCLOSURE_TOPIC && !checkpoints.has(topic));
  await bus.admin.ensureTopics([
    ...[...checkpoints].map((topic) => ({
      topic,
      partitions: 1,
      replicationFactor: audit.replicationFactor,
      retentionMs: -1,
      configs: { 'min.insync.replicas': String(audit.minInsyncReplicas) },
    })),
    ...topics.map((topic) => ({ topic, partitions })),
    ...deadLetterTopicsOf([...topics, ...checkpoints]).map((topic) => ({ topic, partitions: 1 })),
  ]);
}
