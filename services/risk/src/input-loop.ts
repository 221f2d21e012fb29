// The consumer side: one group subscription over the input topics. Batches, sweeps and rebalances
// run one at a time; a record that cannot be used is dead-lettered; every record is taken in the
// offset tracker and commits go no further than the first record still pinned there.
import type {
  Bus,
  ConsumedRecord,
  DeadLetters,
  OffsetTracker,
  RecordBatch,
  Subscription,
  TopicPartition,
} from '@puente/bus';
import type { Logger } from '@puente/runtime';

import type { Position } from './position.js';
import { SerialQueue } from './serial-queue.js';

/** What the loop asks of the rest of the service; each runs in turn with every other. */
export interface InputHandlers {
  /** Takes one record with a value; throwing dead-letters it (or, when the bus failed, fails the batch). */
  accept(topic: string, value: Buffer, record: ConsumedRecord, position: Position): void;
  /** After each batch's records, before the commit. */
  afterBatch(): Promise<void>;
  /** Every sweep interval, before a commit. */
  sweep(): Promise<void>;
  /** After a rebalance, with the partitions kept: what was read from the others belongs to their new owner. */
  retain(partitions: readonly TopicPartition[]): void;
  /** On stop: forget what is buffered (it is re-read from the committed offsets on the next start). */
  clear(): void;
}

export interface InputLoopOptions {
  readonly bus: Bus;
  readonly groupId: string;
  readonly topics: readonly string[];
  readonly offsets: OffsetTracker;
  readonly deadLetters: DeadLetters;
  readonly logger: Logger;
  readonly sweepIntervalMs: number;
  readonly handlers: InputHandlers;
}

export class InputLoop {
  private readonly queue = new SerialQueue();
  private subscription: Subscription | undefined;
  private assigned: readonly TopicPartition[] = [];
  private sweeper: NodeJS.Timeout | undefined;

  constructor(private readonly options: InputLoopOptions) {}

  /** Joins the group (from the earliest offset where it never committed) and starts sweeping. */
  async start(): Promise<void> {
    const { bus, groupId, topics, sweepIntervalMs, logger, handlers } = this.options;
    this.subscription = await bus.subscribe({
      groupId,
      topics,
      fromBeginning: true,
      handler: (batch) => this.queue.run(() => this.handleBatch(batch)),
      onAssignment: (partitions) => this.onAssignment(partitions),
    });
    this.sweeper = setInterval(() => {
      this.queue
        .run(async () => {
          await handlers.sweep();
          await this.commit();
        })
        .catch((err: unknown) => logger.error({ err }, 'sweep failed; will retry'));
    }, sweepIntervalMs);
    this.sweeper.unref();
  }

  /** Stops sweeping, leaves the group, then forgets what is buffered and every offset. */
  async stop(): Promise<void> {
    clearInterval(this.sweeper);
    this.sweeper = undefined;
    const sub = this.subscription;
    await sub?.stop();
    this.subscription = undefined;
    await this.queue.run(async () => {
      this.options.handlers.clear();
      this.options.offsets.clear();
    });
  }

  private async handleBatch(batch: RecordBatch): Promise<void> {
    const { topic, partition } = batch;
    const { deadLetters, handlers, offsets } = this.options;
    for (const record of batch.records) {
      const position = { topic, partition, offset: Number(record.offset) };
      const value = record.value;
      if (value) {
        // A record that cannot be decoded or is invalid is dead-lettered; a failed dead-letter
        // write throws, so the batch comes again and nothing is committed past the record.
        await deadLetters.guard(record, () => handlers.accept(topic, value, record, position));
      }
      offsets.partition(topic, partition).take(position.offset);
    }
    await handlers.afterBatch();
    await this.commit();
  }

  private async commit(): Promise<void> {
    const sub = this.subscription;
    if (!sub) return;
    const { offsets, logger } = this.options;
    const positions = offsets.toCommit(this.assigned);
    if (positions.length === 0) return;
    try {
      await sub.commit(positions);
      offsets.committed(positions);
    } catch (err) {
      // Usually a rebalance took the partition: the next owner re-reads from the last commit.
      logger.warn({ err }, 'commit failed; records will be re-read and deduplicated');
    }
  }

  private onAssignment(partitions: readonly TopicPartition[]): void {
    this.assigned = partitions;
    // Buffered records of partitions we lost belong to their new owner, who re-reads them.
    this.queue
      .run(async () => {
        this.options.handlers.retain(partitions);
        this.options.offsets.retain(partitions);
      })
      .catch((err: unknown) => this.options.logger.error({ err }, 'rebalance bookkeeping failed'));
  }
}
