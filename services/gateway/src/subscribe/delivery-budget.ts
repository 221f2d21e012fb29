// Bytes of deliveries prepared or sent and not yet acknowledged, per subscription and across the
// gateway. maxUnacked counts records: 64 partners × 5,000 unacknowledged 10 KB views (and the
// batches waiting on their audit) grew the heap to 1.6 GB (issue 19). A subscription over its
// own cap, or any over the shared one, stops collecting until acknowledgements free bytes.

export interface DeliveryBudgetOptions {
  /** Most bytes one subscription may hold unacknowledged. */
  readonly perStreamBytes: number;
  /** Most bytes every subscription together may hold unacknowledged. */
  readonly totalBytes: number;
  readonly onBytes?: (inUse: number) => void;
}

export interface DeliveryBudget {
  /** Bytes held by every subscription. */
  readonly inUse: number;
  /**
   * Whether a subscription holding `held` bytes may take another batch. One holding nothing always
   * may: a view larger than a cap is still delivered, one batch at a time, and nothing deadlocks.
   */
  mayTake(held: number): boolean;
  /** Whether the shared cap, not the subscription's own, is what stops it. */
  overTotal(): boolean;
  take(bytes: number): void;
  give(bytes: number): void;
  /** Calls `wake` once, when bytes are given back while the shared cap is reached. */
  wait(wake: () => void): void;
  /** A stream that closed no longer waits. */
  unwait(wake: () => void): void;
}

export function createDeliveryBudget(options: DeliveryBudgetOptions): DeliveryBudget {
  let inUse = 0;
  const waiting = new Set<() => void>();
  return {
    get inUse() {
      return inUse;
    },
    mayTake(held) {
      return held === 0 || (held < options.perStreamBytes && inUse < options.totalBytes);
    },
    overTotal() {
      return inUse >= options.totalBytes;
    },
    take(bytes) {
      inUse += bytes;
      options.onBytes?.(inUse);
    },
    give(bytes) {
      if (bytes <= 0) return;
      inUse = Math.max(0, inUse - bytes);
      options.onBytes?.(inUse);
      if (inUse >= options.totalBytes || waiting.size === 0) return;
      const woken = [...waiting];
      waiting.clear();
      for (const wake of woken) wake();
    },
    wait(wake) {
      waiting.add(wake);
    },
    unwait(wake) {
      waiting.delete(wake);
    },
  };
}
