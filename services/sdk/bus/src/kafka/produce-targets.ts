// What publishing to a topic needs to know of it, read from Kafka once and kept: its partition
// count (we choose partitions ourselves), the largest record batch it takes and the topic data
// one produce request may carry. A limit that cannot be read falls back, and says so.
import type { Admin } from 'kafkajs';

import type { Logger } from '@puente/runtime';

import { unknownTopic } from '../errors.js';
import { BROKER_RESOURCE, configNumber, TOPIC_RESOURCE } from './config-resources.js';
import { fromKafkaError } from './errors.js';

/** What a publish to a topic needs to know about it. */
export interface ProduceTarget {
  readonly partitions: number;
  /** max.message.bytes: the largest record batch the topic takes. */
  readonly batchBytes: number;
  /** The topic data one produce request may carry. */
  readonly requestBytes: number;
}

export interface BrokerLimits {
  /** The brokers' least message.max.bytes; undefined when it cannot be read. */
  readonly messageMaxBytes: number | undefined;
  /** The topic data one produce request may carry: socket.request.max.bytes less the request's own bytes. */
  readonly requestBytes: number;
}

/** Kafka's defaults, for a broker or topic that will not say: message.max.bytes, socket.request.max.bytes. */
export const DEFAULT_MESSAGE_MAX_BYTES = 1_048_588;
export const DEFAULT_SOCKET_REQUEST_MAX_BYTES = 104_857_600;
/** What a produce request holds besides its topic data: size, header, client id, acks, timeout. */
const REQUEST_HEADER_BYTES = 64;

export class ProduceTargets {
  /** Partition counts of topics we have seen, so a publish costs no metadata round trip. */
  private readonly partitionCounts = new Map<string, number>();
  /** What publishing to a topic needs to know, read once (again when the topic is looked up again). */
  private readonly targets = new Map<string, ProduceTarget>();
  private readonly lookups = new Map<string, Promise<ProduceTarget>>();
  private brokerLimits: Promise<BrokerLimits> | undefined;
  private requestLimit = DEFAULT_SOCKET_REQUEST_MAX_BYTES - REQUEST_HEADER_BYTES;

  constructor(
    private readonly admin: Admin,
    private readonly options: { readonly clientId: string; readonly logger: Logger },
  ) {}

  /** The topic data a produce request may carry, as last read (Kafka's default until then). */
  get requestBytes(): number {
    return this.requestLimit;
  }

  /**
   * A topic's partition count and limits: at once when known, else one lookup shared by every
   * call made meanwhile. Those calls resume in the order they were made, just after the result
   * is cached, so they are queued in call order, before any later call.
   */
  get(topic: string): ProduceTarget | Promise<ProduceTarget> {
    const known = this.targets.get(topic);
    // A topic looked up afresh (deleted meanwhile, say) may have been made with another limit.
    if (known && this.partitionCounts.has(topic)) return known;
    let lookup = this.lookups.get(topic);
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
      this.lookups.set(topic, lookup);
      // Registered before any caller awaits the lookup, so it runs first when it settles.
      lookup
        .then(
          (target) => {
            this.targets.set(topic, target);
            this.requestLimit = target.requestBytes;
          },
          () => undefined,
        )
        .finally(() => this.lookups.delete(topic))
        .catch(() => undefined);
    }
    return lookup;
  }

  /** Forgets what is known of a topic (deleted, or refused as stale): the next use reads it again. */
  forget(topic: string): void {
    this.partitionCounts.delete(topic);
    this.targets.delete(topic);
  }

  async partitionCount(topic: string): Promise<number> {
    const known = this.partitionCounts.get(topic);
    if (known !== undefined) return known;
    try {
      // listTopics answers for a missing topic at once; a metadata request for it would retry.
      const topics = await this.admin.listTopics();
      if (!topics.includes(topic)) throw unknownTopic(topic);
      const { topics: described } = await this.admin.fetchTopicMetadata({ topics: [topic] });
      const count = described[0]?.partitions.length ?? 0;
      if (count === 0) throw unknownTopic(topic);
      this.partitionCounts.set(topic, count);
      return count;
    } catch (error) {
      throw fromKafkaError(error, `looking up topic '${topic}'`);
    }
  }

  /**
   * The largest record batch `topic` takes: its max.message.bytes (which is the broker's
   * message.max.bytes unless the topic overrides it). Never fails: a limit that cannot be read
   * falls back to the brokers', then to Kafka's default, and says so.
   */
  async readBatchLimit(topic: string): Promise<number> {
    try {
      const { resources } = await this.admin.describeConfigs({
        includeSynonyms: false,
        resources: [{ type: TOPIC_RESOURCE, name: topic, configNames: ['max.message.bytes'] }],
      });
      return configNumber(resources, 'max.message.bytes');
    } catch (error) {
      const { messageMaxBytes } = await this.readBrokerLimits();
      const limit = messageMaxBytes ?? DEFAULT_MESSAGE_MAX_BYTES;
      this.options.logger.warn(
        { err: error, topic, limit },
        messageMaxBytes === undefined
          ? "cannot read the topic's max.message.bytes nor the brokers' message.max.bytes: assuming Kafka's default"
          : "cannot read the topic's max.message.bytes: using the brokers' message.max.bytes",
      );
      return limit;
    }
  }

  /** The brokers' message.max.bytes and socket.request.max.bytes (the least of each), read once. */
  readBrokerLimits(): Promise<BrokerLimits> {
    this.brokerLimits ??= (async () => {
      let messageMaxBytes: number | undefined;
      let socketBytes = DEFAULT_SOCKET_REQUEST_MAX_BYTES;
      try {
        const { brokers } = await this.admin.describeCluster();
        const { resources } = await this.admin.describeConfigs({
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
        this.options.logger.warn(
          { err: error, socketRequestMaxBytes: socketBytes },
          "cannot read the brokers' message.max.bytes and socket.request.max.bytes: assuming Kafka's default request size",
        );
      }
      return {
        messageMaxBytes,
        requestBytes: socketBytes - REQUEST_HEADER_BYTES - Buffer.byteLength(this.options.clientId),
      };
    })();
    return this.brokerLimits;
  }
}
