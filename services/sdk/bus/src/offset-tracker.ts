// Which offset a consumer may commit: only what it is done with, in order. Records are taken in
// offset order; some are then awaited (delivered, until acknowledged) or held (pinned, until
// released), in any order. The commit position is the first offset still awaited or held, or
// the next to take when none is: never past a record that is not done.
import type { TopicPartition, TopicPartitionOffset } from './types.js';

/**
 * One partition's offsets. Offsets are numbers: exact up to 2^53, which no partition reaches
 * (at a million records a second, in 285 years).
 */
export class PartitionTracker {
  private nextOffset: number | undefined;
  private committedOffset: number | undefined;
  /** Delivered and not yet acknowledged, ascending. */
  private readonly awaited: number[] = [];
  /** Held (pinned, or on their way to a dead-letter topic) until released, ascending. */
  private readonly held: number[] = [];

  /**
   * A partition whose delivery starts at `next`, taken as committed already (a saved cursor,
   * say): nothing is committed until the position moves from there.
   */
  static startingAt(next: number): StartedPartitionTracker {
    const offsets = new PartitionTracker();
    offsets.nextOffset = next;
    offsets.committedOffset = next;
    return offsets as StartedPartitionTracker;
  }

  /** The next offset to take; undefined until a record is taken (or a start is given). */
  get next(): number | undefined {
    return this.nextOffset;
  }

  /** The position last recorded as committed (`committedAt`). */
  get committed(): number | undefined {
    return this.committedOffset;
  }

  /** How many delivered records are not yet acknowledged. */
  get unacknowledged(): number {
    return this.awaited.length;
  }

  /** How many records are held. */
  get holds(): number {
    return this.held.length;
  }

  /**
   * The record at `offset` was taken: the next to take is the one after it (even when that is
   * behind: a partition read again from its last commit starts over). Unless it is delivered or
   * held as well, the record is done.
   */
  take(offset: number): void {
    this.nextOffset = offset + 1;
  }

  /** The record at `offset` was delivered: it is awaited until acknowledged. */
  deliver(offset: number): void {
    insert(this.awaited, offset);
  }

  /** Acknowledges one delivered record; false when it was not awaited. */
  acknowledge(offset: number): boolean {
    return remove(this.awaited, offset);
  }

  /** Acknowledges every delivered record up to and including `offset`; returns how many. */
  acknowledgeUpTo(offset: number): number {
    let count = 0;
    while (count < this.awaited.length && (this.awaited[count] ?? Infinity) <= offset) count++;
    if (count > 0) this.awaited.splice(0, count);
    return count;
  }

  /** Holds the record at `offset` until released; holding it again changes nothing. */
  hold(offset: number): void {
    insert(this.held, offset);
  }

  /** Releases a held record; false when it was not held. */
  release(offset: number): boolean {
    return remove(this.held, offset);
  }

  /**
   * Takes back every record from `offset` on, as if never taken: the next to take is `offset`
   * (unless it already is earlier), and deliveries and holds at or after it are forgotten — their
   * records will be taken again. For deliveries prepared but never sent (an agreement changed
   * under them). Returns how many deliveries it forgot.
   */
  rewind(offset: number): number {
    if (this.nextOffset === undefined || offset < this.nextOffset) this.nextOffset = offset;
    const forgotten = this.awaited.length - lowerBound(this.awaited, offset);
    this.awaited.splice(this.awaited.length - forgotten, forgotten);
    this.held.splice(lowerBound(this.held, offset));
    return forgotten;
  }

  /**
   * The offset that may be committed: the first one awaited or held, or the next to take when
   * none is. Undefined while nothing has been taken.
   */
  position(): number | undefined {
    const next = this.nextOffset;
    if (next === undefined) return undefined;
    return Math.min(next, this.awaited[0] ?? next, this.held[0] ?? next);
  }

  /** The position when it differs from the one last committed, else undefined: nothing to commit. */
  toCommit(): number | undefined {
    const position = this.position();
    return position === this.committedOffset ? undefined : position;
  }

  /** Records that a commit of `position` has landed. */
  committedAt(position: number): void {
    this.committedOffset = position;
  }
}

/** A partition's offsets given a start: its next offset is always known. */
export type StartedPartitionTracker = PartitionTracker & { readonly next: number };

/** The offsets of every partition a consumer takes records from, by topic and partition. */
export class OffsetTracker {
  private readonly partitions = new Map<string, PartitionTracker>();

  /** The partition's offsets, made empty (nothing taken) the first time it is named. */
  partition(topic: string, partition: number): PartitionTracker {
    const key = keyOf(topic, partition);
    let offsets = this.partitions.get(key);
    if (!offsets) this.partitions.set(key, (offsets = new PartitionTracker()));
    return offsets;
  }

  /** The partition's offsets, if any were recorded since it was last reset. */
  get(topic: string, partition: number): PartitionTracker | undefined {
    return this.partitions.get(keyOf(topic, partition));
  }

  /**
   * The positions of `partitions` (in their order) that differ from their last commit: what a
   * commit should carry. Partitions with nothing taken are left out.
   */
  toCommit(partitions: Iterable<TopicPartition>): TopicPartitionOffset[] {
    const offsets: TopicPartitionOffset[] = [];
    for (const { topic, partition } of partitions) {
      const position = this.partitions.get(keyOf(topic, partition))?.toCommit();
      if (position !== undefined) offsets.push({ topic, partition, offset: String(position) });
    }
    return offsets;
  }

  /** Records that a commit of these positions has landed. */
  committed(offsets: Iterable<TopicPartitionOffset>): void {
    for (const { topic, partition, offset } of offsets) this.get(topic, partition)?.committedAt(Number(offset));
  }

  /** Forgets every partition not among `partitions` (a rebalance took them): their new owner reads them again. */
  retain(partitions: Iterable<TopicPartition>): void {
    const kept = new Set<string>();
    for (const { topic, partition } of partitions) kept.add(keyOf(topic, partition));
    for (const key of [...this.partitions.keys()]) if (!kept.has(key)) this.partitions.delete(key);
  }

  /** Forgets every partition. */
  clear(): void {
    this.partitions.clear();
  }
}

const keyOf = (topic: string, partition: number) => `${topic}\u0000${partition}`;

/** Inserts into an ascending list unless already there; offsets mostly come in order, so mostly a push. */
function insert(list: number[], offset: number): void {
  const last = list[list.length - 1];
  if (last === undefined || last < offset) {
    list.push(offset);
    return;
  }
  const at = lowerBound(list, offset);
  if (list[at] !== offset) list.splice(at, 0, offset);
}

function remove(list: number[], offset: number): boolean {
  const at = lowerBound(list, offset);
  if (list[at] !== offset) return false;
  list.splice(at, 1);
  return true;
}

/** The first index whose value is not below `offset`. */
function lowerBound(list: readonly number[], offset: number): number {
  let low = 0;
  let high = list.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if ((list[mid] ?? Infinity) < offset) low = mid + 1;
    else high = mid;
  }
  return low;
}
