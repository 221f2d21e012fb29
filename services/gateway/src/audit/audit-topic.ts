// The disclosure topic, made by the gateway itself before anything is disclosed: records kept
// forever (retention.ms and retention.bytes -1, never compacted), replicated as configured. An
// existing topic that would expire or compact disclosures stops the start: the record of what
// left the country must outlive any retention window.
import { type Bus, BusError, expiryProblems, type TopicDescription } from '@puente/bus';
import { DISCLOSURE_TOPIC, type Logger, PuenteError } from '@puente/runtime';

export interface AuditTopicSettings {
  /** Replicas of each partition (PUENTE_AUDIT_REPLICATION_FACTOR). */
  readonly replicationFactor: number;
  /** In-sync replicas an acknowledged write needs (PUENTE_AUDIT_MIN_INSYNC_REPLICAS). */
  readonly minInsyncReplicas: number;
}

/** Production: three copies, a write acknowledged by two. */
export const PRODUCTION_AUDIT_TOPIC: AuditTopicSettings = Object.freeze({ replicationFactor: 3, minInsyncReplicas: 2 });

/** One broker (embedded mode, tests, a workstation's Kafka): one copy. */
export const SINGLE_BROKER_AUDIT_TOPIC: AuditTopicSettings = Object.freeze({
  replicationFactor: 1,
  minInsyncReplicas: 1,
});

export type AuditTopicErrorCode = 'INVALID_SETTINGS' | 'REPLICATION_UNREACHABLE' | 'WOULD_EXPIRE';

/** The disclosure topic cannot be used as it is; retrying cannot help until an operator acts. */
export class AuditTopicError extends PuenteError<AuditTopicErrorCode> {
  override readonly name = 'AuditTopicError';

  constructor(code: AuditTopicErrorCode, message: string, options?: { cause?: unknown }) {
    super({ code, message, retriable: false, ...(options?.cause === undefined ? {} : { cause: options.cause }) });
  }
}

export interface EnsureAuditTopicOptions extends AuditTopicSettings {
  /** Partitions when the topic is created. */
  readonly partitions: number;
  /** The topic's name; tests name their own (the default is the one every gateway writes). */
  readonly topic?: string;
  readonly logger?: Logger;
}

/** Why settings cannot work, or undefined. */
export function settingsProblem(settings: AuditTopicSettings): string | undefined {
  const { replicationFactor: factor, minInsyncReplicas: minIsr } = settings;
  if (!Number.isInteger(factor) || factor < 1) {
    return `replication factor must be a whole number ≥ 1, got ${factor} (PUENTE_AUDIT_REPLICATION_FACTOR)`;
  }
  if (!Number.isInteger(minIsr) || minIsr < 1 || minIsr > factor) {
    return `min.insync.replicas must be a whole number from 1 to the replication factor ${factor}, got ${minIsr} (PUENTE_AUDIT_MIN_INSYNC_REPLICAS)`;
  }
  return undefined;
}

/**
 * Creates the disclosure topic when it is missing, then reads back its configuration and refuses
 * (AuditTopicError) when it would expire or compact records, whoever created it. Resolves with
 * whether this call created it.
 */
export async function ensureAuditTopic(bus: Bus, options: EnsureAuditTopicOptions): Promise<boolean> {
  const topic = options.topic ?? DISCLOSURE_TOPIC;
  const problem = settingsProblem(options);
  if (problem) throw new AuditTopicError('INVALID_SETTINGS', `disclosure topic ${topic}: ${problem}`);
  let created: boolean;
  try {
    const names = await bus.admin.ensureTopics([
      {
        topic,
        partitions: options.partitions,
        replicationFactor: options.replicationFactor,
        retentionMs: -1,
        cleanupPolicy: 'delete',
        configs: {
          'retention.ms': '-1',
          'retention.bytes': '-1',
          'cleanup.policy': 'delete',
          'min.insync.replicas': String(options.minInsyncReplicas),
        },
      },
    ]);
    created = names.includes(topic);
  } catch (error) {
    if (isReplicationUnreachable(error)) {
      throw new AuditTopicError(
        'REPLICATION_UNREACHABLE',
        `cannot create disclosure topic ${topic} with replication factor ${options.replicationFactor}: the cluster has fewer brokers; ` +
          'set PUENTE_AUDIT_REPLICATION_FACTOR (and PUENTE_AUDIT_MIN_INSYNC_REPLICAS) to what it can hold, e.g. 1 and 1 for a single broker',
        { cause: error },
      );
    }
    throw error;
  }
  const description = await bus.admin.describeTopic(topic);
  const expiring = expiryProblems(description);
  if (expiring.length > 0) {
    throw new AuditTopicError(
      'WOULD_EXPIRE',
      `disclosure topic ${topic} would delete disclosures (${expiring.join(', ')}); the gateway refuses to start until ` +
        `it keeps them forever: retention.ms=-1, retention.bytes=-1, cleanup.policy=delete (e.g. kafka-configs.sh --alter ` +
        `--entity-type topics --entity-name ${topic} --add-config retention.ms=-1,retention.bytes=-1,cleanup.policy=delete)`,
    );
  }
  warnOnWeakerReplication(description, options, topic);
  return created;
}

/** A topic made elsewhere with fewer copies than configured still keeps everything: said, not refused. */
function warnOnWeakerReplication(description: TopicDescription, options: EnsureAuditTopicOptions, topic: string): void {
  if (!options.logger || description.partitions.length === 0) return;
  const replicas = Math.min(...description.partitions.map((p) => p.replicas.length));
  const minIsr = description.config['min.insync.replicas'];
  if (replicas < options.replicationFactor || (minIsr !== undefined && Number(minIsr) < options.minInsyncReplicas)) {
    options.logger.warn(
      {
        topic,
        replicas,
        minInsyncReplicas: minIsr ?? 'broker default',
        wanted: { replicationFactor: options.replicationFactor, minInsyncReplicas: options.minInsyncReplicas },
      },
      'disclosure topic has fewer replicas than configured; it was not created by this gateway',
    );
  }
}

/** Kafka's INVALID_REPLICATION_FACTOR, somewhere in what creating the topic threw. */
function isReplicationUnreachable(error: unknown): boolean {
  if (!(error instanceof BusError)) return false;
  const seen = new Set<unknown>();
  const pending: unknown[] = [error];
  while (pending.length > 0) {
    const next = pending.pop();
    if (!next || typeof next !== 'object' || seen.has(next)) continue;
    seen.add(next);
    const { type, message, cause, errors } = next as {
      type?: unknown;
      message?: unknown;
      cause?: unknown;
      errors?: unknown;
    };
    if (type === 'INVALID_REPLICATION_FACTOR') return true;
    if (typeof message === 'string' && /replication.factor/i.test(message)) return true;
    pending.push(cause);
    if (Array.isArray(errors)) pending.push(...(errors as unknown[]));
  }
  return false;
}
