// The traveller join buffer: crossings waiting for their screening result, and results waiting for
// their crossing, both by crossingId. Every buffered record is pinned in the offset tracker, so each
// partition is committed only up to its oldest record the buffer still needs.
import type { ConsumedRecord, OffsetTracker, TopicPartition } from '@puente/bus';
import type { ScreeningResult, TravellerCrossing } from '@puente/contracts';

import { partitionKey, type Position } from './position.js';

export interface PendingCrossing {
  readonly crossing: TravellerCrossing;
  /** As consumed: dead-lettered as it came should its assessment prove impossible. */
  readonly record: ConsumedRecord;
  readonly pin: Position;
  readonly since: number;
  /** Its place in the order crossings were buffered (1, 2, …): what the registry gate compares. */
  readonly seq: number;
}

interface PendingResult {
  result: ScreeningResult;
  readonly pins: Position[];
  readonly since: number;
}

export class TravellerJoinBuffer {
  /** By crossing eventId. */
  private readonly crossings = new Map<string, PendingCrossing>();
  /** By crossingId (the result's crossingReference). */
  private readonly results = new Map<string, PendingResult>();
  private seq = 0;

  constructor(
    private readonly offsets: OffsetTracker,
    private readonly now: () => number,
  ) {}

  get pendingCrossings(): number {
    return this.crossings.size;
  }

  get pendingResults(): number {
    return this.results.size;
  }

  /** The seq of the last crossing buffered (0: none yet); every crossing buffered later has a larger one. */
  get lastSeq(): number {
    return this.seq;
  }

  /** Every crossing waiting, in the order they came. */
  pending(): PendingCrossing[] {
    return [...this.crossings.values()];
  }

  /** Buffers a crossing and pins its record; false (nothing changes) when it is buffered already. */
  addCrossing(crossing: TravellerCrossing, record: ConsumedRecord, position: Position): boolean {
    const eventId = crossing.meta.eventId;
    if (this.crossings.has(eventId)) return false; // redelivered: the first copy is pinned already
    this.pin(position);
    this.seq += 1;
    this.crossings.set(eventId, { crossing, record, pin: position, since: this.now(), seq: this.seq });
    return true;
  }

  /** Buffers a crossing's screening result (a later one for the same crossing replaces it) and pins its record. */
  addResult(crossingId: string, result: ScreeningResult, position: Position): void {
    const waiting = this.results.get(crossingId);
    if (waiting) {
      waiting.result = result;
      waiting.pins.push(position);
    } else {
      this.results.set(crossingId, { result, pins: [position], since: this.now() });
    }
    this.pin(position);
  }

  /** The screening result buffered for a crossing, if one came. */
  resultFor(crossing: TravellerCrossing): ScreeningResult | undefined {
    return this.results.get(crossing.crossingId)?.result;
  }

  /** The crossings whose screening result has come: ready to assess. */
  complete(): PendingCrossing[] {
    return this.pending().filter((p) => this.results.has(p.crossing.crossingId));
  }

  /** The crossings ready to assess at time `at`: those whose result has come, and those that waited `timeoutMs`. */
  ready(at: number, timeoutMs: number): PendingCrossing[] {
    return this.pending().filter((p) => this.results.has(p.crossing.crossingId) || at - p.since >= timeoutMs);
  }

  /** The crossings that have waited `timeoutMs` or longer at time `at`. */
  overdue(at: number, timeoutMs: number): PendingCrossing[] {
    return this.pending().filter((p) => at - p.since >= timeoutMs);
  }

  /** Lets go of a crossing and, unless another buffered crossing shares its crossingId, of its result. */
  finish(pending: PendingCrossing): void {
    if (!this.crossings.delete(pending.crossing.meta.eventId)) return;
    this.release(pending.pin);
    const crossingId = pending.crossing.crossingId;
    if (this.pending().some((p) => p.crossing.crossingId === crossingId)) return;
    const waiting = this.results.get(crossingId);
    if (!waiting) return;
    waiting.pins.forEach((p) => this.release(p));
    this.results.delete(crossingId);
  }

  /** Drops results no buffered crossing waits for that have waited `timeoutMs` or longer; returns their screeningIds. */
  dropOrphans(at: number, timeoutMs: number): string[] {
    const waiting = new Set(this.pending().map((p) => p.crossing.crossingId));
    const dropped: string[] = [];
    for (const [crossingId, group] of this.results) {
      if (waiting.has(crossingId) || at - group.since < timeoutMs) continue;
      dropped.push(group.result.screeningId);
      group.pins.forEach((p) => this.release(p));
      this.results.delete(crossingId);
    }
    return dropped;
  }

  /** After a rebalance: drops what was read from partitions not in `partitions`; their new owner re-reads it. */
  retain(partitions: readonly TopicPartition[]): void {
    const kept = new Set(partitions.map(partitionKey));
    for (const p of this.pending()) {
      if (!kept.has(partitionKey(p.pin))) {
        this.crossings.delete(p.crossing.meta.eventId);
        this.release(p.pin);
      }
    }
    for (const [crossingId, group] of [...this.results]) {
      if (group.pins.some((p) => !kept.has(partitionKey(p)))) {
        group.pins.forEach((p) => this.release(p));
        this.results.delete(crossingId);
      }
    }
  }

  /** Forgets everything buffered without releasing (the offsets are cleared with it, on stop). */
  clear(): void {
    this.crossings.clear();
    this.results.clear();
  }

  private pin(p: Position): void {
    this.offsets.partition(p.topic, p.partition).hold(p.offset);
  }

  private release(p: Position): void {
    this.offsets.get(p.topic, p.partition)?.release(p.offset);
  }
}
