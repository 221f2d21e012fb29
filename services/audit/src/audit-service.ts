// The audit service of one country: reads every partition of audit.disclosures.v1 outside any
// consumer group, from the positions its ledger recorded (the earliest where none), chains the
// disclosures of its country's data (append-batch.ts), and signs checkpoints of the head
// (checkpointer.ts) as other entries than disclosures of those checkpoints are chained. Positions live only in the ledger, committed with the entries they produced.
import { type Bus, createDeadLetters, type DeadLetters, type Reader, type RecordBatch } from '@puente/bus';
import type { AvroCodec } from '@puente/contracts';
import type { CheckpointSigningKey, LedgerStore } from '@puente/ledger';
import {
  auditCheckpointTopic,
  type Country,
  type createMetricsRegistry,
  DISCLOSURE_TOPIC,
  type Logger,
  messageOf,
  silentLogger,
} from '@puente/runtime';

import { type AppendCounters, appendBatch } from './append-batch.js';
import type { AuditStats } from './audit-stats.js';
import { disclosurePartitions, ensureAuditTopics } from './audit-topics.js';
import { type CheckpointCadence, createCheckpointer } from './checkpointer.js';
import { AuditError } from './errors.js';
import { registerAuditMetrics } from './metrics.js';

export interface AuditServiceOptions {
  readonly bus: Bus;
  readonly codec: AvroCodec;
  /** This country's ledger. */
  readonly store: LedgerStore;
  readonly country: Country;
  readonly signingKey: CheckpointSigningKey;
  readonly checkpointEvery: CheckpointCadence;
  readonly logger?: Logger;
  /** A registry to serve the service's figures in (see metrics.ts). */
  readonly metrics?: ReturnType<typeof createMetricsRegistry>;
  /** Replicas of the topics it creates (checkpoints, dead letters). Default 3. */
  readonly replicationFactor?: number;
  /** Longest wait between attempts at a batch the ledger or Kafka refused. Default 5 s. */
  readonly maxRetryDelayMs?: number;
  readonly now?: () => number;
  /**
   * The checkpoint topic; `<country>.audit-checkpoints.v1` by default. Only for a test sharing its
   * broker with other ledgers: every checkpoint on a ledger's topic is judged against that ledger.
   */
  readonly checkpointTopic?: string;
  /**
   * The topic it chains; `audit.disclosures.v1` by default, where every gateway writes. Only for a
   * test sharing its broker with gateways of other tests, whose disclosures would join its chain.
   */
  readonly disclosureTopic?: string;
}

export type { AuditStats };

export interface AuditService {
  readonly country: Country;
  readonly checkpointTopic: string;
  readonly deadLetters: DeadLetters;
  start(): Promise<void>;
  /** Stops reading (the batch under way finishes or is left for the next start), then states the head. */
  stop(): Promise<void>;
  stats(): AuditStats;
}

function checkOptions(options: AuditServiceOptions): void {
  const { entries, ms } = options.checkpointEvery;
  const problems = [
    Number.isInteger(entries) && entries >= 1
      ? ''
      : `checkpointEvery.entries must be a whole number ≥ 1, got ${entries}`,
    Number.isInteger(ms) && ms >= 1 ? '' : `checkpointEvery.ms must be a whole number ≥ 1, got ${ms}`,
    options.store.country === options.country
      ? ''
      : `the store is ${options.store.country}'s ledger, but the service chains ${options.country}'s disclosures`,
  ].filter(Boolean);
  if (problems.length > 0) throw new AuditError({ code: 'INVALID_OPTIONS', message: problems.join('; ') });
}

export function createAuditService(options: AuditServiceOptions): AuditService {
  checkOptions(options);
  const { bus, codec, store, country } = options;
  const disclosureTopic = options.disclosureTopic ?? DISCLOSURE_TOPIC;
  const logger = options.logger ?? silentLogger();
  const maxRetryDelayMs = options.maxRetryDelayMs ?? 5_000;
  const service = `audit-${country.toLowerCase()}`;
  // Its counter has a registry of its own until registerAuditMetrics serves it with the rest.
  const deadLetters = createDeadLetters({ bus, service, logger });
  const checkpointer = createCheckpointer({
    bus,
    codec,
    ledger: store,
    country,
    signingKey: options.signingKey,
    every: options.checkpointEvery,
    logger,
    now: options.now ?? Date.now,
    ...(options.checkpointTopic === undefined ? {} : { topic: options.checkpointTopic }),
  });
  const counters: AppendCounters = {
    records: 0,
    disclosures: 0,
    otherCountry: 0,
    deadLettered: 0,
    entriesAppended: 0,
    duplicates: 0,
  };
  let appendFailures = 0;
  const lagByPartition = new Map<number, bigint>();
  let reader: Reader | undefined;
  let stopping = false;
  // Wakes a retry's wait when the service stops.
  let wake: (() => void) | undefined;

  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });

  async function handle(batch: RecordBatch): Promise<void> {
    for (let attempt = 1; !stopping; attempt++) {
      try {
        const result = await appendBatch(batch, {
          codec,
          store,
          country,
          checkpointTopic: audit.checkpointTopic,
          deadLetters,
          counters,
        });
        const last = batch.records.at(-1);
        if (last) lagByPartition.set(batch.partition, BigInt(batch.highWatermark) - BigInt(last.offset) - 1n);
        // Disclosures of its own checkpoints are chained, but call for no checkpoint of their own.
        if (result) checkpointer.appended(result.appendedOfOtherTopics);
        return;
      } catch (error) {
        appendFailures++;
        const delay = Math.min(maxRetryDelayMs, 100 * 2 ** Math.min(attempt, 10));
        logger.warn(
          { err: error, partition: batch.partition, offset: batch.records[0]?.offset, attempt, retryInMs: delay },
          `disclosures not chained (${messageOf(error)}); trying the batch again`,
        );
        await pause(delay);
      }
    }
    // Stopping: the batch stays unchained and unpositioned, so the next start reads it again.
  }

  const audit: AuditService = {
    country,
    checkpointTopic: options.checkpointTopic ?? auditCheckpointTopic(country),
    deadLetters,
    async start() {
      if (reader) return;
      stopping = false;
      await ensureAuditTopics(bus, {
        country,
        replicationFactor: options.replicationFactor ?? 3,
        checkpointTopic: audit.checkpointTopic,
        disclosureTopic,
      });
      const partitions = await disclosurePartitions(bus, disclosureTopic);
      const stored = new Map((await store.positions(disclosureTopic)).map((p) => [p.partition, p.offset]));
      const positions = partitions.map((p) => ({ partition: p.partition, offset: stored.get(p.partition) ?? p.low }));
      reader = await bus.readFrom({ topic: disclosureTopic, positions, handler: handle });
      checkpointer.start();
      logger.info(
        { country, topic: disclosureTopic, positions, checkpointTopic: audit.checkpointTopic },
        'audit service started',
      );
    },
    async stop() {
      stopping = true;
      wake?.();
      const current = reader;
      reader = undefined;
      await current?.stop();
      await checkpointer.stop();
    },
    stats: () => {
      let lag = 0n;
      for (const partitionLag of lagByPartition.values()) lag += partitionLag > 0n ? partitionLag : 0n;
      return { ...counters, ...checkpointer.stats(), appendFailures, lag: Number(lag) };
    },
  };
  if (options.metrics) registerAuditMetrics(options.metrics, audit);
  return audit;
}
