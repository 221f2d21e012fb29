// The publish path's memory of acknowledged events, for answering a repeated eventId with the
// original record instead of writing it twice. Under load it holds hundreds of thousands of
// entries for minutes, so an entry is its key string and a slot in parallel number arrays (a
// ring, oldest first): no object or offset string per entry for the collector to mark and move.

/** What was acknowledged for one event. */
export interface Acknowledged {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly schemaId: number;
  /** The record's timestamp (ms). */
  readonly timestamp: number;
}

export class DedupeWindow {
  private readonly slots = new Map<string, number>();
  private keys: (string | undefined)[] = [];
  private topics: number[] = [];
  private partitions: number[] = [];
  private offsets: number[] = [];
  private schemaIds: number[] = [];
  private timestamps: number[] = [];
  /** When each entry was acknowledged (ms): the window counts from here. */
  private ats: number[] = [];
  private readonly topicNames: string[] = [];
  private readonly topicIds = new Map<string, number>();
  /** Index of the oldest entry in the ring, and how many entries it holds. */
  private head = 0;
  private count = 0;

  constructor(
    /** How long an entry is kept, in ms. */
    private readonly windowMs: number,
    /** At most this many entries: beyond it the oldest go first. */
    private readonly maxEntries: number,
  ) {}

  get size(): number {
    return this.count;
  }

  get(key: string): Acknowledged | undefined {
    const slot = this.slots.get(key);
    if (slot === undefined) return undefined;
    return {
      topic: this.topicNames[this.topics[slot]!]!,
      partition: this.partitions[slot]!,
      offset: String(this.offsets[slot]),
      schemaId: this.schemaIds[slot]!,
      timestamp: this.timestamps[slot]!,
    };
  }

  has(key: string): boolean {
    return this.slots.has(key);
  }

  /** Remembers an acknowledged event as of `at`; a key already held keeps its first entry. */
  add(key: string, entry: Acknowledged, at: number): void {
    if (this.slots.has(key)) return;
    if (this.count === this.maxEntries) this.dropOldest();
    if (this.count === this.keys.length) this.grow();
    const slot = (this.head + this.count) % this.keys.length;
    let topic = this.topicIds.get(entry.topic);
    if (topic === undefined) {
      topic = this.topicNames.push(entry.topic) - 1;
      this.topicIds.set(entry.topic, topic);
    }
    this.keys[slot] = key;
    this.topics[slot] = topic;
    this.partitions[slot] = entry.partition;
    this.offsets[slot] = Number(entry.offset);
    this.schemaIds[slot] = entry.schemaId;
    this.timestamps[slot] = entry.timestamp;
    this.ats[slot] = at;
    this.slots.set(key, slot);
    this.count++;
  }

  /** Forgets entries acknowledged before `now - windowMs`, oldest first. */
  expire(now: number): void {
    const horizon = now - this.windowMs;
    while (this.count > 0 && this.ats[this.head]! < horizon) this.dropOldest();
  }

  private dropOldest(): void {
    const key = this.keys[this.head];
    if (key !== undefined) this.slots.delete(key);
    this.keys[this.head] = undefined;
    this.head = (this.head + 1) % this.keys.length;
    this.count--;
  }

  /** Doubles the ring (up to maxEntries), the oldest entry moving to index 0. */
  private grow(): void {
    const capacity = Math.min(this.maxEntries, Math.max(1024, this.keys.length * 2));
    const order = Array.from({ length: this.count }, (_, i) => (this.head + i) % Math.max(1, this.keys.length));
    const reorder = <T>(values: T[], fill: T): T[] => {
      const next = order.map((i) => values[i] as T);
      for (let i = next.length; i < capacity; i++) next.push(fill);
      return next;
    };
    this.keys = reorder<string | undefined>(this.keys, undefined);
    this.topics = reorder(this.topics, 0);
    this.partitions = reorder(this.partitions, 0);
    this.offsets = reorder(this.offsets, 0);
    this.schemaIds = reorder(this.schemaIds, 0);
    this.timestamps = reorder(this.timestamps, 0);
    this.ats = reorder(this.ats, 0);
    this.head = 0;
    order.forEach((_, i) => this.slots.set(this.keys[i]!, i));
  }
}
