// The publish path's memory of acknowledged events, for answering a repeated eventId with the
// original record instead of writing it twice. Under load it holds hundreds of thousands of
// entries for minutes, so an entry is its key string and a slot in typed-array columns: no
// object or offset string per entry for the collector to mark and move. Entries are numbered
// in the order they arrive and stored in fixed-size chunks, oldest chunk first, so adding,
// expiring and dropping never move an entry: growing by copying the whole window stalled the
// event loop for 350 ms at a few hundred thousand entries. The key index is split over many
// small Maps for the same reason: one Map of 500,000 keys stalls 170 ms each time it rehashes.

/** What was acknowledged for one event. */
export interface Acknowledged {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly schemaId: number;
  /** The record's timestamp (ms). */
  readonly timestamp: number;
}

/** Entries per chunk: small enough that a new one is cheap, large enough that there are few. */
const CHUNK = 4_096;
/** Maps the key index is split over (a power of two). */
const SHARDS = 64;

class Chunk {
  readonly keys: (string | undefined)[] = new Array<string | undefined>(CHUNK).fill(undefined);
  readonly topics = new Int32Array(CHUNK);
  readonly partitions = new Int32Array(CHUNK);
  readonly schemaIds = new Int32Array(CHUNK);
  readonly offsets = new Float64Array(CHUNK);
  readonly timestamps = new Float64Array(CHUNK);
  /** When each entry was acknowledged (ms): the window counts from here. */
  readonly ats = new Float64Array(CHUNK);
}

export class DedupeWindow {
  /** Key → the entry's number, in the shard of the key's last two characters. */
  private readonly shards = Array.from({ length: SHARDS }, () => new Map<string, number>());
  /** chunks[0] holds entries from firstChunk * CHUNK on. */
  private readonly chunks: Chunk[] = [];
  private firstChunk = 0;
  /** Number of the oldest entry held, and of the next one to be added. */
  private head = 0;
  private tail = 0;
  private readonly topicNames: string[] = [];
  private readonly topicIds = new Map<string, number>();

  constructor(
    /** How long an entry is kept, in ms. */
    private readonly windowMs: number,
    /** At most this many entries: beyond it the oldest go first. */
    private readonly maxEntries: number,
  ) {
    if (!(maxEntries >= 1)) throw new RangeError(`a dedupe window holds at least 1 entry (got ${maxEntries})`);
  }

  get size(): number {
    return this.tail - this.head;
  }

  get(key: string): Acknowledged | undefined {
    const n = this.shardOf(key).get(key);
    if (n === undefined) return undefined;
    const chunk = this.chunkOf(n);
    const i = n % CHUNK;
    return {
      topic: this.topicNames[chunk.topics[i]!]!,
      partition: chunk.partitions[i]!,
      offset: String(chunk.offsets[i]),
      schemaId: chunk.schemaIds[i]!,
      timestamp: chunk.timestamps[i]!,
    };
  }

  has(key: string): boolean {
    return this.shardOf(key).has(key);
  }

  /** Remembers an acknowledged event as of `at`; a key already held keeps its first entry. */
  add(key: string, entry: Acknowledged, at: number): void {
    const shard = this.shardOf(key);
    if (shard.has(key)) return;
    if (this.size >= this.maxEntries) this.dropOldest();
    const n = this.tail++;
    const i = n % CHUNK;
    if (i === 0 || this.chunks.length === 0) this.chunks.push(new Chunk());
    const chunk = this.chunks[this.chunks.length - 1]!;
    let topic = this.topicIds.get(entry.topic);
    if (topic === undefined) {
      topic = this.topicNames.push(entry.topic) - 1;
      this.topicIds.set(entry.topic, topic);
    }
    chunk.keys[i] = key;
    chunk.topics[i] = topic;
    chunk.partitions[i] = entry.partition;
    chunk.offsets[i] = Number(entry.offset);
    chunk.schemaIds[i] = entry.schemaId;
    chunk.timestamps[i] = entry.timestamp;
    chunk.ats[i] = at;
    shard.set(key, n);
  }

  /** Forgets entries acknowledged before `now - windowMs`, oldest first. */
  expire(now: number): void {
    const horizon = now - this.windowMs;
    while (this.head < this.tail && this.chunkOf(this.head).ats[this.head % CHUNK]! < horizon) this.dropOldest();
  }

  private shardOf(key: string): Map<string, number> {
    const last = key.length - 1;
    // eventIds are mostly UUIDs: their last two hex digits spread evenly. NaN (short keys) & → 0.
    return this.shards[((key.charCodeAt(last) * 31 + key.charCodeAt(last - 1)) & (SHARDS - 1)) | 0]!;
  }

  private chunkOf(n: number): Chunk {
    return this.chunks[Math.floor(n / CHUNK) - this.firstChunk]!;
  }

  private dropOldest(): void {
    const n = this.head++;
    const chunk = this.chunkOf(n);
    const key = chunk.keys[n % CHUNK];
    if (key !== undefined) this.shardOf(key).delete(key);
    chunk.keys[n % CHUNK] = undefined;
    // A chunk whose last entry went is released; an emptied window starts its numbers afresh.
    if (n % CHUNK === CHUNK - 1 || this.head === this.tail) {
      if (this.head === this.tail) {
        this.chunks.length = 0;
        this.head = this.tail = 0;
        this.firstChunk = 0;
      } else {
        this.chunks.shift();
        this.firstChunk++;
      }
    }
  }
}
