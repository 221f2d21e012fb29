// The Bus port: the one interface every Puente service uses to publish, consume and administer
// topics. KafkaBus (kafkajs) and MemoryBus (embedded default) implement it with the same
// observable semantics, proven by one contract suite (testing/bus-contract.ts).

import { BusError } from './errors.js';

/** Header values as they travel: strings are UTF-8 encoded, buffers pass through untouched. */
export type BusHeaders = Readonly<Record<string, string | Buffer>>;

export interface BusRecord {
  /** The entity id (case id, manifest id …): one key's records stay in one partition, in order. */
  readonly key: string | null;
  readonly value: Buffer | null;
  readonly headers?: BusHeaders;
  /** Milliseconds since the epoch; defaults to the time of publishing. */
  readonly timestamp?: number;
}

export interface PublishResult {
  readonly topic: string;
  readonly partition: number;
  /** Kafka offsets are 64-bit: carried as decimal strings, as kafkajs and our protos do. */
  readonly offset: string;
}

export interface ConsumedRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly key: string | null;
  readonly value: Buffer | null;
  /** Header values arrive as buffers (the wire has no types); decode the ones you expect. */
  readonly headers: Readonly<Record<string, Buffer>>;
  readonly timestamp: number;
}

export interface RecordBatch {
  readonly topic: string;
  readonly partition: number;
  readonly records: readonly ConsumedRecord[];
  /** Offset of the next record the partition will be given: lag = highWatermark - next position. */
  readonly highWatermark: string;
}

export interface TopicPartition {
  readonly topic: string;
  readonly partition: number;
}

/** A committed position: `offset` is the NEXT offset to consume (Kafka's convention). */
export interface TopicPartitionOffset extends TopicPartition {
  readonly offset: string;
}

export interface SubscribeOptions {
  readonly groupId: string;
  readonly topics: readonly string[];
  /** Where a partition with no committed offset starts: earliest (true) or the end (false, default). */
  readonly fromBeginning?: boolean;
  /**
   * Called with one batch at a time per subscription. Nothing is committed unless the handler
   * (or its caller) commits, or `autoCommit` is set; a failing handler redelivers the batch.
   */
  readonly handler: (batch: RecordBatch) => Promise<void>;
  /** Commit the position after each batch whose handler resolved. Default false (manual). */
  readonly autoCommit?: boolean;
  /** Told the partitions this member owns after each rebalance. */
  readonly onAssignment?: (assigned: readonly TopicPartition[]) => void;
}

export interface Subscription {
  readonly groupId: string;
  /** Commit positions (next offset to consume) for partitions this member owns. */
  commit(offsets: readonly TopicPartitionOffset[]): Promise<void>;
  /** Stop fetching the given topics (all when omitted) until resumed; in-flight batches finish. */
  pause(topics?: readonly string[]): void;
  resume(topics?: readonly string[]): void;
  /** Partitions currently assigned to this member. */
  assignments(): readonly TopicPartition[];
  /** Leave the group: the member's partitions go to the remaining members. */
  stop(): Promise<void>;
}

/** Partitions of one topic to read, each from the offset of the first record wanted. */
export interface TopicPositions {
  readonly topic: string;
  readonly positions: readonly { readonly partition: number; readonly offset: string }[];
}

/**
 * One topic's partitions, or several topics' (`topics`) read by one reader: one fetch loop and
 * one connection for all of them, rather than one of each per topic.
 */
export type ReadFromOptions = (TopicPositions | { readonly topics: readonly TopicPositions[] }) & {
  /** Called with one batch (one topic partition's records) at a time; the next comes after it resolves. */
  readonly handler: (batch: RecordBatch) => Promise<void>;
};

/** The topics a reader reads, whichever form its options took; a reader of nothing is refused. */
export function topicsToRead(options: ReadFromOptions): readonly TopicPositions[] {
  const reads = 'topics' in options ? options.topics : [{ topic: options.topic, positions: options.positions }];
  if (!reads.some((read) => read.positions.length > 0)) {
    throw new BusError({ code: 'INVALID_ARGUMENT', message: 'readFrom needs at least one partition to read' });
  }
  return reads;
}

/** An ungrouped reader from explicit positions: no group membership, nothing committed. */
export interface Reader {
  pause(): void;
  resume(): void;
  stop(): Promise<void>;
}

export type CleanupPolicy = 'delete' | 'compact';

export interface TopicSpec {
  readonly topic: string;
  readonly partitions: number;
  readonly replicationFactor?: number;
  /** -1 keeps records forever. */
  readonly retentionMs?: number;
  readonly cleanupPolicy?: CleanupPolicy;
  /**
   * Further topic configs by Kafka's names (e.g. `max.message.bytes`), applied by KafkaBus when
   * it creates the topic; they win over the fields above. MemoryBus ignores them.
   */
  readonly configs?: Readonly<Record<string, string>>;
}

export interface PartitionOffsets {
  readonly partition: number;
  /** The earliest offset still retained. */
  readonly low: string;
  /** The offset the next record will get. */
  readonly high: string;
}

export interface TopicInfo {
  readonly topic: string;
  readonly partitions: readonly PartitionOffsets[];
}

/** A partition's offsets and where it lives: broker ids (-1 leader when it has none). */
export interface PartitionPlacement extends PartitionOffsets {
  readonly leader: number;
  readonly replicas: readonly number[];
  readonly inSyncReplicas: readonly number[];
}

export interface TopicDescription {
  readonly topic: string;
  readonly partitions: readonly PartitionPlacement[];
  /** retention.ms in force; -1 keeps records forever. */
  readonly retentionMs: number;
  /** retention.bytes per partition in force; -1 is unlimited. */
  readonly retentionBytes: number;
  /** cleanup.policy in force: "delete", "compact" or "compact,delete". */
  readonly cleanupPolicy: string;
  /** Configuration entries set on the topic itself, by their Kafka names (not broker defaults). */
  readonly config: Readonly<Record<string, string>>;
}

export interface GroupPartitionLag extends TopicPartition {
  /** Next offset the group will consume, or null when the group never committed on this partition. */
  readonly committed: string | null;
  readonly high: string;
  /** Records not yet committed: high - committed (high - low when never committed). */
  readonly lag: string;
}

export interface GroupDescription {
  readonly groupId: string;
  readonly state: string;
  readonly members: number;
  readonly partitions: readonly GroupPartitionLag[];
}

export interface ListGroupsOptions {
  /** Which topics' partitions to read and list (all when absent). */
  readonly topics?: (topic: string) => boolean;
}

export interface BusAdmin {
  /** Create the topics that do not exist yet; existing ones are left as they are. Returns the created names. */
  ensureTopics(specs: readonly TopicSpec[]): Promise<string[]>;
  listTopics(): Promise<TopicInfo[]>;
  /** Partitions with replicas, retention and the topic's own configuration; UNKNOWN_TOPIC when missing. */
  describeTopic(topic: string): Promise<TopicDescription>;
  /** Committed offsets and lag of a group on the given topics. */
  describeGroup(groupId: string, topics: readonly string[]): Promise<GroupDescription>;
  /**
   * Every consumer group holding committed offsets, ordered by id, each with its lag on exactly
   * the partitions it committed on (of topics that still exist), ordered by topic and partition.
   * Groups without a commit (readers among them) are left out. With `topics`, only partitions of
   * the topics it accepts are read and listed, and groups with none of those are left out.
   */
  listGroups(options?: ListGroupsOptions): Promise<GroupDescription[]>;
  deleteTopics(topics: readonly string[]): Promise<void>;
}

export interface Bus {
  readonly kind: 'kafka' | 'memory';
  readonly admin: BusAdmin;
  start(): Promise<void>;
  /** Stops every subscription and disconnects; idempotent. */
  stop(): Promise<void>;
  /**
   * Publishes records to one topic and resolves once the bus has them (Kafka: acknowledged by
   * all in-sync replicas). Never creates topics: an unknown topic fails with code UNKNOWN_TOPIC.
   */
  publish(topic: string, records: readonly BusRecord[]): Promise<PublishResult[]>;
  subscribe(options: SubscribeOptions): Promise<Subscription>;
  /**
   * Reads partitions of one or more topics from given offsets, outside any consumer group
   * (catch-up readers, tails). Offsets below the earliest retained record start at the earliest.
   */
  readFrom(options: ReadFromOptions): Promise<Reader>;
}
