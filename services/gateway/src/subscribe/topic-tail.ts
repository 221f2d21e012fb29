// The shared tails of the feed topics: one reader per gateway, from the end of each topic at
// start-up, keeping the most recent records of each partition (as bytes) in a bounded buffer
// that every caught-up subscription reads from. One reader for all topics is one fetch loop:
// with a reader per topic, ten idle feed topics cost a hundred empty fetches a second. The
// price: should kafkajs give up on that reader (it restarts it on retriable errors, and the bus
// logs 'reader crashed' either way), every tail stops filling, not one.
import { type Bus, BusError, type ConsumedRecord, decodeChecked, type Reader } from '@puente/bus';
import { type AvroCodec } from '@puente/contracts';

export interface TailEntry {
  readonly record: ConsumedRecord;
}

export type Decoded =
  | { readonly value: Record<string, unknown> }
  | { readonly error: string; /** What the codec threw, for the dead-letter reason class. */ readonly cause: unknown };

/**
 * One partition's recent records, column by column: the buffer holds tens of thousands of
 * records for as long as they stay, so each costs only its key string and value buffer in the
 * heap; the record object a subscription reads is made when it asks.
 */
class PartitionBuffer {
  /** Offset of the first buffered record; before any arrives, the end of the partition at start-up. */
  start: number;
  private offsets: number[] = [];
  private keys: (string | null)[] = [];
  private values: (Buffer | null)[] = [];
  private timestamps: number[] = [];
  constructor(
    private readonly topic: string,
    private readonly partition: number,
    start: number,
  ) {
    this.start = start;
  }
  get size(): number {
    return this.offsets.length;
  }
  get end(): number {
    const last = this.offsets[this.offsets.length - 1];
    return last === undefined ? this.start : last + 1;
  }
  push(record: ConsumedRecord): void {
    this.offsets.push(Number(record.offset));
    this.keys.push(record.key);
    this.values.push(record.value);
    this.timestamps.push(record.timestamp);
  }
  /** Drops the oldest `count` records. */
  evict(count: number): void {
    const end = this.end;
    this.offsets.splice(0, count);
    this.keys.splice(0, count);
    this.values.splice(0, count);
    this.timestamps.splice(0, count);
    this.start = this.offsets[0] ?? end;
  }
  /** The first record at or after `offset`, if buffered. */
  at(offset: number): TailEntry | undefined {
    let index = offset - this.start;
    if (this.offsets[index] !== offset) {
      // Offsets are contiguous on our topics; a gap (compaction, control records) falls back to search.
      let lo = 0;
      let hi = this.offsets.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if ((this.offsets[mid] ?? Infinity) < offset) lo = mid + 1;
        else hi = mid;
      }
      index = lo;
    }
    const found = this.offsets[index];
    if (found === undefined) return undefined;
    return {
      record: {
        topic: this.topic,
        partition: this.partition,
        offset: String(found),
        key: this.keys[index] ?? null,
        value: this.values[index] ?? null,
        headers: NO_HEADERS,
        timestamp: this.timestamps[index] ?? 0,
      },
    };
  }
}

export interface TopicTail {
  readonly topic: string;
  readonly partitions: number;
  /** [start, end) of the buffered offsets: `start` moves on as old records are evicted. */
  range(partition: number): { start: number; end: number };
  entry(partition: number, offset: number): TailEntry | undefined;
  decode(entry: TailEntry): Decoded;
  /** Called after new records arrive; returns the unsubscribe function. */
  onRecords(listener: () => void): () => void;
}

/** The tails of several topics, filled by one reader. */
export interface TopicTails {
  /** Each topic's tail, there from `start` on. */
  readonly tails: ReadonlyMap<string, TopicTail>;
  /** Starts reading `topics` from their ends. */
  start(topics: readonly string[]): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Decodes a buffered record, validated as the door validates (Avro's reader does not check logical
 * types: a uuid that is not one would reach a JSON view). Decoded values are not kept on the
 * buffer: a decoded manifest holds several KB of heap, and at tail sizes of tens of thousands the
 * garbage collector dominated.
 */
export function decodeEntry(codec: AvroCodec, entry: TailEntry): Decoded {
  try {
    if (!entry.record.value) throw new Error('empty record value');
    return { value: decodeChecked(codec, entry.record.topic, entry.record.value) as Record<string, unknown> };
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error), cause: error };
  }
}

/** Headers are not kept: six CloudEvents header buffers per record, and nothing delivered reads them. */
const NO_HEADERS: Readonly<Record<string, Buffer>> = Object.freeze({});

/** Whether a record came from a tail, which keeps no headers: its original must be read again. */
export const headersDropped = (record: ConsumedRecord): boolean => record.headers === NO_HEADERS;

/**
 * The record at `record`'s position as Kafka has it, headers included (a dead letter keeps them).
 * One short reader: this happens once per bad record, never per delivery. A record no longer
 * retained is given back as it is.
 */
export async function readOriginal(bus: Bus, record: ConsumedRecord, timeoutMs = 30_000): Promise<ConsumedRecord> {
  let found: (value: ConsumedRecord) => void = () => undefined;
  const first = new Promise<ConsumedRecord>((resolve) => (found = resolve));
  const reader = await bus.readFrom({
    topic: record.topic,
    positions: [{ partition: record.partition, offset: record.offset }],
    handler: async (batch) => {
      const at = batch.records.find((r) => r.offset === record.offset);
      found(at ?? record);
    },
  });
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      first,
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(
              new BusError({
                code: 'TIMEOUT',
                message: `reading ${record.topic}[${record.partition}]@${record.offset} again took over ${timeoutMs} ms`,
                retriable: true,
              }),
            ),
          timeoutMs,
        );
      }),
    ]);
  } finally {
    clearTimeout(timer);
    await reader.stop();
  }
}

class Tail implements TopicTail {
  readonly buffers: PartitionBuffer[];
  private readonly listeners = new Set<() => void>();
  constructor(
    readonly topic: string,
    /** The end of each partition at start-up, where its tail begins. */
    ends: readonly number[],
    private readonly codec: AvroCodec,
    private readonly capacityPerPartition: number,
  ) {
    this.buffers = ends.map((end, partition) => new PartitionBuffer(topic, partition, end));
  }
  get partitions(): number {
    return this.buffers.length;
  }
  range(partition: number): { start: number; end: number } {
    const buffer = this.buffers[partition];
    return buffer ? { start: buffer.start, end: buffer.end } : { start: 0, end: 0 };
  }
  entry(partition: number, offset: number): TailEntry | undefined {
    return this.buffers[partition]?.at(offset);
  }
  decode(entry: TailEntry): Decoded {
    return decodeEntry(this.codec, entry);
  }
  onRecords(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  append(partition: number, records: readonly ConsumedRecord[]): void {
    const buffer = this.buffers[partition];
    if (!buffer) return;
    for (const record of records) buffer.push(record);
    const excess = buffer.size - this.capacityPerPartition;
    if (excess > 0) {
      // Evict in chunks so eviction is amortised, not a shift per record.
      buffer.evict(Math.max(excess, Math.floor(this.capacityPerPartition / 4)));
    }
    for (const listener of [...this.listeners]) listener();
  }
  clear(): void {
    this.listeners.clear();
  }
}

export function createTopicTails(options: { bus: Bus; codec: AvroCodec; capacityPerPartition: number }): TopicTails {
  const { bus, codec, capacityPerPartition } = options;
  const tails = new Map<string, Tail>();
  let reader: Reader | undefined;
  return {
    tails,
    async start(topics) {
      if (topics.length === 0) return;
      const infos = new Map((await bus.admin.listTopics()).map((info) => [info.topic, info]));
      for (const topic of topics) {
        const info = infos.get(topic);
        if (!info) throw new Error(`topic '${topic}' does not exist`);
        const ends: number[] = [];
        for (const p of info.partitions) ends[p.partition] = Number(p.high);
        tails.set(topic, new Tail(topic, ends, codec, capacityPerPartition));
      }
      reader = await bus.readFrom({
        topics: [...tails.values()].map((tail) => ({
          topic: tail.topic,
          positions: tail.buffers.map((buffer, partition) => ({ partition, offset: String(buffer.start) })),
        })),
        handler: async (batch) => tails.get(batch.topic)?.append(batch.partition, batch.records),
      });
    },
    async stop() {
      await reader?.stop();
      for (const tail of tails.values()) tail.clear();
    },
  };
}
