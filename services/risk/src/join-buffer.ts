// The join buffer: manifests waiting for the screening results of their parties, and results
// waiting for their manifest, keyed by join keys. Every buffered record is pinned in the offset
// tracker, so each partition is committed only up to its oldest record the buffer still needs.
import type { ConsumedRecord, OffsetTracker, TopicPartition } from '@puente/bus';
import type { CargoManifest, ScreeningResult } from '@puente/contracts';

import { partitionKey, type Position } from './position.js';
import { expectedRoles, roleOfScreening } from './risk-rules.js';
import type { PartyRole } from './risk-rules.js';

export interface PendingManifest {
  readonly manifest: CargoManifest;
  /** As consumed: dead-lettered as it came should its assessment prove impossible. */
  readonly record: ConsumedRecord;
  readonly pin: Position;
  readonly since: number;
}

interface PendingResults {
  readonly results: Map<PartyRole, ScreeningResult>;
  readonly pins: Position[];
  readonly since: number;
}

/** The keys a manifest's results may wait under: its eventId, then its manifestId (results without a correlation id). */
export function joinKeysOf(manifest: CargoManifest): string[] {
  return [manifest.meta.eventId, `manifest:${manifest.manifestId}`];
}

/**
 * The key a screening result waits under: the manifest eventId it correlates with, else
 * `manifest:<manifestId>` from the record key or, without one, the screeningId (`<manifestId>/<role>`).
 */
export function joinKeyOfResult(result: ScreeningResult, recordKey: string | null): string {
  const manifestId = recordKey ?? result.screeningId.slice(0, result.screeningId.lastIndexOf('/'));
  return result.meta.correlationId ?? `manifest:${manifestId}`;
}

export class JoinBuffer {
  /** By manifest eventId. */
  private readonly manifests = new Map<string, PendingManifest>();
  /** By join key. */
  private readonly results = new Map<string, PendingResults>();

  constructor(
    private readonly offsets: OffsetTracker,
    private readonly now: () => number,
  ) {}

  get pendingManifests(): number {
    return this.manifests.size;
  }

  get pendingResults(): number {
    return this.results.size;
  }

  /** Every manifest waiting, in the order they came. */
  pending(): PendingManifest[] {
    return [...this.manifests.values()];
  }

  /** Buffers a manifest and pins its record; false (nothing changes) when it is buffered already. */
  addManifest(manifest: CargoManifest, record: ConsumedRecord, position: Position): boolean {
    const eventId = manifest.meta.eventId;
    if (this.manifests.has(eventId)) return false; // redelivered: the first copy is pinned already
    this.pin(position);
    this.manifests.set(eventId, { manifest, record, pin: position, since: this.now() });
    return true;
  }

  /** Buffers a party's result under a join key (a later result for the same role replaces it) and pins its record. */
  addResult(joinKey: string, role: PartyRole, result: ScreeningResult, position: Position): void {
    let group = this.results.get(joinKey);
    if (!group) this.results.set(joinKey, (group = { results: new Map(), pins: [], since: this.now() }));
    group.results.set(role, result);
    group.pins.push(position);
    this.pin(position);
  }

  /** The results buffered for a manifest, one per role; those under its eventId win over those under its manifestId. */
  resultsFor(manifest: CargoManifest): ScreeningResult[] {
    const byRole = new Map<PartyRole, ScreeningResult>();
    for (const key of joinKeysOf(manifest).reverse()) {
      for (const [r, result] of this.results.get(key)?.results ?? []) byRole.set(r, result);
    }
    return [...byRole.values()];
  }

  /** The manifests with a result for every party they expect: ready to assess. */
  complete(): PendingManifest[] {
    return this.pending().filter((p) => this.isComplete(p.manifest));
  }

  /** The manifests that have waited `timeoutMs` or longer at time `at`. */
  overdue(at: number, timeoutMs: number): PendingManifest[] {
    return this.pending().filter((p) => at - p.since >= timeoutMs);
  }

  /** Lets go of a manifest and of every result under its join keys, releasing their records. */
  finish(pending: PendingManifest): void {
    this.manifests.delete(pending.manifest.meta.eventId);
    this.release(pending.pin);
    for (const key of joinKeysOf(pending.manifest)) {
      const group = this.results.get(key);
      if (!group) continue;
      group.pins.forEach((p) => this.release(p));
      this.results.delete(key);
    }
  }

  /**
   * Drops the results no buffered manifest waits for that have waited `timeoutMs` or longer at
   * time `at`, releasing their records; returns the screeningIds of each group dropped.
   */
  dropOrphans(at: number, timeoutMs: number): string[][] {
    const waiting = new Set(this.pending().flatMap((p) => joinKeysOf(p.manifest)));
    const dropped: string[][] = [];
    for (const [key, group] of this.results) {
      if (waiting.has(key) || at - group.since < timeoutMs) continue;
      dropped.push([...group.results.values()].map((r) => r.screeningId));
      group.pins.forEach((p) => this.release(p));
      this.results.delete(key);
    }
    return dropped;
  }

  /** After a rebalance: drops what was read from partitions not in `partitions`; their new owner re-reads it. */
  retain(partitions: readonly TopicPartition[]): void {
    const kept = new Set(partitions.map(partitionKey));
    for (const p of this.pending()) {
      if (!kept.has(partitionKey(p.pin))) {
        this.manifests.delete(p.manifest.meta.eventId);
        this.release(p.pin);
      }
    }
    for (const [key, group] of [...this.results]) {
      if (group.pins.some((p) => !kept.has(partitionKey(p)))) {
        group.pins.forEach((p) => this.release(p));
        this.results.delete(key);
      }
    }
  }

  /** Forgets everything buffered without releasing (the offsets are cleared with it, on stop). */
  clear(): void {
    this.manifests.clear();
    this.results.clear();
  }

  private isComplete(manifest: CargoManifest): boolean {
    const have = new Set(this.resultsFor(manifest).map((r) => roleOfScreening(r)));
    return expectedRoles(manifest).every((r) => have.has(r));
  }

  private pin(p: Position): void {
    this.offsets.partition(p.topic, p.partition).hold(p.offset);
  }

  private release(p: Position): void {
    this.offsets.get(p.topic, p.partition)?.release(p.offset);
  }
}
