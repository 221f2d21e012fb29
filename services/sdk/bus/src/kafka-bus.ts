// KafkaBus: the Bus port on a real Kafka cluster through kafkajs. Idempotent producers with
// acks from all in-sync replicas, on a thread of their own (produce-worker.mjs), one kafkajs
// consumer per subscription with manual commits, no implicit topic creation, and kafkajs's own
// logs routed to our logger. This class wires the pieces in ./kafka/, layered as kafkajs is:
// producer lanes, readers, group subscriptions, admin, and the error mapping they share.
import { Kafka, logLevel, type Admin } from 'kafkajs';

import { silentLogger, type Logger } from '@puente/runtime';

import { BusError } from './errors.js';
import { createKafkaAdmin } from './kafka/admin.js';
import type { KafkaContext } from './kafka/context.js';
import { fromKafkaError } from './kafka/errors.js';
import { routeLogs } from './kafka/logs.js';
import { prepareRecords } from './kafka/produce-records.js';
import { ProduceTargets } from './kafka/produce-targets.js';
import { ProducerLanes } from './kafka/producer-lanes.js';
import { openReader, ReaderGroups } from './kafka/reader.js';
import { openSubscription } from './kafka/subscription.js';
import { createKeyPartitioner } from './partitioner.js';
import type {
  Bus,
  BusAdmin,
  BusRecord,
  PublishResult,
  ReadFromOptions,
  Reader,
  SubscribeOptions,
  Subscription,
} from './types.js';

export interface KafkaBusOptions {
  readonly brokers: readonly string[];
  readonly clientId?: string;
  readonly logger?: Logger;
  /** How long a connection attempt may take. */
  readonly connectionTimeoutMs?: number;
  readonly requestTimeoutMs?: number;
  /** Retries for a failing request before the error reaches the caller. */
  readonly retries?: number;
  /** Consumer group session timeout: how fast a dead member's partitions move on. */
  readonly sessionTimeoutMs?: number;
  readonly heartbeatIntervalMs?: number;
  /** Longest a fetch waits for new records: the floor of consume latency when idle. */
  readonly maxWaitTimeMs?: number;
  /**
   * Idempotent producers (each its own connections) on the producer thread; topics are spread
   * over them in order of first use, each topic always on the same one. Default 3.
   */
  readonly producers?: number;
  /**
   * Topics published through a producer of their own, apart from the others (with two producers
   * or more): a service whose bookkeeping writes outnumber its callers' records keeps those
   * records from queueing behind it.
   */
  readonly separateProducerFor?: (topic: string) => boolean;
  /** How long `admin.ensureTopics` waits for the partitions' leaders to serve them. Default 30 s. */
  readonly leaderWaitMs?: number;
}

export class KafkaBus implements Bus {
  readonly kind = 'kafka' as const;
  readonly admin: BusAdmin;
  private readonly kafkaAdmin: Admin;
  private readonly context: KafkaContext;
  /** Producer lanes: each topic is published through one of them, chosen at its first publish. */
  private readonly lanes: ProducerLanes;
  /** What publishing to a topic needs to know of it. */
  private readonly targets: ProduceTargets;
  private readonly readerGroups: ReaderGroups;
  private readonly subscriptions = new Set<Subscription>();
  private readonly readers = new Set<Reader>();
  private readonly partitionFor = createKeyPartitioner();
  private state: 'new' | 'running' | 'stopped' = 'new';

  constructor(private readonly options: KafkaBusOptions) {
    if (options.brokers.length === 0) {
      throw new BusError({ code: 'INVALID_ARGUMENT', message: 'KafkaBus needs at least one broker address' });
    }
    const logger = options.logger ?? silentLogger();
    const retry = { retries: options.retries ?? 5, initialRetryTime: 100, maxRetryTime: 2_000 };
    // One client configuration, for this thread's admin and consumers and for the producer thread.
    const client = {
      clientId: options.clientId ?? 'puente',
      brokers: [...options.brokers],
      connectionTimeout: options.connectionTimeoutMs ?? 3_000,
      requestTimeout: options.requestTimeoutMs ?? 30_000,
      retry,
    };
    const kafka = new Kafka({ ...client, logLevel: logLevel.WARN, logCreator: routeLogs(logger) });
    this.kafkaAdmin = kafka.admin({ retry });
    this.context = {
      kafka,
      admin: this.kafkaAdmin,
      logger,
      clientId: client.clientId,
      consumer: {
        sessionTimeout: options.sessionTimeoutMs ?? 10_000,
        heartbeatInterval: options.heartbeatIntervalMs ?? 1_000,
        maxWaitTimeInMs: options.maxWaitTimeMs ?? 100,
      },
    };
    this.targets = new ProduceTargets(this.kafkaAdmin, { clientId: client.clientId, logger });
    this.lanes = new ProducerLanes({
      thread: { ...client, producers: Math.max(1, options.producers ?? 3), logger },
      logger,
      running: () => this.state === 'running',
      requestBytes: () => this.targets.requestBytes,
      forget: (topic) => this.targets.forget(topic),
      ...(options.separateProducerFor ? { apart: options.separateProducerFor } : {}),
    });
    this.readerGroups = new ReaderGroups(this.context);
    this.admin = createKafkaAdmin(this.kafkaAdmin, {
      leaderWaitMs: options.leaderWaitMs ?? 30_000,
      // Topics just made ready are about to be published to: what a publish needs to know of them
      // is read now, so the first publish does not wait for it (a lookup that fails is retried
      // by that publish).
      onReady: (topics) => {
        for (const topic of topics) Promise.resolve(this.targets.get(topic)).catch(() => undefined);
      },
      onDeleted: (topics) => {
        for (const topic of topics) this.targets.forget(topic);
      },
    });
  }

  async start(): Promise<void> {
    if (this.state === 'running') return;
    try {
      await this.kafkaAdmin.connect();
      await this.lanes.connect();
    } catch (error) {
      await this.lanes.stop();
      await this.kafkaAdmin.disconnect().catch(() => undefined);
      throw fromKafkaError(error, `connecting to Kafka at ${this.options.brokers.join(',')}`);
    }
    this.state = 'running';
  }

  async stop(): Promise<void> {
    if (this.state !== 'running') return;
    this.state = 'stopped';
    // Calls still queued behind the request in flight are refused, not silently dropped.
    this.lanes.refuseQueued();
    await Promise.allSettled([
      ...[...this.subscriptions].map((subscription) => subscription.stop()),
      ...[...this.readers].map((reader) => reader.stop()),
    ]);
    await Promise.allSettled([this.lanes.stop(), this.kafkaAdmin.disconnect()]);
  }

  async publish(topic: string, records: readonly BusRecord[]): Promise<PublishResult[]> {
    this.assertRunning();
    if (records.length === 0) return [];
    // Known, the call is queued before publish returns; else it waits with the calls made before it.
    const known = this.targets.get(topic);
    const target = known instanceof Promise ? await known : known;
    this.assertRunning();
    const { messages, planned } = prepareRecords(topic, records, target, this.partitionFor);
    return this.lanes.produce({ topic, messages, records: planned, batchBytes: target.batchBytes });
  }

  async subscribe(options: SubscribeOptions): Promise<Subscription> {
    this.assertRunning();
    if (options.topics.length === 0) {
      throw new BusError({ code: 'INVALID_ARGUMENT', message: 'subscribe needs at least one topic' });
    }
    return openSubscription(this.context, options, this.subscriptions);
  }

  async readFrom(options: ReadFromOptions): Promise<Reader> {
    this.assertRunning();
    return openReader(
      this.context,
      {
        groups: this.readerGroups,
        readers: this.readers,
        partitionCount: (topic) => this.targets.partitionCount(topic),
      },
      options,
    );
  }

  /** The reader consumer groups on the cluster, any process's (`puente.reader.…`): for operators and tests. */
  async listReaderGroups(): Promise<string[]> {
    this.assertRunning();
    return this.readerGroups.list();
  }

  private assertRunning(): void {
    if (this.state !== 'running') {
      throw new BusError({
        code: this.state === 'new' ? 'NOT_STARTED' : 'STOPPED',
        message: `KafkaBus is ${this.state === 'new' ? 'not started' : 'stopped'}`,
      });
    }
  }
}
