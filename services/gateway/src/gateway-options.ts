// What createGateway is built from: its dependencies and the limits it enforces, with defaults.
import type { KeyObject } from 'node:crypto';

import type { ServerCredentials } from '@grpc/grpc-js';
import type { Bus } from '@puente/bus';
import type { AvroCodec } from '@puente/contracts';
import type { PolicySet } from '@puente/policy';
import type { LedgerReader } from '@puente/ledger';
import type { Country, Logger } from '@puente/runtime';

import type { AuditTopicSettings } from './audit/audit-topic.js';
import type { PublishPermissions } from './auth/authorization.js';
import type { Authenticator } from './auth/identity.js';
import type { GatewayMetrics } from './metrics.js';
import { DEFAULT_SHARING_LIMITS, type SharingLimits } from './subscribe/delivery-sharing.js';
import type { SessionLimits } from './subscribe/session.js';

/**
 * What the gateway enforces. Besides these, SharingLimits bound what subscriptions share:
 * viewCacheBytes (record verdicts kept for other subscribers of a view, default 64 MiB, emptied
 * when no stream is open), maxUnackedBytes (per stream, default 32 MiB) and maxUnackedBytesTotal
 * (every stream, default 256 MiB) of deliveries prepared or sent and not yet acknowledged (a
 * stream over either stops collecting until acks free bytes; one holding nothing may always take
 * a batch), and deliveryTurnRecords / deliveryTurnMs (default 500 records / 5 ms collected per
 * turn of the event loop across every stream, so publishes are not held behind many partners).
 */
export interface GatewayLimits extends SessionLimits, SharingLimits {
  readonly maxPayloadBytes: number;
  readonly maxInFlight: number;
  readonly dedupeWindowMs: number;
  /** Records of each partition kept in the shared tail for caught-up subscribers. */
  readonly tailRecordsPerPartition: number;
  /** Slowest Kafka acknowledgement before publishing fails with UNAVAILABLE (PUBLISH_OUTCOME_UNKNOWN). */
  readonly publishTimeoutMs: number;
  /** Open Subscribe and PublishStream calls per caller; beyond it RESOURCE_EXHAUSTED (STREAM_LIMIT_REACHED). */
  readonly maxStreamsPerCaller: number;
  /**
   * Longest a Subscribe stream waits for the stream it takes over (on any gateway instance) to
   * release its subscription; after it, one that never does (its gateway crashed) is taken over.
   */
  readonly handoverTimeoutMs: number;
}

export const DEFAULT_LIMITS: GatewayLimits = {
  maxPayloadBytes: 1_000_000,
  maxInFlight: 20_000,
  dedupeWindowMs: 10 * 60_000,
  tailRecordsPerPartition: 20_000,
  publishTimeoutMs: 1_000,
  maxStreamsPerCaller: 64,
  defaultMaxUnacked: 500,
  maxUnacked: 5_000,
  defaultMaxBatch: 100,
  maxBatch: 1_000,
  catchUpQueue: 2_000,
  endCommitTimeoutMs: 10_000,
  ...DEFAULT_SHARING_LIMITS,
  handoverTimeoutMs: 5_000,
};

export interface GatewayOptions {
  readonly bus: Bus;
  readonly codec: AvroCodec;
  /** The agreements in force; a function so a hot-reloaded set is used from the next call on. */
  readonly policies: () => PolicySet;
  readonly authenticator: Authenticator;
  readonly permissions: PublishPermissions;
  readonly credentials?: ServerCredentials;
  /** host:port; port 0 picks a free one. */
  readonly address?: string;
  readonly limits?: Partial<GatewayLimits>;
  /** Create missing topics (every catalog topic, DLQs, cursors) at start: embedded mode and tests. */
  readonly ensureTopics?: { readonly partitions: number } | false;
  /**
   * Replication of the disclosure topic, which the gateway always creates when missing (kept
   * forever) and checks at start. Default PRODUCTION_AUDIT_TOPIC (3 replicas, 2 in sync); a single
   * broker (embedded mode, tests, a workstation) passes SINGLE_BROKER_AUDIT_TOPIC.
   */
  readonly auditTopic?: AuditTopicSettings & {
    /** Partitions when it is created (default: ensureTopics' partitions, else 3). */
    readonly partitions?: number;
  };
  readonly logger?: Logger;
  readonly metrics?: GatewayMetrics;
  /** Told a PublishStream's unanswered requests each time the gateway reads one. */
  readonly onPublishStreamBacklog?: (unanswered: number) => void;
  /**
   * Each country's disclosure ledger (the audit service's store, read-only here): operators'
   * ledger queries, and finding who received an event a correction supersedes. A country
   * without one answers those queries FAILED_PRECONDITION (LEDGER_UNAVAILABLE).
   */
  readonly ledgers?: Partial<Record<Country, LedgerReader>>;
  /**
   * Public keys that checkpoints of each country's ledger must be signed with, by key id
   * (VerifyLedger). A checkpoint signed with any other key is reported invalid.
   */
  readonly checkpointKeys?: Partial<Record<Country, ReadonlyMap<string, KeyObject>>>;
  /**
   * Where each country's checkpoints are read from (VerifyLedger); `<country>.audit-checkpoints.v1`
   * by default. Only for a test sharing its broker with other ledgers.
   */
  readonly checkpointTopic?: (country: Country) => string;
  /** This process among the gateway instances on one Kafka; `<host>-<pid>-<random>` by default. */
  readonly instanceId?: string;
  /**
   * Where instances share publish receipts and announce their agreements: PUBLISH_RECEIPTS_TOPIC
   * and GATEWAY_INSTANCES_TOPIC by default. Only for a test sharing its broker with other gateways.
   */
  readonly instanceTopics?: { readonly publishReceipts: string; readonly gatewayInstances: string };
}
