// Screening hits that came after their crossing was assessed without screening (the join gave up
// waiting), each waiting for the superseding assessment the publisher makes of it. Every one is
// pinned in the offset tracker, so its record is not committed before that assessment is published:
// a crash in between re-reads it, and the output topic says whether it was acted on.
import type { ConsumedRecord, OffsetTracker, TopicPartition } from '@puente/bus';
import type { ScreeningResult } from '@puente/contracts';

import { partitionKey, type Position } from './position.js';

export interface LateHit {
  /** The eventId of the crossing it screened (the result's correlationId). */
  readonly crossingEventId: string;
  readonly result: ScreeningResult;
  /** As consumed: dead-lettered as it came should acting on it prove impossible. */
  readonly record: ConsumedRecord;
  readonly pin: Position;
}

export class TravellerLateHits {
  /** By the result's eventId: a redelivered copy is the same hit. */
  private readonly hits = new Map<string, LateHit>();

  constructor(private readonly offsets: OffsetTracker) {}

  get size(): number {
    return this.hits.size;
  }

  /** Every hit waiting, in the order they came. */
  pending(): LateHit[] {
    return [...this.hits.values()];
  }

  /** Keeps a hit and pins its record; false (nothing changes) when it is kept already. */
  add(hit: LateHit): boolean {
    const eventId = hit.result.meta.eventId;
    if (this.hits.has(eventId)) return false;
    this.offsets.partition(hit.pin.topic, hit.pin.partition).hold(hit.pin.offset);
    this.hits.set(eventId, hit);
    return true;
  }

  /** Lets go of a hit acted on (or that needs no action any more). */
  finish(hit: LateHit): void {
    if (this.hits.delete(hit.result.meta.eventId)) this.release(hit.pin);
  }

  /** After a rebalance: drops hits read from partitions not in `partitions`; their new owner re-reads them. */
  retain(partitions: readonly TopicPartition[]): void {
    const kept = new Set(partitions.map(partitionKey));
    for (const hit of this.pending()) if (!kept.has(partitionKey(hit.pin))) this.finish(hit);
  }

  /** Forgets every hit without releasing (the offsets are cleared with it, on stop). */
  clear(): void {
    this.hits.clear();
  }

  private release(p: Position): void {
    this.offsets.get(p.topic, p.partition)?.release(p.offset);
  }
}
