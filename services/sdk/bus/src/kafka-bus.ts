// KafkaBus: the Bus port on a real Kafka cluster through kafkajs. Idempotent producers with
// acks from all in-sync replicas, on a thread of their own (produce-worker.mjs), one kafkajs
// consumer per subscription with manual commits, no implicit topic creation, and kafkajs's own
// logs routed to our logger.
import { randomUUID } from 'node:crypto';

import {
  Kafka,
  logLevel,
  type Admin,
  type ConfigResourceTypes,
  type ConfigSource,
  type DescribeConfigResponse,
  type Consumer,
  type KafkaMessage,
  type LogEntry,
} from 'kafkajs';

import {
  batchBytesAlone,
  KafkaClientError,
  planRequest,
  ProducerThread,
  recordBodyBase,
  requestBytesAlone,
  type PlannedRecord,
  type ProducedPartition,
  type ProducerThreadOptions,
  type RequestSlice,
  type WireMessage,
} from '@puente/kafka-client';
import { silentLogger, type Logger } from '@puente/runtime';

import { BusError, unknownTopic } from './errors.js';
import { createKeyPartitioner } from './partitioner.js';
import {
  topicsToRead,
  type Bus,
  type BusAdmin,
  type BusRecord,
  type ConsumedRecord,
  type GroupDescription,
  type PublishResult,
  type ReadFromOptions,
  type Reader,
  type SubscribeOptions,
  type Subscription,
  type TopicDescription,
  type TopicInfo,
  type TopicPartition,
  type TopicPartitionOffset,
  type TopicSpec,
} from './types.js';

/**
 * Consumer groups of `readFrom` readers are `puente.reader.<clientId>.<uuid>`: one per reader,
 * deleted when it stops; any empty one under this prefix is an orphan and may be deleted.
 */
export const READER_GROUP_PREFIX = 'puente.reader.';

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
  /** How long `admin.ensureTopics` waits for the partitions' leaders to serve them. Default 30 s. */
  readonly leaderWaitMs?: number;
}

const kafkaLevelToPino = (level: logLevel): 'error' | 'warn' | 'info' | 'debug' =>
  level === logLevel.ERROR ? 'error' : level === logLevel.WARN ? 'warn' : level === logLevel.INFO ? 'info' : 'debug';

function routeLogs(logger: Logger) {
  return () =>
    ({ namespace, level, log }: LogEntry): void => {
      const { message, timestamp: _timestamp, ...extra } = log;
      logger[kafkaLevelToPino(level)]({ kafkajs: namespace, ...extra }, message);
    };
}

interface KafkaLikeError {
  name?: string;
  type?: string;
  message?: string;
  retriable?: boolean;
  cause?: unknown;
}

/** Normalises whatever kafkajs threw into a BusError with an honest `retriable`. */
export function fromKafkaError(error: unknown, context: string): BusError {
  if (error instanceof BusError) return error;
  if (error instanceof KafkaClientError) {
    return new BusError({
      code: error.code === 'STOPPED' ? 'STOPPED' : error.code === 'UNAVAILABLE' ? 'UNAVAILABLE' : 'INTERNAL',
      message: error.message,
      retriable: error.retriable,
      cause: error,
    });
  }
  const chain: KafkaLikeError[] = [];
  for (let e: unknown = error; e && typeof e === 'object' && chain.length < 5; e = (e as KafkaLikeError).cause) {
    chain.push(e);
  }
  const types = chain.map((e) => e.type).filter(Boolean);
  const names = chain.map((e) => e.name).filter(Boolean);
  const message = chain[0]?.message ?? String(error);
  if (types.includes('UNKNOWN_TOPIC_OR_PARTITION')) {
    return new BusError({ code: 'UNKNOWN_TOPIC', message: `${context}: ${message}`, cause: error });
  }
  if (types.includes('MESSAGE_TOO_LARGE') || types.includes('RECORD_LIST_TOO_LARGE')) {
    return new BusError({ code: 'RECORD_TOO_LARGE', message: `${context}: ${message}`, cause: error });
  }
  if (names.some((name) => name?.startsWith('KafkaJSConnection') || name === 'KafkaJSBrokerNotFound')) {
    return new BusError({
      code: 'UNAVAILABLE',
      message: `${context}: Kafka is unreachable (${message})`,
      retriable: true,
      cause: error,
    });
  }
  if (names.includes('KafkaJSRequestTimeoutError') || names.includes('KafkaJSTimeout')) {
    return new BusError({ code: 'TIMEOUT', message: `${context}: ${message}`, retriable: true, cause: error });
  }
  const retriable = chain.some((e) => e.retriable === true);
  return new BusError({
    code: retriable ? 'UNAVAILABLE' : 'INTERNAL',
    message: `${context}: ${message}`,
    retriable,
    cause: error,
  });
}

/** What a publish to a topic needs to know about it. */
interface ProduceTarget {
  readonly partitions: number;
  /** max.message.bytes: the largest record batch the topic takes. */
  readonly batchBytes: number;
  /** The topic data one produce request may carry. */
  readonly requestBytes: number;
}

// kafkajs's enums as Kafka numbers them: Node's ESM loader cannot see them among kafkajs's
// CommonJS exports (its module.exports ends in a spread), so importing the values fails at run time.
const TOPIC_RESOURCE = 2 as ConfigResourceTypes;
const BROKER_RESOURCE = 4 as ConfigResourceTypes;
const TOPIC_CONFIG_SOURCE = 1 as ConfigSource;

/** Kafka's defaults, for a broker or topic that will not say: message.max.bytes, socket.request.max.bytes. */
const DEFAULT_MESSAGE_MAX_BYTES = 1_048_588;
const DEFAULT_SOCKET_REQUEST_MAX_BYTES = 104_857_600;
/** What a produce request holds besides its topic data: size, header, client id, acks, timeout. */
const REQUEST_HEADER_BYTES = 64;

interface ProducerLane {
  /** Which of the producer thread's producers this lane uses. */
  readonly index: number;
  readonly queue: PendingProduce[];
  producing: boolean;
}

/** A publish call waiting on its lane; a call larger than one request goes out in several. */
interface PendingProduce {
  readonly topic: string;
  readonly messages: readonly WireMessage[];
  /** The same records as produce-plan sizes them. */
  readonly records: readonly PlannedRecord[];
  /** The topic's max.message.bytes when the call was made. */
  readonly batchBytes: number;
  /** Records handed to a request so far (a prefix of `messages`). */
  sent: number;
  /** Offsets of the records written so far, in call order. */
  readonly results: PublishResult[];
  settled: boolean;
  readonly resolve: (results: PublishResult[]) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * A call's error once a request carrying its records was sent: they may have been written (a
 * refused partition fails the whole request, whose other partitions Kafka wrote), and it says so
 * when some of its records were written by earlier requests.
 */
function partly(error: BusError, call: PendingProduce): BusError {
  const first = call.results[0];
  const written = first
    ? `; the call's first ${call.results.length} of ${call.messages.length} records were written (from ${call.topic}[${first.partition}]@${first.offset} on)`
    : '';
  return new BusError({
    code: error.code,
    message: `${error.message}${written}`,
    retriable: error.retriable,
    mayHaveWritten: true,
    cause: error,
  });
}

function settle(call: PendingProduce, outcome: { results: PublishResult[] } | { error: unknown }): void {
  if (call.settled) return;
  call.settled = true;
  if ('results' in outcome) call.resolve(outcome.results);
  else call.reject(outcome.error);
}

export class KafkaBus implements Bus {
  readonly kind = 'kafka' as const;
  readonly admin: BusAdmin;
  private readonly kafka: Kafka;
  /** Producer lanes: each topic is published through one of them, chosen at its first publish. */
  private readonly lanes: ProducerLane[];
  private readonly laneOfTopic = new Map<string, ProducerLane>();
  private readonly producerOptions: ProducerThreadOptions;
  private producerThread: ProducerThread | undefined;
  private readonly kafkaAdmin: Admin;
  private readonly logger: Logger;
  private readonly subscriptions = new Set<KafkaSubscription>();
  private readonly readers = new Set<Reader>();
  private readonly partitionFor = createKeyPartitioner();
  /** Partition counts of topics we have seen, so a publish costs no metadata round trip. */
  private readonly partitionCounts = new Map<string, number>();
  /** What publishing to a topic needs to know, read once (again when the topic is looked up again). */
  private readonly targets = new Map<string, ProduceTarget>();
  private readonly targetLookups = new Map<string, Promise<ProduceTarget>>();
  private brokerLimits: Promise<{ messageMaxBytes: number | undefined; requestBytes: number }> | undefined;
  /** The topic data a produce request may carry: socket.request.max.bytes less the request's header. */
  private requestBytes = DEFAULT_SOCKET_REQUEST_MAX_BYTES - REQUEST_HEADER_BYTES;
  private state: 'new' | 'running' | 'stopped' = 'new';
  private readerSweep: Promise<void> | undefined;

  constructor(private readonly options: KafkaBusOptions) {
    if (options.brokers.length === 0) {
      throw new BusError({ code: 'INVALID_ARGUMENT', message: 'KafkaBus needs at least one broker address' });
    }
    this.logger = options.logger ?? silentLogger();
    const retry = { retries: options.retries ?? 5, initialRetryTime: 100, maxRetryTime: 2_000 };
    // One client configuration, for this thread's admin and consumers and for the producer thread.
    const client = {
      clientId: options.clientId ?? 'puente',
      brokers: [...options.brokers],
      connectionTimeout: options.connectionTimeoutMs ?? 3_000,
      requestTimeout: options.requestTimeoutMs ?? 30_000,
      retry,
    };
    this.kafka = new Kafka({ ...client, logLevel: logLevel.WARN, logCreator: routeLogs(this.logger) });
    const producers = Math.max(1, options.producers ?? 3);
    this.lanes = Array.from({ length: producers }, (_, index) => ({ index, queue: [], producing: false }));
    this.producerOptions = { ...client, producers, logger: this.logger };
    this.kafkaAdmin = this.kafka.admin({ retry });
    this.admin = createKafkaAdmin(this.kafkaAdmin, this.partitionCounts, {
      leaderWaitMs: options.leaderWaitMs ?? 30_000,
      // Topics just made ready are about to be published to: what a publish needs to know of them
      // is read now, so the first publish does not wait for it (a lookup that fails is retried
      // by that publish).
      onReady: (topics) => {
        for (const topic of topics) Promise.resolve(this.produceTarget(topic)).catch(() => undefined);
      },
    });
  }

  async start(): Promise<void> {
    if (this.state === 'running') return;
    try {
      await this.kafkaAdmin.connect();
      this.producerThread = this.newProducerThread();
      await this.producerThread.connect();
    } catch (error) {
      await this.producerThread?.stop();
      await this.kafkaAdmin.disconnect().catch(() => undefined);
      throw fromKafkaError(error, `connecting to Kafka at ${this.options.brokers.join(',')}`);
    }
    this.state = 'running';
  }

  /** A producer thread that, should it end unexpectedly, is replaced while the bus runs. */
  private newProducerThread(): ProducerThread {
    const thread: ProducerThread = new ProducerThread({
      ...this.producerOptions,
      onUnexpectedExit: () => {
        if (this.state !== 'running' || this.producerThread !== thread) return;
        const replacement = this.newProducerThread();
        this.producerThread = replacement;
        replacement
          .connect()
          .then(() => this.logger.warn('producer thread replaced'))
          .catch((error: unknown) => this.logger.error({ err: error }, 'replacement producer thread cannot connect'));
      },
    });
    return thread;
  }

  async stop(): Promise<void> {
    if (this.state !== 'running') return;
    this.state = 'stopped';
    // Calls still queued behind the request in flight are refused, not silently dropped.
    for (const call of this.lanes.flatMap((lane) => lane.queue.splice(0))) {
      const begun = call.sent > 0 ? ` (the first ${call.sent} of its ${call.messages.length} records were sent)` : '';
      settle(call, {
        error: new BusError({
          code: 'STOPPED',
          message: `KafkaBus stopped before publishing to '${call.topic}'${begun}`,
          mayHaveWritten: call.sent > 0,
        }),
      });
    }
    await Promise.allSettled([
      ...[...this.subscriptions].map((subscription) => subscription.stop()),
      ...[...this.readers].map((reader) => reader.stop()),
    ]);
    await Promise.allSettled([this.producerThread?.stop(), this.kafkaAdmin.disconnect()]);
  }

  async publish(topic: string, records: readonly BusRecord[]): Promise<PublishResult[]> {
    this.assertRunning();
    if (records.length === 0) return [];
    // Known, the call is queued before publish returns; else it waits with the calls made before it.
    const known = this.produceTarget(topic);
    const { partitions, batchBytes, requestBytes } = known instanceof Promise ? await known : known;
    this.assertRunning();
    // Records without a timestamp are stamped here, not when encoded, so their batches can be
    // sized exactly before they are grouped.
    const now = Date.now();
    // We choose partitions ourselves (Kafka's default murmur2 hashing) so every record's offset
    // can be derived from its partition's base offset in the produce response.
    const messages: WireMessage[] = [];
    const planned: PlannedRecord[] = [];
    const what = (index: number) => `record ${index} of ${records.length} for topic '${topic}'`;
    for (let index = 0; index < records.length; index++) {
      const record = records[index]!;
      const timestamp = record.timestamp ?? now;
      if (!Number.isSafeInteger(timestamp)) {
        throw new BusError({
          code: 'INVALID_ARGUMENT',
          message: `${what(index)}: timestamp must be whole milliseconds, got ${String(timestamp)}`,
        });
      }
      const partition = this.partitionFor(topic, record.key, partitions);
      const message: WireMessage = {
        key: record.key,
        value: record.value,
        partition,
        timestamp: String(timestamp),
        ...(record.headers ? { headers: { ...record.headers } } : {}),
      };
      let base: number;
      try {
        base = recordBodyBase(message);
      } catch (error) {
        throw new BusError({
          code: 'INVALID_ARGUMENT',
          message: `${what(index)}: ${(error as Error).message}`,
          cause: error,
        });
      }
      // Refused here, alone: sent, it would fail every call grouped with it.
      const alone = batchBytesAlone({ base });
      if (alone > batchBytes) {
        throw new BusError({
          code: 'RECORD_TOO_LARGE',
          message: `${what(index)} is ${alone} bytes as a record batch, over the topic's limit of ${batchBytes} bytes (max.message.bytes)`,
        });
      }
      if (requestBytesAlone(topic, { base }) > requestBytes) {
        throw new BusError({
          code: 'RECORD_TOO_LARGE',
          message: `${what(index)} is ${alone} bytes as a record batch, over the ${requestBytes} bytes a produce request may carry (socket.request.max.bytes)`,
        });
      }
      messages.push(message);
      planned.push({ partition, base, timestamp });
    }
    return new Promise<PublishResult[]>((resolve, reject) => {
      let lane = this.laneOfTopic.get(topic);
      if (!lane) {
        lane = this.lanes[this.laneOfTopic.size % this.lanes.length]!;
        this.laneOfTopic.set(topic, lane);
      }
      lane.queue.push({
        topic,
        messages,
        records: planned,
        batchBytes,
        sent: 0,
        results: [],
        settled: false,
        resolve,
        reject,
      });
      this.flushProduceQueue(lane);
    });
  }

  /**
   * Group commit. An idempotent producer has one request in flight per broker, so calls made
   * while a request is out would each wait for a round trip of their own: instead, what is
   * queued meanwhile on a lane goes out together as its next request (one record batch per
   * partition), in call order, so per-partition order is the order of the calls (a topic always
   * uses the same lane). A request takes as much of the queue as fits the topics'
   * max.message.bytes per partition batch and the broker's socket.request.max.bytes in all
   * (produce-plan.ts); a call that does not fit goes on in the next. Lanes (separate producers
   * and connections) let different topics' requests be in flight at the same time.
   */
  private flushProduceQueue(lane: ProducerLane): void {
    while (!lane.producing && lane.queue.length > 0) {
      const { slices } = planRequest(lane.queue, this.requestBytes);
      if (slices.length === 0) {
        // Each record was checked alone against its call's limits: only a smaller request
        // limit than at publish could get here. Refuse the call rather than stall the lane.
        const call = lane.queue.shift()!;
        settle(call, {
          error: new BusError({
            code: 'RECORD_TOO_LARGE',
            message: `record ${call.sent} for topic '${call.topic}' no longer fits a produce request of ${this.requestBytes} bytes`,
          }),
        });
        continue;
      }
      const taken = slices.map((slice) => ({ ...slice, call: lane.queue[slice.call]! }));
      for (const slice of taken) slice.call.sent = slice.to;
      // Calls sent whole leave the queue; one cut short stays at its head for the next request.
      lane.queue.splice(0, taken.filter((slice) => slice.to === slice.call.messages.length).length);
      lane.producing = true;
      void this.produceTogether(lane, taken).finally(() => {
        lane.producing = false;
        // A call that failed part-way is over: the rest of it is not sent.
        if (lane.queue[0]?.settled) lane.queue.shift();
        this.flushProduceQueue(lane);
      });
    }
  }

  private async produceTogether(
    lane: ProducerLane,
    taken: readonly (Omit<RequestSlice, 'call'> & { call: PendingProduce })[],
  ): Promise<void> {
    const byTopic = new Map<string, WireMessage[]>();
    for (const { call, from, to } of taken) {
      let list = byTopic.get(call.topic);
      if (!list) byTopic.set(call.topic, (list = []));
      for (let i = from; i < to; i++) list.push(call.messages[i]!);
    }
    let metadata: ProducedPartition[];
    if (!this.producerThread) {
      const error = new BusError({ code: 'NOT_STARTED', message: 'KafkaBus is not started' });
      for (const { call } of taken) settle(call, { error });
      return;
    }
    try {
      metadata = await this.producerThread.send(
        lane.index,
        [...byTopic].map(([topic, messages]) => ({ topic, messages })),
      );
    } catch (error) {
      const code = fromKafkaError(error, 'publishing').code;
      if (code === 'RECORD_TOO_LARGE') {
        // Sized within the limits we read: a topic's limit was lowered since. Read them again.
        this.logger.warn(
          { topics: [...byTopic.keys()] },
          'Kafka refused a produce request as too large; reading limits again',
        );
      }
      for (const { call, from, to } of taken) {
        if (code === 'UNKNOWN_TOPIC' || code === 'RECORD_TOO_LARGE') {
          this.partitionCounts.delete(call.topic);
          this.targets.delete(call.topic);
        }
        const busError = fromKafkaError(error, `publishing ${to - from} record(s) to '${call.topic}'`);
        settle(call, { error: partly(busError, call) });
      }
      return;
    }
    // Offsets follow call order within each partition, from the partition's base offset.
    const next = new Map<string, bigint>();
    for (const entry of metadata)
      next.set(`${entry.topicName}\u0000${entry.partition}`, BigInt(entry.baseOffset ?? '0'));
    for (const { call, from, to } of taken) {
      let missing: number | undefined;
      for (let i = from; i < to; i++) {
        const partition = call.messages[i]!.partition;
        const at = `${call.topic}\u0000${partition}`;
        const offset = next.get(at);
        if (offset === undefined) {
          missing = partition;
          break;
        }
        next.set(at, offset + 1n);
        call.results.push({ topic: call.topic, partition, offset: offset.toString() });
      }
      if (missing !== undefined) {
        const error = new BusError({
          code: 'INTERNAL',
          message: `no produce acknowledgement for ${call.topic}[${missing}]`,
        });
        settle(call, { error: partly(error, call) });
      } else if (to === call.messages.length) settle(call, { results: call.results });
    }
  }

  async subscribe(options: SubscribeOptions): Promise<Subscription> {
    this.assertRunning();
    if (options.topics.length === 0) {
      throw new BusError({ code: 'INVALID_ARGUMENT', message: 'subscribe needs at least one topic' });
    }
    const existing = new Set(
      await this.kafkaAdmin.listTopics().catch((e: unknown) => {
        throw fromKafkaError(e, 'listing topics');
      }),
    );
    for (const topic of options.topics) if (!existing.has(topic)) throw unknownTopic(topic);
    const consumer = this.kafka.consumer({
      groupId: options.groupId,
      allowAutoTopicCreation: false,
      sessionTimeout: this.options.sessionTimeoutMs ?? 10_000,
      heartbeatInterval: this.options.heartbeatIntervalMs ?? 1_000,
      rebalanceTimeout: 30_000,
      maxWaitTimeInMs: this.options.maxWaitTimeMs ?? 100,
    });
    const subscription = new KafkaSubscription(consumer, options, this.logger, () =>
      this.subscriptions.delete(subscription),
    );
    this.subscriptions.add(subscription);
    try {
      await subscription.start();
    } catch (error) {
      this.subscriptions.delete(subscription);
      await consumer.disconnect().catch(() => undefined);
      throw fromKafkaError(error, `subscribing group '${options.groupId}' to ${options.topics.join(', ')}`);
    }
    return subscription;
  }

  async readFrom(options: ReadFromOptions): Promise<Reader> {
    this.assertRunning();
    const reads = topicsToRead(options);
    const at = (topic: string, partition: number) => `${topic}\u0000${partition}`;
    // Next offset wanted per topic partition read; the topics' other partitions stay paused.
    const wanted = new Map<string, bigint>();
    const partitionCounts = new Map<string, number>();
    for (const read of reads) {
      const partitions = await this.partitionCount(read.topic);
      partitionCounts.set(read.topic, partitions);
      for (const { partition, offset } of read.positions) {
        if (partition < 0 || partition >= partitions) {
          throw new BusError({ code: 'INVALID_ARGUMENT', message: `${read.topic} has no partition ${partition}` });
        }
        wanted.set(at(read.topic, partition), BigInt(offset));
      }
    }
    const topics = [...partitionCounts.keys()];
    const unwanted = [...partitionCounts]
      .map(([topic, count]) => ({
        topic,
        partitions: Array.from({ length: count }, (_, p) => p).filter((p) => !wanted.has(at(topic, p))),
      }))
      .filter((entry) => entry.partitions.length > 0);
    // kafkajs has no manual assignment: a private group of one member, seeking each wanted
    // partition once it joins and pausing the others. Nothing is ever committed for it; it is
    // deleted when the reader stops, and one a dead process left behind by the next bus's sweep.
    await (this.readerSweep ??= this.sweepOrphanReaderGroups());
    const groupId = `${READER_GROUP_PREFIX}${this.options.clientId ?? 'puente'}.${randomUUID()}`;
    const consumer = this.kafka.consumer({
      groupId,
      allowAutoTopicCreation: false,
      sessionTimeout: this.options.sessionTimeoutMs ?? 10_000,
      heartbeatInterval: this.options.heartbeatIntervalMs ?? 1_000,
      maxWaitTimeInMs: this.options.maxWaitTimeMs ?? 100,
    });
    let paused = false;
    // One reader may serve several topics (the gateway's tails): a crash stops all of them.
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      this.logger.error({ err: payload.error, topics, groupId, restart: payload.restart }, 'reader crashed');
    });
    consumer.on(consumer.events.GROUP_JOIN, () => {
      for (const read of reads)
        for (const { partition } of read.positions)
          consumer.seek({
            topic: read.topic,
            partition,
            offset: (wanted.get(at(read.topic, partition)) ?? 0n).toString(),
          });
      if (unwanted.length > 0) consumer.pause(unwanted);
      if (paused) consumer.pause(topics.map((topic) => ({ topic })));
    });
    try {
      await consumer.connect();
      await consumer.subscribe({ topics, fromBeginning: true });
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: true,
        eachBatch: async ({ batch }) => {
          const key = at(batch.topic, batch.partition);
          const from = wanted.get(key);
          if (from === undefined) return;
          // Until the seek lands, a fetch from the group's default position may arrive: skip it.
          // Offsets ascend within a batch, so only a batch starting before `from` is filtered.
          const first = batch.messages[0];
          const messages =
            first !== undefined && BigInt(first.offset) >= from
              ? batch.messages
              : batch.messages.filter((message) => BigInt(message.offset) >= from);
          if (messages.length === 0) return;
          await options.handler({
            topic: batch.topic,
            partition: batch.partition,
            highWatermark: batch.highWatermark,
            records: messages.map((message) => toConsumedRecord(batch.topic, batch.partition, message)),
          });
          wanted.set(key, BigInt(messages[messages.length - 1]?.offset ?? '0') + 1n);
        },
      });
    } catch (error) {
      await consumer.disconnect().catch(() => undefined);
      await this.kafkaAdmin.deleteGroups([groupId]).catch(() => undefined);
      throw fromKafkaError(error, `reading ${topics.join(', ')} from explicit offsets`);
    }
    let stopping: Promise<void> | undefined;
    const reader: Reader = {
      pause: () => {
        paused = true;
        consumer.pause(topics.map((topic) => ({ topic })));
      },
      resume: () => {
        paused = false;
        consumer.resume(
          reads.map((read) => ({ topic: read.topic, partitions: read.positions.map((p) => p.partition) })),
        );
      },
      stop: () => {
        stopping ??= consumer
          .disconnect()
          .then(() => this.kafkaAdmin.deleteGroups([groupId]))
          .then(() => undefined)
          .catch((error: unknown) => this.logger.warn({ err: error, groupId }, 'reader group not deleted'))
          .finally(() => this.readers.delete(reader));
        return stopping;
      },
    };
    this.readers.add(reader);
    return reader;
  }

  /** The reader consumer groups on the cluster, any process's (`puente.reader.…`): for operators and tests. */
  async listReaderGroups(): Promise<string[]> {
    this.assertRunning();
    try {
      const { groups } = await this.kafkaAdmin.listGroups();
      return groups.map((g) => g.groupId).filter((id) => id.startsWith(READER_GROUP_PREFIX));
    } catch (error) {
      throw fromKafkaError(error, 'listing consumer groups');
    }
  }

  /**
   * Deletes reader groups nobody is in: what readers of a process that died (SIGKILL, a crash, a
   * failed start) left behind. A reader's group holds no offsets, so deleting one whose member
   * merely timed out costs nothing: the member joins again and seeks to where it was.
   */
  private async sweepOrphanReaderGroups(): Promise<void> {
    try {
      const { groups } = await this.kafkaAdmin.listGroups();
      const readerGroups = groups.map((g) => g.groupId).filter((id) => id.startsWith(READER_GROUP_PREFIX));
      if (readerGroups.length === 0) return;
      const described = await this.kafkaAdmin.describeGroups(readerGroups);
      const orphans = described.groups.filter((g) => g.state === 'Empty').map((g) => g.groupId);
      if (orphans.length === 0) return;
      await this.kafkaAdmin.deleteGroups(orphans);
      this.logger.info({ groups: orphans.length }, 'deleted reader groups left behind by stopped processes');
    } catch (error) {
      // Housekeeping only: a reader works without it.
      this.logger.warn({ err: error }, 'could not sweep reader groups left behind');
    }
  }

  private assertRunning(): void {
    if (this.state !== 'running') {
      throw new BusError({
        code: this.state === 'new' ? 'NOT_STARTED' : 'STOPPED',
        message: `KafkaBus is ${this.state === 'new' ? 'not started' : 'stopped'}`,
      });
    }
  }

  /**
   * A topic's partition count and limits: at once when known, else one lookup shared by every
   * call made meanwhile. Those calls resume in the order they were made, just after the result
   * is cached, so they are queued in call order, before any later call.
   */
  private produceTarget(topic: string): ProduceTarget | Promise<ProduceTarget> {
    const known = this.targets.get(topic);
    // A topic looked up afresh (deleted meanwhile, say) may have been made with another limit.
    if (known && this.partitionCounts.has(topic)) return known;
    let lookup = this.targetLookups.get(topic);
    if (!lookup) {
      lookup = (async () => {
        // Independent round trips, made at once: a first publish waits for the slowest only.
        const [partitions, batchBytes, { requestBytes }] = await Promise.all([
          this.partitionCount(topic),
          this.readBatchLimit(topic),
          this.readBrokerLimits(),
        ]);
        return { partitions, batchBytes, requestBytes };
      })();
      this.targetLookups.set(topic, lookup);
      // Registered before any caller awaits the lookup, so it runs first when it settles.
      lookup
        .then(
          (target) => {
            this.targets.set(topic, target);
            this.requestBytes = target.requestBytes;
          },
          () => undefined,
        )
        .finally(() => this.targetLookups.delete(topic))
        .catch(() => undefined);
    }
    return lookup;
  }

  /**
   * The largest record batch `topic` takes: its max.message.bytes (which is the broker's
   * message.max.bytes unless the topic overrides it). Never fails: a limit that cannot be read
   * falls back to the brokers', then to Kafka's default, and says so.
   */
  private async readBatchLimit(topic: string): Promise<number> {
    try {
      const { resources } = await this.kafkaAdmin.describeConfigs({
        includeSynonyms: false,
        resources: [{ type: TOPIC_RESOURCE, name: topic, configNames: ['max.message.bytes'] }],
      });
      return configNumber(resources, 'max.message.bytes');
    } catch (error) {
      const { messageMaxBytes } = await this.readBrokerLimits();
      const limit = messageMaxBytes ?? DEFAULT_MESSAGE_MAX_BYTES;
      this.logger.warn(
        { err: error, topic, limit },
        messageMaxBytes === undefined
          ? "cannot read the topic's max.message.bytes nor the brokers' message.max.bytes: assuming Kafka's default"
          : "cannot read the topic's max.message.bytes: using the brokers' message.max.bytes",
      );
      return limit;
    }
  }

  /** The brokers' message.max.bytes and socket.request.max.bytes (the least of each), read once. */
  private readBrokerLimits(): Promise<{ messageMaxBytes: number | undefined; requestBytes: number }> {
    this.brokerLimits ??= (async () => {
      let messageMaxBytes: number | undefined;
      let socketBytes = DEFAULT_SOCKET_REQUEST_MAX_BYTES;
      try {
        const { brokers } = await this.kafkaAdmin.describeCluster();
        const { resources } = await this.kafkaAdmin.describeConfigs({
          includeSynonyms: false,
          resources: brokers.map(({ nodeId }) => ({
            type: BROKER_RESOURCE,
            name: String(nodeId),
            configNames: ['message.max.bytes', 'socket.request.max.bytes'],
          })),
        });
        messageMaxBytes = configNumber(resources, 'message.max.bytes');
        socketBytes = configNumber(resources, 'socket.request.max.bytes');
      } catch (error) {
        this.logger.warn(
          { err: error, socketRequestMaxBytes: socketBytes },
          "cannot read the brokers' message.max.bytes and socket.request.max.bytes: assuming Kafka's default request size",
        );
      }
      return {
        messageMaxBytes,
        requestBytes: socketBytes - REQUEST_HEADER_BYTES - Buffer.byteLength(this.producerOptions.clientId),
      };
    })();
    return this.brokerLimits;
  }

  private async partitionCount(topic: string): Promise<number> {
    const known = this.partitionCounts.get(topic);
    if (known !== undefined) return known;
    try {
      // listTopics answers for a missing topic at once; a metadata request for it would retry.
      const topics = await this.kafkaAdmin.listTopics();
      if (!topics.includes(topic)) throw unknownTopic(topic);
      const { topics: described } = await this.kafkaAdmin.fetchTopicMetadata({ topics: [topic] });
      const count = described[0]?.partitions.length ?? 0;
      if (count === 0) throw unknownTopic(topic);
      this.partitionCounts.set(topic, count);
      return count;
    } catch (error) {
      throw fromKafkaError(error, `looking up topic '${topic}'`);
    }
  }
}

class KafkaSubscription implements Subscription {
  private assigned: TopicPartition[] = [];
  private stopping: Promise<void> | undefined;

  constructor(
    private readonly consumer: Consumer,
    private readonly options: SubscribeOptions,
    private readonly logger: Logger,
    private readonly onStop: () => void,
  ) {}

  get groupId(): string {
    return this.options.groupId;
  }

  async start(): Promise<void> {
    const { consumer, options } = this;
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      this.assigned = Object.entries(payload.memberAssignment).flatMap(([topic, partitions]) =>
        partitions.map((partition) => ({ topic, partition })),
      );
      options.onAssignment?.(this.assigned);
    });
    consumer.on(consumer.events.REBALANCING, () => {
      this.assigned = [];
    });
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      this.logger.error({ err: payload.error, groupId: options.groupId, restart: payload.restart }, 'consumer crashed');
    });
    await consumer.connect();
    await consumer.subscribe({ topics: [...options.topics], fromBeginning: options.fromBeginning ?? false });
    await consumer.run({
      autoCommit: false,
      // Resolving advances the fetch position only; what is committed stays the caller's decision.
      eachBatchAutoResolve: true,
      partitionsConsumedConcurrently: 1,
      eachBatch: async ({ batch }) => {
        if (batch.messages.length === 0) return;
        const records: ConsumedRecord[] = batch.messages.map((message) =>
          toConsumedRecord(batch.topic, batch.partition, message),
        );
        await options.handler({
          topic: batch.topic,
          partition: batch.partition,
          records,
          highWatermark: batch.highWatermark,
        });
        if (options.autoCommit) {
          await consumer.commitOffsets([
            { topic: batch.topic, partition: batch.partition, offset: (BigInt(batch.lastOffset()) + 1n).toString() },
          ]);
        }
      },
    });
  }

  async commit(offsets: readonly TopicPartitionOffset[]): Promise<void> {
    try {
      await this.consumer.commitOffsets(offsets.map(({ topic, partition, offset }) => ({ topic, partition, offset })));
    } catch (error) {
      throw fromKafkaError(error, `committing offsets for group '${this.groupId}'`);
    }
  }

  pause(topics?: readonly string[]): void {
    this.consumer.pause((topics ?? this.options.topics).map((topic) => ({ topic })));
  }

  resume(topics?: readonly string[]): void {
    this.consumer.resume((topics ?? this.options.topics).map((topic) => ({ topic })));
  }

  assignments(): readonly TopicPartition[] {
    return this.assigned;
  }

  stop(): Promise<void> {
    this.stopping ??= this.consumer
      .disconnect()
      .catch((error: unknown) => this.logger.warn({ err: error, groupId: this.groupId }, 'consumer disconnect failed'))
      .finally(() => {
        this.assigned = [];
        this.onStop();
      });
    return this.stopping;
  }
}

/** The least value of a numeric config across described resources; throws when none has it. */
function configNumber(resources: DescribeConfigResponse['resources'], name: string): number {
  const values = resources
    .flatMap((resource) => resource.configEntries)
    .filter((entry) => entry.configName === name)
    .map((entry) => Number(entry.configValue))
    .filter((value) => Number.isSafeInteger(value) && value > 0);
  if (values.length === 0) throw new Error(`Kafka described no ${name}`);
  return Math.min(...values);
}

function toConsumedRecord(topic: string, partition: number, message: KafkaMessage): ConsumedRecord {
  return {
    topic,
    partition,
    offset: message.offset,
    key: message.key === null ? null : message.key.toString('utf8'),
    value: message.value,
    headers: toBufferHeaders(message.headers),
    timestamp: Number(message.timestamp),
  };
}

function toBufferHeaders(headers: Record<string, Buffer | string | (Buffer | string)[] | undefined> | undefined) {
  const result: Record<string, Buffer> = {};
  for (const name in headers) {
    const value = headers[name];
    const single = Array.isArray(value) ? value[value.length - 1] : value;
    if (single !== undefined) result[name] = typeof single === 'string' ? Buffer.from(single) : single;
  }
  return result;
}

function createKafkaAdmin(
  admin: Admin,
  partitionCounts: Map<string, number>,
  options: { readonly leaderWaitMs: number; readonly onReady: (topics: readonly string[]) => void },
): BusAdmin {
  const { leaderWaitMs } = options;
  const wrap = async <T>(context: string, work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (error) {
      throw fromKafkaError(error, context);
    }
  };
  return {
    ensureTopics: (specs: readonly TopicSpec[]) =>
      wrap('creating topics', async () => {
        for (const spec of specs) {
          if (!Number.isInteger(spec.partitions) || spec.partitions < 1) {
            throw new BusError({
              code: 'INVALID_ARGUMENT',
              message: `topic '${spec.topic}' needs a whole number of partitions ≥ 1, got ${spec.partitions}`,
            });
          }
        }
        const existing = new Set(await admin.listTopics());
        // The first spec of a topic wins; Kafka refuses a request naming a topic twice.
        const missing = specs.filter(
          (spec, index) => !existing.has(spec.topic) && specs.findIndex((s) => s.topic === spec.topic) === index,
        );
        if (missing.length > 0) {
          await admin.createTopics({
            waitForLeaders: false,
            topics: missing.map((spec) => ({
              topic: spec.topic,
              numPartitions: spec.partitions,
              replicationFactor: spec.replicationFactor ?? 1,
              configEntries: [
                { name: 'retention.ms', value: String(spec.retentionMs ?? 7 * 24 * 3_600_000) },
                { name: 'cleanup.policy', value: spec.cleanupPolicy ?? 'delete' },
              ]
                .filter(({ name }) => spec.configs?.[name] === undefined)
                .concat(Object.entries(spec.configs ?? {}).map(([name, value]) => ({ name, value }))),
            })),
          });
        }
        // Topics another process has just created may not be served yet either: all are waited for.
        const ready = [...new Set(specs.map((spec) => spec.topic))];
        await waitForLeaders(admin, ready, leaderWaitMs);
        options.onReady(ready);
        return missing.map((spec) => spec.topic);
      }),
    listTopics: () =>
      wrap('listing topics', async () => {
        const names = (await admin.listTopics()).filter((name) => !name.startsWith('__')).sort();
        return Promise.all(
          names.map(async (topic): Promise<TopicInfo> => {
            const offsets = await admin.fetchTopicOffsets(topic);
            return {
              topic,
              partitions: offsets
                .map(({ partition, low, high }) => ({ partition, low, high }))
                .sort((a, b) => a.partition - b.partition),
            };
          }),
        );
      }),
    describeTopic: (topic: string) =>
      wrap(`describing topic '${topic}'`, async (): Promise<TopicDescription> => {
        // listTopics answers for a missing topic at once; a metadata request for it would retry.
        if (!(await admin.listTopics()).includes(topic)) throw unknownTopic(topic);
        const [{ topics }, offsets, configs] = await Promise.all([
          admin.fetchTopicMetadata({ topics: [topic] }),
          admin.fetchTopicOffsets(topic),
          admin.describeConfigs({
            resources: [{ type: TOPIC_RESOURCE, name: topic }],
            includeSynonyms: false,
          }),
        ]);
        const entries = configs.resources[0]?.configEntries ?? [];
        const value = (name: string) => entries.find((entry) => entry.configName === name)?.configValue;
        const config: Record<string, string> = {};
        for (const entry of entries) {
          // Set on the topic itself (configSource needs DescribeConfigs v1+; isDefault otherwise).
          const own = entry.configSource === undefined ? !entry.isDefault : entry.configSource === TOPIC_CONFIG_SOURCE;
          if (own && !entry.isSensitive) config[entry.configName] = entry.configValue;
        }
        const placement = new Map((topics[0]?.partitions ?? []).map((p) => [p.partitionId, p]));
        return {
          topic,
          partitions: offsets
            .map(({ partition, low, high }) => ({
              partition,
              low,
              high,
              leader: placement.get(partition)?.leader ?? -1,
              replicas: [...(placement.get(partition)?.replicas ?? [])],
              inSyncReplicas: [...(placement.get(partition)?.isr ?? [])],
            }))
            .sort((a, b) => a.partition - b.partition),
          retentionMs: Number(value('retention.ms') ?? '-1'),
          retentionBytes: Number(value('retention.bytes') ?? '-1'),
          cleanupPolicy: value('cleanup.policy') ?? 'delete',
          config,
        };
      }),
    describeGroup: (groupId: string, topics: readonly string[]) =>
      wrap(`describing group '${groupId}'`, async (): Promise<GroupDescription> => {
        const [{ groups }, committed, ...topicOffsets] = await Promise.all([
          admin.describeGroups([groupId]),
          admin.fetchOffsets({ groupId, topics: [...topics] }),
          ...topics.map((topic) => admin.fetchTopicOffsets(topic)),
        ]);
        const group = groups[0];
        const partitions = topics.flatMap((topic, index) =>
          (topicOffsets[index] ?? []).map(({ partition, low, high }) => {
            const raw = committed.find((c) => c.topic === topic)?.partitions.find((p) => p.partition === partition);
            const hasCommit = raw !== undefined && raw.offset !== '-1';
            const from = BigInt(hasCommit ? raw.offset : low);
            const lag = BigInt(high) - from;
            return {
              topic,
              partition,
              committed: hasCommit ? raw.offset : null,
              high,
              lag: (lag > 0n ? lag : 0n).toString(),
            };
          }),
        );
        partitions.sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
        return { groupId, state: group?.state ?? 'Dead', members: group?.members.length ?? 0, partitions };
      }),
    deleteTopics: (topics: readonly string[]) =>
      wrap('deleting topics', async () => {
        await admin.deleteTopics({ topics: [...topics] });
        for (const topic of topics) partitionCounts.delete(topic);
      }),
  };
}

/**
 * Resolves once every partition of the topics has a leader that serves it. Metadata alone is not
 * enough: a broker publishes a new partition's leader in its metadata before its replica manager
 * has taken the partition on, and a request in that gap fails with "not the leader for that
 * topic-partition" — the first start on a fresh broker did. A ListOffsets per topic goes to each
 * partition's leader, so its success is the proof.
 */
async function waitForLeaders(admin: Admin, topics: readonly string[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let pending = [...topics];
  let lastProblem = 'no metadata yet';
  for (;;) {
    const still: string[] = [];
    for (const topic of pending) {
      try {
        const { topics: [metadata] = [] } = await admin.fetchTopicMetadata({ topics: [topic] });
        const leaderless = metadata?.partitions.filter((p) => p.leader < 0).map((p) => p.partitionId) ?? [];
        if (!metadata || metadata.partitions.length === 0 || leaderless.length > 0) {
          still.push(topic);
          lastProblem = `${topic} partitions ${leaderless.join(', ') || '(none yet)'} have no leader`;
          continue;
        }
        await admin.fetchTopicOffsets(topic);
      } catch (error) {
        still.push(topic);
        lastProblem = `${topic}: ${error instanceof Error ? error.message : String(error)}`;
      }
    }
    if (still.length === 0) return;
    pending = still;
    if (Date.now() >= deadline) {
      throw new BusError({
        code: 'TIMEOUT',
        retriable: true,
        message: `topics ${pending.join(', ')} got no serving partition leaders within ${timeoutMs} ms (last: ${lastProblem})`,
      });
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
