// MemoryBus: the embedded default. An in-process Kafka with the semantics the Bus port
// promises — partitions, offsets, Kafka's key-hash partitioner, consumer groups with committed
// offsets and eager rebalancing, bounded retention — so `pnpm start` needs nothing installed
// and unit tests can run the same contract suite as against a real broker.
import { randomUUID } from 'node:crypto';

import { BusError, unknownTopic } from './errors.js';
import { createKeyPartitioner } from './partitioner.js';
import {
  topicsToRead,
  type Bus,
  type BusAdmin,
  type BusRecord,
  type ConsumedRecord,
  type GroupDescription,
  type ListGroupsOptions,
  type PublishResult,
  type ReadFromOptions,
  type Reader,
  type RecordBatch,
  type SubscribeOptions,
  type Subscription,
  type TopicDescription,
  type TopicInfo,
  type TopicPartition,
  type TopicPartitionOffset,
  type TopicSpec,
} from './types.js';

export interface MemoryBusOptions {
  /** Records kept per partition before the oldest are dropped (Kafka's size-based retention). */
  readonly maxRecordsPerPartition?: number;
  /** Largest batch handed to a handler. */
  readonly maxBatchSize?: number;
  /** Largest encoded record accepted (Kafka's message.max.bytes). */
  readonly maxRecordBytes?: number;
  readonly now?: () => number;
}

interface StoredRecord extends ConsumedRecord {
  readonly size: number;
}

class PartitionLog {
  /** Offset of records[0]. */
  start = 0;
  readonly records: StoredRecord[] = [];
  get high(): number {
    return this.start + this.records.length;
  }
}

interface MemoryTopic {
  readonly spec: TopicSpec;
  readonly partitions: PartitionLog[];
}

const utf8 = (value: string | Buffer): Buffer => (typeof value === 'string' ? Buffer.from(value, 'utf8') : value);

function tpKey(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}

function tpOfKey(key: string): TopicPartition {
  const at = key.lastIndexOf('\u0000');
  return { topic: key.slice(0, at), partition: Number(key.slice(at + 1)) };
}

export class MemoryBus implements Bus {
  readonly kind = 'memory' as const;
  readonly admin: BusAdmin;
  private readonly topics = new Map<string, MemoryTopic>();
  private readonly groups = new Map<string, MemoryGroup>();
  private readonly readers = new Set<MemoryMember>();
  private readonly partitionFor = createKeyPartitioner();
  private readonly waiters = new Set<() => void>();
  private readonly maxRecordsPerPartition: number;
  readonly maxBatchSize: number;
  private readonly maxRecordBytes: number;
  private readonly now: () => number;
  private running = false;

  constructor(options: MemoryBusOptions = {}) {
    this.maxRecordsPerPartition = options.maxRecordsPerPartition ?? 100_000;
    this.maxBatchSize = options.maxBatchSize ?? 500;
    this.maxRecordBytes = options.maxRecordBytes ?? 1_048_588;
    this.now = options.now ?? Date.now;
    this.admin = createMemoryAdmin(this);
  }

  start(): Promise<void> {
    this.running = true;
    return Promise.resolve();
  }

  async stop(): Promise<void> {
    this.running = false;
    const members = [...this.groups.values()].flatMap((group) => [...group.members]);
    await Promise.all([...members.map((member) => member.stop()), ...[...this.readers].map((reader) => reader.halt())]);
    this.wakeAll();
  }

  async publish(topic: string, records: readonly BusRecord[]): Promise<PublishResult[]> {
    this.assertRunning();
    const stored = this.topics.get(topic);
    if (!stored) throw unknownTopic(topic);
    // Validate the whole batch first: a batch is accepted entirely or not at all.
    for (const record of records) {
      const size = recordSize(record);
      if (size > this.maxRecordBytes) {
        throw new BusError({
          code: 'RECORD_TOO_LARGE',
          message: `record for topic '${topic}' is ${size} bytes, over the ${this.maxRecordBytes}-byte limit`,
        });
      }
    }
    const results = records.map((record) => {
      const partition = this.partitionFor(topic, record.key, stored.partitions.length);
      const log = stored.partitions[partition];
      if (!log) throw new BusError({ code: 'INTERNAL', message: `partitioner chose missing partition ${partition}` });
      const offset = log.high;
      const headers: Record<string, Buffer> = {};
      for (const [name, value] of Object.entries(record.headers ?? {})) headers[name] = utf8(value);
      log.records.push({
        topic,
        partition,
        offset: String(offset),
        key: record.key,
        value: record.value,
        headers,
        timestamp: record.timestamp ?? this.now(),
        size: recordSize(record),
      });
      this.applyRetention(stored, log);
      return { topic, partition, offset: String(offset) };
    });
    this.wakeAll();
    return results;
  }

  async subscribe(options: SubscribeOptions): Promise<Subscription> {
    this.assertRunning();
    if (options.topics.length === 0) {
      throw new BusError({ code: 'INVALID_ARGUMENT', message: 'subscribe needs at least one topic' });
    }
    for (const topic of options.topics) if (!this.topics.has(topic)) throw unknownTopic(topic);
    let group = this.groups.get(options.groupId);
    if (!group) {
      group = new MemoryGroup(this, options.groupId);
      this.groups.set(options.groupId, group);
    }
    const member = new MemoryMember(this, group, options);
    await group.join(member);
    member.run();
    return member;
  }

  async readFrom(options: ReadFromOptions): Promise<Reader> {
    this.assertRunning();
    const reads = topicsToRead(options);
    for (const read of reads) if (!this.topics.has(read.topic)) throw unknownTopic(read.topic);
    // A member of a private group of one, with its assignment and positions fixed.
    const group = new MemoryGroup(this, `reader.${randomUUID()}`);
    const member = new MemoryMember(this, group, {
      groupId: group.groupId,
      topics: [...new Set(reads.map((read) => read.topic))],
      fromBeginning: true,
      handler: options.handler,
    });
    for (const read of reads) {
      const topic = this.topics.get(read.topic)!;
      for (const { partition, offset } of read.positions) {
        if (!topic.partitions[partition]) {
          throw new BusError({ code: 'INVALID_ARGUMENT', message: `${read.topic} has no partition ${partition}` });
        }
        group.committed.set(tpKey(read.topic, partition), Number(offset));
      }
    }
    member.assign(
      reads.flatMap((read) => read.positions.map(({ partition }) => ({ topic: read.topic, partition }))),
      0,
    );
    member.run();
    this.readers.add(member);
    return {
      pause: () => member.pause(),
      resume: () => member.resume(),
      stop: async () => {
        await member.halt();
        this.readers.delete(member);
      },
    };
  }

  // ---- internals shared with groups, members and the admin ----

  assertRunning(): void {
    if (!this.running) throw new BusError({ code: 'NOT_STARTED', message: 'MemoryBus is not started' });
  }

  topic(name: string): MemoryTopic | undefined {
    return this.topics.get(name);
  }

  topicNames(): string[] {
    return [...this.topics.keys()];
  }

  createTopic(spec: TopicSpec): boolean {
    if (this.topics.has(spec.topic)) return false;
    if (!Number.isInteger(spec.partitions) || spec.partitions < 1) {
      throw new BusError({
        code: 'INVALID_ARGUMENT',
        message: `topic '${spec.topic}' needs a whole number of partitions ≥ 1, got ${spec.partitions}`,
      });
    }
    this.topics.set(spec.topic, {
      spec,
      partitions: Array.from({ length: spec.partitions }, () => new PartitionLog()),
    });
    return true;
  }

  deleteTopic(name: string): void {
    this.topics.delete(name);
    for (const group of this.groups.values()) group.forgetTopic(name);
  }

  group(groupId: string): MemoryGroup | undefined {
    return this.groups.get(groupId);
  }

  /** Ids of the consumer groups (not readers' private groups), sorted. */
  groupIds(): string[] {
    return [...this.groups.keys()].sort();
  }

  /** Resolves on the next publish (or stop); used by idle members instead of polling. */
  nextChange(signal: { cancelled: boolean }): Promise<void> {
    return new Promise((resolve) => {
      const wake = (): void => {
        this.waiters.delete(wake);
        resolve();
      };
      if (signal.cancelled) return resolve();
      this.waiters.add(wake);
    });
  }

  wakeAll(): void {
    for (const wake of [...this.waiters]) wake();
  }

  private applyRetention(topic: MemoryTopic, log: PartitionLog): void {
    let drop = Math.max(0, log.records.length - this.maxRecordsPerPartition);
    const retentionMs = topic.spec.retentionMs ?? -1;
    if (retentionMs >= 0) {
      const oldest = this.now() - retentionMs;
      while (drop < log.records.length && (log.records[drop]?.timestamp ?? Infinity) < oldest) drop++;
    }
    if (drop > 0) {
      log.records.splice(0, drop);
      log.start += drop;
    }
  }
}

function recordSize(record: BusRecord): number {
  let size = (record.value?.length ?? 0) + (record.key === null ? 0 : Buffer.byteLength(record.key));
  for (const [name, value] of Object.entries(record.headers ?? {})) {
    size += Buffer.byteLength(name) + (typeof value === 'string' ? Buffer.byteLength(value) : value.length);
  }
  return size;
}

/** A consumer group: committed offsets plus an eager, range-style assignment over its members. */
class MemoryGroup {
  readonly members = new Set<MemoryMember>();
  readonly committed = new Map<string, number>();
  generation = 0;
  private rebalancing: Promise<void> = Promise.resolve();

  constructor(
    private readonly bus: MemoryBus,
    readonly groupId: string,
  ) {}

  async join(member: MemoryMember): Promise<void> {
    this.members.add(member);
    await this.rebalance();
  }

  async leave(member: MemoryMember): Promise<void> {
    if (!this.members.delete(member)) return;
    await this.rebalance();
  }

  forgetTopic(topic: string): void {
    for (const key of [...this.committed.keys()]) if (key.startsWith(`${topic}\u0000`)) this.committed.delete(key);
  }

  committedOffset(topic: string, partition: number): number | undefined {
    return this.committed.get(tpKey(topic, partition));
  }

  /**
   * Kafka's eager protocol: every member finishes its in-flight batch and gives up its partitions
   * before the new assignment is handed out, so no partition is ever consumed by two members.
   */
  rebalance(): Promise<void> {
    const next = this.rebalancing.then(async () => {
      this.generation++;
      const members = [...this.members];
      for (const member of members) member.revoke();
      await Promise.all(members.map((member) => member.idle()));
      const topics = [...new Set(members.flatMap((member) => member.topics))].sort();
      const partitions: TopicPartition[] = topics.flatMap((topic) =>
        (this.bus.topic(topic)?.partitions ?? []).map((_, partition) => ({ topic, partition })),
      );
      // Members in join order; each partition goes to the next member subscribed to its topic.
      const assignment = new Map<MemoryMember, TopicPartition[]>(members.map((member) => [member, []]));
      const cursor = new Map<string, number>();
      for (const tp of partitions) {
        const candidates = members.filter((member) => member.topics.includes(tp.topic));
        const index = cursor.get(tp.topic) ?? 0;
        const owner = candidates[index % candidates.length];
        cursor.set(tp.topic, index + 1);
        if (owner) assignment.get(owner)?.push(tp);
      }
      for (const [member, assigned] of assignment) member.assign(assigned, this.generation);
    });
    this.rebalancing = next.catch(() => undefined);
    return next;
  }
}

class MemoryMember implements Subscription {
  readonly topics: readonly string[];
  private assigned: TopicPartition[] = [];
  private readonly positions = new Map<string, number>();
  private readonly pausedTopics = new Set<string>();
  private generation = -1;
  private stopped = false;
  private inFlight: Promise<void> = Promise.resolve();
  private readonly signal = { cancelled: false };
  private loop: Promise<void> = Promise.resolve();
  /** Round-robin start so one busy partition cannot starve the others. */
  private nextPartitionIndex = 0;

  constructor(
    private readonly bus: MemoryBus,
    private readonly group: MemoryGroup,
    private readonly options: SubscribeOptions,
  ) {
    this.topics = [...options.topics];
  }

  get groupId(): string {
    return this.group.groupId;
  }

  run(): void {
    this.loop = this.consume();
  }

  /** Stops fetching; the current assignment stays valid (for commits) until the group reassigns. */
  revoke(): void {
    this.generation = -1;
  }

  idle(): Promise<void> {
    return this.inFlight;
  }

  assign(partitions: TopicPartition[], generation: number): void {
    this.assigned = partitions;
    this.positions.clear();
    this.generation = generation;
    for (const { topic, partition } of partitions) {
      const log = this.bus.topic(topic)?.partitions[partition];
      if (!log) continue;
      const committed = this.group.committedOffset(topic, partition);
      this.positions.set(tpKey(topic, partition), committed ?? (this.options.fromBeginning ? log.start : log.high));
    }
    this.options.onAssignment?.(partitions);
    this.bus.wakeAll();
  }

  assignments(): readonly TopicPartition[] {
    return this.assigned;
  }

  commit(offsets: readonly TopicPartitionOffset[]): Promise<void> {
    for (const { topic, partition, offset } of offsets) {
      if (!this.assigned.some((tp) => tp.topic === topic && tp.partition === partition)) {
        return Promise.reject(
          new BusError({
            code: 'INVALID_ARGUMENT',
            message: `cannot commit ${topic}[${partition}]: not assigned to this member of group '${this.groupId}' (rebalanced?)`,
            retriable: true,
          }),
        );
      }
      const value = Number(offset);
      if (!Number.isSafeInteger(value) || value < 0) {
        return Promise.reject(
          new BusError({ code: 'INVALID_ARGUMENT', message: `invalid offset '${offset}' for ${topic}[${partition}]` }),
        );
      }
      this.group.committed.set(tpKey(topic, partition), value);
    }
    return Promise.resolve();
  }

  pause(topics?: readonly string[]): void {
    for (const topic of topics ?? this.topics) this.pausedTopics.add(topic);
  }

  resume(topics?: readonly string[]): void {
    for (const topic of topics ?? this.topics) this.pausedTopics.delete(topic);
    this.bus.wakeAll();
  }

  async stop(): Promise<void> {
    await this.halt();
    await this.group.leave(this);
  }

  /** Stops consuming without leaving the group (readers have no group to leave). */
  async halt(): Promise<void> {
    if (this.stopped) return this.loop;
    this.stopped = true;
    this.signal.cancelled = true;
    this.bus.wakeAll();
    await this.loop;
  }

  private async consume(): Promise<void> {
    while (!this.stopped) {
      const batch = this.nextBatch();
      if (!batch) {
        await this.bus.nextChange(this.signal);
        continue;
      }
      const delivery = this.deliver(batch);
      this.inFlight = delivery;
      await delivery;
    }
  }

  private async deliver(batch: RecordBatch): Promise<void> {
    const key = tpKey(batch.topic, batch.partition);
    const last = batch.records[batch.records.length - 1];
    if (!last) return;
    const next = Number(last.offset) + 1;
    try {
      await this.options.handler(batch);
      // The group waits for this batch before reassigning, so the position and commit still belong to us.
      this.positions.set(key, next);
      if (this.options.autoCommit) this.group.committed.set(key, next);
    } catch {
      // The batch is redelivered from the same position, as kafkajs does after a failed eachBatch;
      // yield first so a persistently failing handler cannot spin the event loop.
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  private nextBatch(): RecordBatch | undefined {
    if (this.generation < 0 || this.assigned.length === 0) return undefined;
    const count = this.assigned.length;
    for (let i = 0; i < count; i++) {
      const tp = this.assigned[(this.nextPartitionIndex + i) % count];
      if (!tp || this.pausedTopics.has(tp.topic)) continue;
      const log = this.bus.topic(tp.topic)?.partitions[tp.partition];
      if (!log) continue;
      const key = tpKey(tp.topic, tp.partition);
      // A position that fell out of retention resets to the earliest retained record.
      const position = Math.max(this.positions.get(key) ?? log.high, log.start);
      if (position >= log.high) continue;
      this.nextPartitionIndex = (this.nextPartitionIndex + i + 1) % count;
      const from = position - log.start;
      const records = log.records.slice(from, from + this.bus.maxBatchSize).map(stripSize);
      return { topic: tp.topic, partition: tp.partition, records, highWatermark: String(log.high) };
    }
    return undefined;
  }
}

function stripSize({ size: _size, ...record }: StoredRecord): ConsumedRecord {
  return record;
}

function createMemoryAdmin(bus: MemoryBus): BusAdmin {
  return {
    async ensureTopics(specs: readonly TopicSpec[]): Promise<string[]> {
      return specs.filter((spec) => bus.createTopic(spec)).map((spec) => spec.topic);
    },
    listTopics(): Promise<TopicInfo[]> {
      return Promise.resolve(
        bus
          .topicNames()
          .sort()
          .map((topic) => ({
            topic,
            partitions: (bus.topic(topic)?.partitions ?? []).map((log, partition) => ({
              partition,
              low: String(log.start),
              high: String(log.high),
            })),
          })),
      );
    },
    describeTopic(name: string): Promise<TopicDescription> {
      const topic = bus.topic(name);
      if (!topic) return Promise.reject(unknownTopic(name));
      const { spec } = topic;
      // One in-process "broker" (id 0) leads and holds every partition.
      const config: Record<string, string> = {};
      if (spec.retentionMs !== undefined) config['retention.ms'] = String(spec.retentionMs);
      if (spec.cleanupPolicy !== undefined) config['cleanup.policy'] = spec.cleanupPolicy;
      return Promise.resolve({
        topic: name,
        partitions: topic.partitions.map((log, partition) => ({
          partition,
          low: String(log.start),
          high: String(log.high),
          leader: 0,
          replicas: [0],
          inSyncReplicas: [0],
        })),
        retentionMs: spec.retentionMs ?? -1,
        retentionBytes: -1,
        cleanupPolicy: spec.cleanupPolicy ?? 'delete',
        config,
      });
    },
    describeGroup(groupId: string, topics: readonly string[]): Promise<GroupDescription> {
      const group = bus.group(groupId);
      const partitions = topics.flatMap((topic) => {
        const stored = bus.topic(topic);
        if (!stored) return [];
        return stored.partitions.map((log, partition) => {
          const committed = group?.committedOffset(topic, partition);
          const lag = log.high - (committed ?? log.start);
          return {
            topic,
            partition,
            committed: committed === undefined ? null : String(committed),
            high: String(log.high),
            lag: String(Math.max(0, lag)),
          };
        });
      });
      const members = group?.members.size ?? 0;
      return Promise.resolve({
        groupId,
        state: members > 0 ? 'Stable' : group ? 'Empty' : 'Dead',
        members,
        partitions,
      });
    },
    listGroups(options: ListGroupsOptions = {}): Promise<GroupDescription[]> {
      const accepts = options.topics ?? (() => true);
      const described = bus.groupIds().flatMap((groupId): GroupDescription[] => {
        const group = bus.group(groupId);
        if (!group) return [];
        const partitions = [...group.committed]
          .filter(([key]) => accepts(tpOfKey(key).topic))
          .map(([key, committed]) => {
            const { topic, partition } = tpOfKey(key);
            const high = bus.topic(topic)?.partitions[partition]?.high ?? 0;
            return {
              topic,
              partition,
              committed: String(committed),
              high: String(high),
              lag: String(Math.max(0, high - committed)),
            };
          })
          .sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
        if (partitions.length === 0) return [];
        const members = group.members.size;
        return [{ groupId, state: members > 0 ? 'Stable' : 'Empty', members, partitions }];
      });
      return Promise.resolve(described);
    },
    deleteTopics(topics: readonly string[]): Promise<void> {
      for (const topic of topics) bus.deleteTopic(topic);
      return Promise.resolve();
    },
  };
}
