// Prometheus metrics of one gateway process (a registry of its own), served over HTTP.
import { ErrorReason } from '@puente/proto';
import { createDeadLetterCounter, type DeadLetterCounter } from '@puente/bus';
import { createMetricsRegistry } from '@puente/runtime';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

import { fromUnknown } from './grpc/errors.js';
import type { Publisher } from './publish/publisher.js';

export interface GatewayMetrics {
  readonly registry: Registry;
  readonly published: Counter<'topic'>;
  readonly publishRejected: Counter<'reason'>;
  readonly delivered: Counter<'agreement' | 'topic'>;
  readonly withheld: Counter<'agreement' | 'topic' | 'gate'>;
  readonly acked: Counter;
  /** Records set aside to dlq.<topic> (labels topic, service, reason_class), shared with the bus's dead letters. */
  readonly poison: DeadLetterCounter;
  readonly breakerOpen: Gauge;
  readonly subscribers: Gauge;
  readonly publishSeconds: Histogram;
  /** Agreement changes applied to open streams (change: added, removed, changed, expired, in-force). */
  readonly agreementChanges: Counter<'agreement' | 'change'>;
  /** Subscribe streams ended with AGREEMENT_REVOKED, by the agreement of the revoked feed. */
  readonly subscriptionsRevoked: Counter<'agreement'>;
  /** Feeds of open streams moved to a new agreement version. */
  readonly feedsReversioned: Counter<'agreement'>;
  /** From an agreement change (a reload, a validity boundary) to every open stream re-evaluated. */
  readonly reevaluationSeconds: Histogram;
  /** Changed agreement files refused at reload: the previous set stays in force, revocations in them included. */
  readonly agreementReloadsRejected: Counter;
  /** Record verdicts found in the shared view cache (judged once for every subscriber of a view). */
  readonly viewCacheHits: Counter;
  /** Record verdicts judged because no subscription with the same view had (or it was evicted). */
  readonly viewCacheMisses: Counter;
  readonly viewCacheBytes: Gauge;
  /** Bytes of deliveries prepared or sent and not yet acknowledged, every stream together. */
  readonly deliveryBytesInUse: Gauge;
  /** Subscribe streams of this instance that handed their subscription over to a newer stream (any instance's). */
  readonly subscriptionHandovers: Counter;
  /** Publish receipts written for other instances, lost to failed writes, read into the window, or unreadable. */
  readonly receiptsWritten: Counter;
  readonly receiptsWriteFailed: Counter;
  readonly receiptsApplied: Counter;
  readonly receiptsSkipped: Counter;
  /** Agreements another live gateway instance serves in another version or text. */
  readonly agreementMismatches: Gauge;
}

export function createGatewayMetrics(): GatewayMetrics {
  const registry = createMetricsRegistry('puente_gateway_');
  const registers = [registry];
  return {
    registry,
    published: new Counter({
      name: 'puente_published_total',
      help: 'Events accepted and acknowledged by Kafka',
      labelNames: ['topic'],
      registers,
    }),
    publishRejected: new Counter({
      name: 'puente_publish_rejected_total',
      help: 'Events refused, by reason',
      labelNames: ['reason'],
      registers,
    }),
    delivered: new Counter({
      name: 'puente_delivered_total',
      help: 'Policy views delivered to partners',
      labelNames: ['agreement', 'topic'],
      registers,
    }),
    withheld: new Counter({
      name: 'puente_withheld_total',
      help: "Records withheld from a subscriber, by the gate that withheld them (validity, recipient, releasability, ceiling, purpose, declared-purpose), or 'rules' when no rule admitted them",
      labelNames: ['agreement', 'topic', 'gate'],
      registers,
    }),
    acked: new Counter({ name: 'puente_acked_total', help: 'Deliveries acknowledged by partners', registers }),
    poison: createDeadLetterCounter(registry),
    breakerOpen: new Gauge({
      name: 'puente_publish_breaker_open',
      help: '1 while the publish circuit breaker is open',
      registers,
    }),
    subscribers: new Gauge({ name: 'puente_subscribers', help: 'Subscribe streams connected', registers }),
    publishSeconds: new Histogram({
      name: 'puente_publish_seconds',
      help: 'Publish latency, gateway receipt to Kafka acknowledgement',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers,
    }),
    agreementChanges: new Counter({
      name: 'puente_agreement_changes_total',
      help: 'Agreement changes applied to open subscriptions, by agreement and change (added, removed, changed, expired, in-force)',
      labelNames: ['agreement', 'change'],
      registers,
    }),
    subscriptionsRevoked: new Counter({
      name: 'puente_subscriptions_revoked_total',
      help: 'Subscribe streams ended with AGREEMENT_REVOKED because an agreement change no longer admits a feed',
      labelNames: ['agreement'],
      registers,
    }),
    feedsReversioned: new Counter({
      name: 'puente_feeds_reversioned_total',
      help: 'Feeds of open subscriptions moved to a new agreement version',
      labelNames: ['agreement'],
      registers,
    }),
    reevaluationSeconds: new Histogram({
      name: 'puente_agreement_reevaluation_seconds',
      help: 'Time from an agreement change (reload or validity boundary) to every open subscription re-evaluated',
      buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.1, 0.5],
      registers,
    }),
    agreementReloadsRejected: new Counter({
      name: 'puente_agreement_reloads_rejected_total',
      help: 'Changed agreement files refused at reload; the previous agreements stay in force, so a revocation in the refused change does not apply (alert on it)',
      registers,
    }),
    viewCacheHits: new Counter({
      name: 'puente_view_cache_hits_total',
      help: 'Record verdicts (decision and view bytes) reused from another subscription with the same view',
      registers,
    }),
    viewCacheMisses: new Counter({
      name: 'puente_view_cache_misses_total',
      help: 'Record verdicts evaluated because no subscription with the same view had one cached',
      registers,
    }),
    viewCacheBytes: new Gauge({
      name: 'puente_view_cache_bytes',
      help: 'Estimated bytes of record verdicts in the shared view cache',
      registers,
    }),
    deliveryBytesInUse: new Gauge({
      name: 'puente_delivery_bytes_in_use',
      help: 'Estimated bytes of deliveries prepared or sent and not yet acknowledged, every stream together',
      registers,
    }),
    subscriptionHandovers: new Counter({
      name: 'puente_subscription_handovers_total',
      help: 'Subscribe streams that handed their subscription over to a newer stream, on this or another gateway instance',
      registers,
    }),
    receiptsWritten: new Counter({
      name: 'puente_publish_receipts_written_total',
      help: 'Receipts of acknowledged events written for the other gateway instances',
      registers,
    }),
    receiptsWriteFailed: new Counter({
      name: 'puente_publish_receipts_write_failed_total',
      help: 'Receipts lost to a failed write: other instances would write a retry of these events again',
      registers,
    }),
    receiptsApplied: new Counter({
      name: 'puente_publish_receipts_applied_total',
      help: 'Receipts (this and other instances) read into the dedupe window',
      registers,
    }),
    receiptsSkipped: new Counter({
      name: 'puente_publish_receipts_skipped_total',
      help: 'Unreadable receipt records or entries, skipped',
      registers,
    }),
    agreementMismatches: new Gauge({
      name: 'puente_gateway_agreement_mismatches',
      help: 'Agreements another live gateway instance serves in a different version or text (alert on > 0)',
      registers,
    }),
  };
}

/**
 * The publisher, counting what it refuses (by ErrorInfo reason) and timing each call from the
 * gateway's receipt to its outcome (Kafka's acknowledgement, or the refusal).
 */
export function measurePublisher(publisher: Publisher, metrics: GatewayMetrics): Publisher {
  const rejected = (reason: ErrorReason, count = 1) =>
    metrics.publishRejected.inc({ reason: ErrorReason[reason] ?? String(reason) }, count);
  return {
    ...publisher,
    async publishBatch(principal, requests) {
      const done = metrics.publishSeconds.startTimer();
      try {
        const outcomes = await publisher.publishBatch(principal, requests);
        for (const outcome of outcomes) if (!outcome.ok) rejected(outcome.error.reason);
        return outcomes;
      } catch (error) {
        rejected(fromUnknown(error).reason, requests.length);
        throw error;
      } finally {
        done();
      }
    },
  };
}

/** Serves `GET /metrics` from a registry (the helper every Puente service uses). */
export { serveMetrics } from '@puente/runtime';
