// Reading a ledger's checkpoint topic (`<country>.audit-checkpoints.v1`) for VerifyLedger: every
// record from the start of each partition to its end as of the call, decoded as AuditCheckpoint,
// oldest first. Bounded: at most `maxCheckpoints` records (a topic holding more is reported as
// not completely read) and `checkpointTimeoutMs` (UNAVAILABLE when the bus is too slow).
import type { ConsumedRecord } from '@puente/bus';
import type { AuditCheckpoint } from '@puente/contracts';
import { auditCheckpointTopic, type Country } from '@puente/runtime';

import { busUnavailable } from '../grpc/errors.js';
import type { OperatorContext } from './context.js';
import { mergeByTime, scan } from './scan.js';
import { topicInfos } from './topics.js';

export type CheckpointTopicDeps = Pick<OperatorContext, 'bus' | 'codec' | 'ledgerLimits' | 'checkpointTopic'>;

/** One record of the checkpoint topic: a checkpoint, or why it is not one. */
export type PublishedCheckpoint =
  | { readonly record: ConsumedRecord; readonly checkpoint: AuditCheckpoint; readonly error?: undefined }
  | { readonly record: ConsumedRecord; readonly checkpoint?: undefined; readonly error: string };

export interface CheckpointTopicRead {
  readonly topic: string;
  /** Oldest first (offset order per partition, merged by record time). */
  readonly published: readonly PublishedCheckpoint[];
  /** Records the topic held at the call (ends minus starts of its partitions). */
  readonly total: number;
  /** False when the topic held more than `maxCheckpoints` records: `published` is the oldest of them. */
  readonly complete: boolean;
}

export async function readCheckpointTopic(deps: CheckpointTopicDeps, country: Country): Promise<CheckpointTopicRead> {
  const topic = deps.checkpointTopic?.(country) ?? auditCheckpointTopic(country);
  // Read as the country's checkpoint schema, wherever the records are read from.
  const schemaTopic = auditCheckpointTopic(country);
  const info = (await topicInfos(deps.bus)).get(topic);
  if (!info) return { topic, published: [], total: 0, complete: true };
  const ranges = new Map(info.partitions.map((p) => [p.partition, { from: Number(p.low), to: Number(p.high) }]));
  const total = [...ranges.values()].reduce((sum, r) => sum + Math.max(0, r.to - r.from), 0);
  const { maxCheckpoints, checkpointTimeoutMs } = deps.ledgerLimits;
  const result = await scan(deps.bus, {
    topic,
    ranges,
    perPartitionLimit: maxCheckpoints,
    budget: maxCheckpoints,
    timeoutMs: checkpointTimeoutMs,
    accept: (record): PublishedCheckpoint => decodeCheckpoint(deps, schemaTopic, record),
  });
  // Every partition read to its end; a partition stopped by the budget is `done` but not read through.
  const complete = [...result.partitions.values()].every((p) => p.next >= p.to);
  if (!complete && result.scanned < maxCheckpoints) {
    throw busUnavailable(`reading ${topic} did not finish within ${checkpointTimeoutMs} ms`);
  }
  return { topic, published: mergeByTime(result.matches), total, complete };
}

function decodeCheckpoint(
  deps: CheckpointTopicDeps,
  topic: ReturnType<typeof auditCheckpointTopic>,
  record: ConsumedRecord,
): PublishedCheckpoint {
  if (!record.value) return { record, error: 'empty record value' };
  try {
    return { record, checkpoint: deps.codec.decode(record.value, { topic }).value };
  } catch (error) {
    return { record, error: error instanceof Error ? error.message : String(error) };
  }
}
