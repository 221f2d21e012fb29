// The shared tail of one topic: a single reader per gateway from the end of the topic at
// start-up, keeping the most recent records of each partition (as bytes) in a bounded buffer
// that every caught-up subscription reads from.
import type { AvroCodec, Bus, ConsumedRecord, Reader } from '@puente/sdk';

export interface TailEntry {
  readonly record: ConsumedRecord;
}

export type Decoded = { readonly value: Record<string, unknown> } | { readonly error: string };

class PartitionBuffer {
  /** Offset of entries[0]; before any record arrives, the end of the partition at start-up. */
  start: number;
  readonly entries: TailEntry[] = [];
  constructor(start: number) {
    this.start = start;
  }
  get end(): number {
    const last = this.entries[this.entries.length - 1];
    return last ? Number(last.record.offset) + 1 : this.start;
  }
  /** The first entry at or after `offset`, if buffered. */
  at(offset: number): TailEntry | undefined {
    const guess = this.entries[offset - this.start];
    if (guess && Number(guess.record.offset) === offset) return guess;
    // Offsets are contiguous on our topics; a gap (compaction, control records) falls back to search.
    let lo = 0;
    let hi = this.entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (Number(this.entries[mid]?.record.offset) < offset) lo = mid + 1;
      else hi = mid;
    }
    return this.entries[lo];
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
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Decodes a buffered record. Decoded values are not kept on the buffer: a decoded manifest holds
 * several KB of heap, and at tail sizes of tens of thousands the garbage collector dominated.
 */
export function decodeEntry(codec: AvroCodec, entry: TailEntry): Decoded {
  try {
    if (!entry.record.value) throw new Error('empty record value');
    return { value: codec.decode(entry.record.value, { topic: entry.record.topic }).value as Record<string, unknown> };
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error) };
  }
}

const NO_HEADERS: Readonly<Record<string, Buffer>> = Object.freeze({});

/**
 * What a delivery needs of a record. Headers are left behind: six CloudEvents header buffers
 * per record, kept for the life of the buffer, were most of the objects the collector had to
 * copy and mark, and nothing delivered or dead-lettered reads them.
 */
function slim(record: ConsumedRecord): ConsumedRecord {
  return {
    topic: record.topic,
    partition: record.partition,
    offset: record.offset,
    key: record.key,
    value: record.value,
    headers: NO_HEADERS,
    timestamp: record.timestamp,
  };
}

export function createTopicTail(options: {
  bus: Bus;
  codec: AvroCodec;
  topic: string;
  capacityPerPartition: number;
}): TopicTail {
  const { bus, codec, topic } = options;
  const buffers: PartitionBuffer[] = [];
  const listeners = new Set<() => void>();
  let reader: Reader | undefined;

  return {
    topic,
    get partitions() {
      return buffers.length;
    },
    range(partition) {
      const buffer = buffers[partition];
      return buffer ? { start: buffer.start, end: buffer.end } : { start: 0, end: 0 };
    },
    entry(partition, offset) {
      return buffers[partition]?.at(offset);
    },
    decode: (entry) => decodeEntry(codec, entry),
    onRecords(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async start() {
      const info = (await bus.admin.listTopics()).find((t) => t.topic === topic);
      if (!info) throw new Error(`topic '${topic}' does not exist`);
      for (const p of info.partitions) buffers[p.partition] = new PartitionBuffer(Number(p.high));
      reader = await bus.readFrom({
        topic,
        positions: info.partitions.map((p) => ({ partition: p.partition, offset: p.high })),
        handler: async (batch) => {
          const buffer = buffers[batch.partition];
          if (!buffer) return;
          for (const record of batch.records) buffer.entries.push({ record: slim(record) });
          const excess = buffer.entries.length - options.capacityPerPartition;
          if (excess > 0) {
            // Evict in chunks so eviction is amortised, not a shift per record.
            const drop = Math.max(excess, Math.floor(options.capacityPerPartition / 4));
            buffer.entries.splice(0, drop);
            buffer.start = buffer.entries[0] ? Number(buffer.entries[0].record.offset) : buffer.end;
          }
          for (const listener of [...listeners]) listener();
        },
      });
    },
    async stop() {
      await reader?.stop();
      listeners.clear();
    },
  };
}
