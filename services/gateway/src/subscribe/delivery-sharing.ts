// What every subscription of a gateway shares: the verdicts on records (view-cache.ts), the turns
// at collecting them (delivery-turns.ts) and the bytes they may hold unacknowledged
// (delivery-budget.ts), built once from the gateway's limits.
import { createDeliveryBudget, type DeliveryBudget } from './delivery-budget.js';
import { createDeliveryTurns, type DeliveryTurns } from './delivery-turns.js';
import { createViewCache, type ViewCache } from './view-cache.js';

export interface SharingLimits {
  /** Bytes of record verdicts (view payloads) kept for other subscriptions to the same view. */
  readonly viewCacheBytes: number;
  /** Bytes of deliveries one stream may hold prepared or sent and not yet acknowledged. */
  readonly maxUnackedBytes: number;
  /** Bytes of deliveries every stream together may hold prepared or sent and not yet acknowledged. */
  readonly maxUnackedBytesTotal: number;
  /** Records collected per turn of the event loop, across every stream. */
  readonly deliveryTurnRecords: number;
  /** Longest a turn of collecting goes on before publishes and acks get the loop (ms). */
  readonly deliveryTurnMs: number;
}

export const DEFAULT_SHARING_LIMITS: SharingLimits = {
  viewCacheBytes: 64 * 1024 * 1024,
  maxUnackedBytes: 32 * 1024 * 1024,
  maxUnackedBytesTotal: 256 * 1024 * 1024,
  deliveryTurnRecords: 500,
  deliveryTurnMs: 5,
};

export interface DeliverySharing {
  readonly views: ViewCache;
  readonly turns: DeliveryTurns;
  readonly budget: DeliveryBudget;
}

export interface SharingMetrics {
  readonly onCacheHit?: () => void;
  readonly onCacheMiss?: () => void;
  readonly onCacheBytes?: (bytes: number) => void;
  readonly onDeliveryBytes?: (bytes: number) => void;
}

export function createDeliverySharing(
  limits: SharingLimits = DEFAULT_SHARING_LIMITS,
  metrics: SharingMetrics = {},
): DeliverySharing {
  return {
    views: createViewCache({
      maxBytes: limits.viewCacheBytes,
      ...(metrics.onCacheHit ? { onHit: metrics.onCacheHit } : {}),
      ...(metrics.onCacheMiss ? { onMiss: metrics.onCacheMiss } : {}),
      ...(metrics.onCacheBytes ? { onBytes: metrics.onCacheBytes } : {}),
    }),
    turns: createDeliveryTurns({ recordsPerTurn: limits.deliveryTurnRecords, sliceMs: limits.deliveryTurnMs }),
    budget: createDeliveryBudget({
      perStreamBytes: limits.maxUnackedBytes,
      totalBytes: limits.maxUnackedBytesTotal,
      ...(metrics.onDeliveryBytes ? { onBytes: metrics.onDeliveryBytes } : {}),
    }),
  };
}
