// Reading a ledger's checkpoint topic (`<country>.audit-checkpoints.v1`) for VerifyLedger: the
// newest `maxCheckpoints` records as of the call, decoded as AuditCheckpoint, oldest first. The
// newest checkpoints are the ones worth judging (each states every entry before its head), so
// a topic grown past the bound skips its oldest records, never its newest. Bounded in time too:
// `checkpointTimeoutMs` (UNAVAILABLE when the bus is too slow).
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
  /** The newest records, oldest first (offset order per partition, merged by record time). */
  readonly published: readonly PublishedCheckpoint[];
  /** Records the topic held at the call (ends minus starts of its partitions). */
  readonly total: number;
  /** Older records not read: the topic held more than `maxCheckpoints`. */
  readonly skipped: number;
}

export async function readCheckpointTopic(deps: CheckpointTopicDeps, country: Country): Promise<CheckpointTopicRead> {
  const topic = deps.checkpointTopic?.(country) ?? auditCheckpointTopic(country);
  // Read as the country's checkpoint schema, wherever the records are read from.
  const schemaTopic = auditCheckpointTopic(country);
  const info = (await topicInfos(deps.bus)).get(topic);
  if (!info) return { topic, published: [], total: 0, skipped: 0 };
  const { maxCheckpoints, checkpointTimeoutMs } = deps.ledgerLimits;
  // The newest `maxCheckpoints` of each partition; of those, the newest `maxCheckpoints` in all.
  const ranges = new Map(
    info.partitions.map((p) => {
      const [low, high] = [Number(p.low), Number(p.high)];
      return [p.partition, { from: Math.max(low, high - maxCheckpoints), to: high }];
    }),
  );
  const total = info.partitions.reduce((sum, p) => sum + Math.max(0, Number(p.high) - Number(p.low)), 0);
  const toRead = [...ranges.values()].reduce((sum, r) => sum + Math.max(0, r.to - r.from), 0);
  const result = await scan(deps.bus, {
    topic,
    ranges,
    perPartitionLimit: maxCheckpoints,
    budget: toRead,
    timeoutMs: checkpointTimeoutMs,
    accept: (record): PublishedCheckpoint => decodeCheckpoint(deps, schemaTopic, record),
  });
  if (![...result.partitions.values()].every((p) => p.next >= p.to)) {
    throw busUnavailable(`reading ${topic} did not finish within ${checkpointTimeoutMs} ms`);
  }
  const published = mergeByTime(result.matches).slice(-maxCheckpoints);
  return { topic, published, total, skipped: total - published.length };
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
