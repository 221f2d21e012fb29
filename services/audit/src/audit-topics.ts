// The topics the audit service needs. It reads audit.disclosures.v1, which the gateway creates
// (with its retention and replication); it creates what it writes itself when missing: its
// country's checkpoint topic and the dead letters of the disclosure topic, both kept forever,
// and refuses to start on an existing checkpoint topic that would expire checkpoints.
import { type Bus, BusError, expiryProblems, type PartitionOffsets } from '@puente/bus';
import { auditCheckpointTopic, type Country, deadLetterTopicOf, DISCLOSURE_TOPIC } from '@puente/runtime';

import { AuditError } from './errors.js';

export interface AuditTopicOptions {
  readonly country: Country;
  /** Replicas of the topics created (production 3; one broker locally). */
  readonly replicationFactor: number;
  /** The checkpoint topic; `<country>.audit-checkpoints.v1` by default. */
  readonly checkpointTopic?: string;
  /** The disclosure topic read, whose dead letters it writes; `audit.disclosures.v1` by default. */
  readonly disclosureTopic?: string;
}

/** Creates the checkpoint and dead-letter topics when missing; checks the checkpoint topic keeps its records. */
export async function ensureAuditTopics(bus: Bus, options: AuditTopicOptions): Promise<void> {
  const { replicationFactor } = options;
  const kept = {
    replicationFactor,
    retentionMs: -1,
    // As many acknowledgements as a replica short still allows: 2 of 3 in production, 1 locally.
    configs: { 'min.insync.replicas': String(Math.max(1, Math.min(2, replicationFactor - 1))) },
  };
  const checkpoints = options.checkpointTopic ?? auditCheckpointTopic(options.country);
  // One partition: the heads of one ledger stay in the order they were signed.
  await bus.admin.ensureTopics([
    { topic: checkpoints, partitions: 1, ...kept },
    { topic: deadLetterTopicOf(options.disclosureTopic ?? DISCLOSURE_TOPIC), partitions: 1, ...kept },
  ]);
  const expiring = expiryProblems(await bus.admin.describeTopic(checkpoints));
  if (expiring.length > 0) {
    throw new AuditError({
      code: 'TOPIC_UNFIT',
      message: `${checkpoints} would delete checkpoints (${expiring.join(', ')}): keep them forever (kafka-configs --alter --add-config retention.ms=-1,retention.bytes=-1,cleanup.policy=delete)`,
    });
  }
}

/** The partitions of the disclosure topic with their offsets; a clear error when it does not exist yet. */
export async function disclosurePartitions(
  bus: Bus,
  topic: string = DISCLOSURE_TOPIC,
): Promise<readonly PartitionOffsets[]> {
  try {
    return (await bus.admin.describeTopic(topic)).partitions;
  } catch (error) {
    if (error instanceof BusError && error.code === 'UNKNOWN_TOPIC') {
      throw new AuditError({
        code: 'TOPIC_UNFIT',
        message: `${topic} does not exist: the gateway creates it when it starts; start the gateway first`,
        retriable: true,
        cause: error,
      });
    }
    throw error;
  }
}
