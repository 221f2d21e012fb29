// A consumer group subscription: one kafkajs consumer, batches handed on as they come, commits
// only when the caller (or autoCommit) says, pause and resume per topic.
import type { Consumer } from 'kafkajs';

import type { Logger } from '@puente/runtime';

import { unknownTopic } from '../errors.js';
import type { ConsumedRecord, SubscribeOptions, Subscription, TopicPartition, TopicPartitionOffset } from '../types.js';
import type { KafkaContext } from './context.js';
import { fromKafkaError } from './errors.js';
import { toConsumedRecord } from './records.js';

/**
 * Joins `options.groupId` with a consumer of its own and runs it; the subscription is in
 * `subscriptions` from then until it stops.
 */
export async function openSubscription(
  context: KafkaContext,
  options: SubscribeOptions,
  subscriptions: Set<Subscription>,
): Promise<Subscription> {
  const existing = new Set(
    await context.admin.listTopics().catch((e: unknown) => {
      throw fromKafkaError(e, 'listing topics');
    }),
  );
  for (const topic of options.topics) if (!existing.has(topic)) throw unknownTopic(topic);
  const consumer = context.kafka.consumer({
    groupId: options.groupId,
    allowAutoTopicCreation: false,
    ...context.consumer,
    rebalanceTimeout: 30_000,
  });
  const subscription = new KafkaSubscription(consumer, options, context.logger, () =>
    subscriptions.delete(subscription),
  );
  subscriptions.add(subscription);
  try {
    await subscription.start();
  } catch (error) {
    subscriptions.delete(subscription);
    await consumer.disconnect().catch(() => undefined);
    throw fromKafkaError(error, `subscribing group '${options.groupId}' to ${options.topics.join(', ')}`);
  }
  return subscription;
}

export class KafkaSubscription implements Subscription {
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
