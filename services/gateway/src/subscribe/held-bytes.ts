// What one stream's awaited deliveries hold, in bytes: each partition's by offset, their sum
// counted against the stream's own cap and taken from the gateway's shared budget
// (delivery-budget.ts) until acknowledged, dropped, taken back or the stream closes.
import type { DeliveryBudget } from './delivery-budget.js';

/** One partition's awaited deliveries: offset → bytes, in ascending offsets (taken in order; a rewind forgets every one from its offset on). */
export type PartitionBytes = Map<number, number>;

export class HeldBytes {
  private held = 0;
  private readonly partitions = new Set<PartitionBytes>();

  constructor(private readonly budget: DeliveryBudget) {}

  /** Everything the stream holds now. */
  get total(): number {
    return this.held;
  }

  /** A new partition's ledger of awaited deliveries. */
  partition(): PartitionBytes {
    const bytes: PartitionBytes = new Map();
    this.partitions.add(bytes);
    return bytes;
  }

  /** The delivery at `offset` is awaited. */
  hold(partition: PartitionBytes, offset: number, bytes: number): void {
    partition.set(offset, bytes);
    this.held += bytes;
    this.budget.take(bytes);
  }

  /** Deliveries up to `offset` were acknowledged. */
  freeUpTo(partition: PartitionBytes, offset: number): void {
    let freed = 0;
    for (const [at, bytes] of partition) {
      if (at > offset) break; // ascending
      partition.delete(at);
      freed += bytes;
    }
    this.give(freed);
  }

  /** The delivery at `offset` is done without an ack (dropped, or owing no notice). */
  freeAt(partition: PartitionBytes, offset: number): void {
    const bytes = partition.get(offset);
    if (bytes === undefined) return;
    partition.delete(offset);
    this.give(bytes);
  }

  /** Deliveries from `offset` on were taken back (rewound). */
  freeFrom(partition: PartitionBytes, offset: number): void {
    let freed = 0;
    for (const [at, bytes] of partition) {
      if (at < offset) continue;
      partition.delete(at);
      freed += bytes;
    }
    this.give(freed);
  }

  /** The stream closed: nothing it holds is sent any more, its bytes go back to the other streams. */
  release(): void {
    for (const partition of this.partitions) partition.clear();
    this.partitions.clear();
    this.give(this.held);
  }

  private give(bytes: number): void {
    if (bytes <= 0) return;
    this.held -= bytes;
    this.budget.give(bytes);
  }
}
