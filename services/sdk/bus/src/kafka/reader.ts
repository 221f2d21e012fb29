// Readers from explicit offsets. kafkajs has no manual assignment, so a reader is a private group
// of one member that seeks each wanted partition once it joins and pauses the others. Nothing is
// ever committed for it; it is deleted when the reader stops, and one a dead process left behind
// by the next bus's sweep.
import { randomUUID } from 'node:crypto';

import type { Batch, Consumer } from 'kafkajs';

import { BusError } from '../errors.js';
import { topicsToRead, type ReadFromOptions, type Reader, type TopicPositions } from '../types.js';
import type { KafkaContext } from './context.js';
import { fromKafkaError } from './errors.js';
import { toConsumedRecord } from './records.js';

/**
 * Consumer groups of `readFrom` readers are `puente.reader.<clientId>.<uuid>`: one per reader,
 * deleted when it stops; any empty one under this prefix is an orphan and may be deleted.
 */
export const READER_GROUP_PREFIX = 'puente.reader.';

/** The reader groups of one bus: named here, and swept of orphans before the first is made. */
export class ReaderGroups {
  private sweep: Promise<void> | undefined;

  constructor(private readonly context: KafkaContext) {}

  /** A new reader group's id, once the orphans other processes left behind are swept (the first time). */
  async newGroupId(): Promise<string> {
    await (this.sweep ??= this.sweepOrphans());
    return `${READER_GROUP_PREFIX}${this.context.clientId}.${randomUUID()}`;
  }

  /** The reader consumer groups on the cluster, any process's (`puente.reader.…`). */
  async list(): Promise<string[]> {
    try {
      const { groups } = await this.context.admin.listGroups();
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
  private async sweepOrphans(): Promise<void> {
    const { admin, logger } = this.context;
    try {
      const { groups } = await admin.listGroups();
      const readerGroups = groups.map((g) => g.groupId).filter((id) => id.startsWith(READER_GROUP_PREFIX));
      if (readerGroups.length === 0) return;
      const described = await admin.describeGroups(readerGroups);
      const orphans = described.groups.filter((g) => g.state === 'Empty').map((g) => g.groupId);
      if (orphans.length === 0) return;
      await admin.deleteGroups(orphans);
      logger.info({ groups: orphans.length }, 'deleted reader groups left behind by stopped processes');
    } catch (error) {
      // Housekeeping only: a reader works without it.
      logger.warn({ err: error }, 'could not sweep reader groups left behind');
    }
  }
}

/** What a reader reads from where, and what of its topics it leaves paused. */
export interface ReadPlan {
  readonly reads: readonly TopicPositions[];
  /** Next offset wanted per topic partition read (`positionKey`); the topics' other partitions stay paused. */
  readonly wanted: Map<string, bigint>;
  readonly topics: readonly string[];
  /** The partitions of the topics that are not read. */
  readonly unwanted: readonly { readonly topic: string; readonly partitions: number[] }[];
}

export const positionKey = (topic: string, partition: number): string => `${topic}\u0000${partition}`;

/** The plan of a reader; refuses a partition its topic does not have. */
export async function planRead(
  options: ReadFromOptions,
  partitionCount: (topic: string) => Promise<number>,
): Promise<ReadPlan> {
  const reads = topicsToRead(options);
  const wanted = new Map<string, bigint>();
  const partitionCounts = new Map<string, number>();
  for (const read of reads) {
    const partitions = await partitionCount(read.topic);
    partitionCounts.set(read.topic, partitions);
    for (const { partition, offset } of read.positions) {
      if (partition < 0 || partition >= partitions) {
        throw new BusError({ code: 'INVALID_ARGUMENT', message: `${read.topic} has no partition ${partition}` });
      }
      wanted.set(positionKey(read.topic, partition), BigInt(offset));
    }
  }
  const topics = [...partitionCounts.keys()];
  const unwanted = [...partitionCounts]
    .map(([topic, count]) => ({
      topic,
      partitions: Array.from({ length: count }, (_, p) => p).filter((p) => !wanted.has(positionKey(topic, p))),
    }))
    .filter((entry) => entry.partitions.length > 0);
  return { reads, wanted, topics, unwanted };
}

/**
 * The reader's batch handler: hands on the records at or after each partition's wanted offset,
 * then wants the one after the last. Until the seek lands, a fetch from the group's default
 * position may arrive: what comes before the wanted offset is skipped.
 */
export function readerBatchHandler(
  wanted: Map<string, bigint>,
  handler: ReadFromOptions['handler'],
): (payload: { batch: Pick<Batch, 'topic' | 'partition' | 'highWatermark' | 'messages'> }) => Promise<void> {
  return async ({ batch }) => {
    const key = positionKey(batch.topic, batch.partition);
    const from = wanted.get(key);
    if (from === undefined) return;
    // Offsets ascend within a batch, so only a batch starting before `from` is filtered.
    const first = batch.messages[0];
    const messages =
      first !== undefined && BigInt(first.offset) >= from
        ? batch.messages
        : batch.messages.filter((message) => BigInt(message.offset) >= from);
    if (messages.length === 0) return;
    await handler({
      topic: batch.topic,
      partition: batch.partition,
      highWatermark: batch.highWatermark,
      records: messages.map((message) => toConsumedRecord(batch.topic, batch.partition, message)),
    });
    wanted.set(key, BigInt(messages[messages.length - 1]?.offset ?? '0') + 1n);
  };
}

/** Opens a reader from explicit offsets; it is in `readers` from then until it stops. */
export async function openReader(
  context: KafkaContext,
  deps: {
    readonly groups: ReaderGroups;
    readonly readers: Set<Reader>;
    readonly partitionCount: (topic: string) => Promise<number>;
  },
  options: ReadFromOptions,
): Promise<Reader> {
  const plan = await planRead(options, deps.partitionCount);
  const groupId = await deps.groups.newGroupId();
  const consumer = context.kafka.consumer({ groupId, allowAutoTopicCreation: false, ...context.consumer });
  const reader = new KafkaReader(context, consumer, groupId, plan, () => deps.readers.delete(reader));
  try {
    await reader.start(options.handler);
  } catch (error) {
    await consumer.disconnect().catch(() => undefined);
    await context.admin.deleteGroups([groupId]).catch(() => undefined);
    throw fromKafkaError(error, `reading ${plan.topics.join(', ')} from explicit offsets`);
  }
  deps.readers.add(reader);
  return reader;
}

class KafkaReader implements Reader {
  private paused = false;
  private stopping: Promise<void> | undefined;

  constructor(
    private readonly context: KafkaContext,
    private readonly consumer: Consumer,
    private readonly groupId: string,
    private readonly plan: ReadPlan,
    private readonly onStop: () => void,
  ) {}

  async start(handler: ReadFromOptions['handler']): Promise<void> {
    const { consumer, groupId, plan } = this;
    // One reader may serve several topics (the gateway's tails): a crash stops all of them.
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      this.context.logger.error(
        { err: payload.error, topics: plan.topics, groupId, restart: payload.restart },
        'reader crashed',
      );
    });
    consumer.on(consumer.events.GROUP_JOIN, () => {
      for (const read of plan.reads)
        for (const { partition } of read.positions)
          consumer.seek({
            topic: read.topic,
            partition,
            offset: (plan.wanted.get(positionKey(read.topic, partition)) ?? 0n).toString(),
          });
      if (plan.unwanted.length > 0) consumer.pause([...plan.unwanted]);
      if (this.paused) consumer.pause(plan.topics.map((topic) => ({ topic })));
    });
    await consumer.connect();
    await consumer.subscribe({ topics: [...plan.topics], fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: true,
      eachBatch: readerBatchHandler(plan.wanted, handler),
    });
  }

  pause(): void {
    this.paused = true;
    this.consumer.pause(this.plan.topics.map((topic) => ({ topic })));
  }

  resume(): void {
    this.paused = false;
    this.consumer.resume(
      this.plan.reads.map((read) => ({ topic: read.topic, partitions: read.positions.map((p) => p.partition) })),
    );
  }

  stop(): Promise<void> {
    this.stopping ??= this.consumer
      .disconnect()
      .then(() => this.context.admin.deleteGroups([this.groupId]))
      .then(() => undefined)
      .catch((error: unknown) =>
        this.context.logger.warn({ err: error, groupId: this.groupId }, 'reader group not deleted'),
      )
      .finally(() => this.onStop());
    return this.stopping;
  }
}
