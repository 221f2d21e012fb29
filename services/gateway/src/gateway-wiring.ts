// Wires the gateway's services from its options: the publish path behind a circuit breaker, the
// subscription machinery (cursors, shared tails, sessions, audit) and the two gRPC services.
import type { Feed, TopicPolicy } from '@puente/policy';
import { type Breaker, createBreaker, DISCLOSURE_TOPIC, type Logger } from '@puente/runtime';

import { createAuditWriter } from './audit/audit.js';
import { createInstanceCoordination, type InstanceCoordination } from './instances/instance-coordination.js';
import type { Principal } from './auth/identity.js';
import { createGatewayDeadLetter } from './dead-letter.js';
import type { GatewayLimits, GatewayOptions } from './gateway-options.js';
import { measurePublisher, type GatewayMetrics } from './metrics.js';
import { createOperatorService } from './operator/index.js';
import { createPublisher, type Publisher } from './publish/publisher.js';
import { createShareService, type ShareService } from './share-service.js';
import { createCorrectionLookup } from './subscribe/correction-lookup.js';
import { createDeliverySharing } from './subscribe/delivery-sharing.js';
import { type CursorStore, createCursorStore } from './subscribe/cursor-store.js';
import { createHandover, type Handover } from './subscribe/handover.js';
import { createRevocation, type Revocation } from './subscribe/revocation.js';
import type { SessionDeps, SubscriptionSession } from './subscribe/session.js';
import { createTopicTails, type TopicTails } from './subscribe/topic-tail.js';
import { createViewSchemaIds } from './view-schema-ids.js';

/** What createGateway is wired with besides its options. */
export interface GatewayWiring {
  readonly options: GatewayOptions;
  readonly limits: GatewayLimits;
  readonly metrics: GatewayMetrics;
  readonly logger: Logger;
}

/** The gateway's parts that start and stop, and the services its server carries. */
export interface GatewayParts {
  readonly cursors: CursorStore;
  readonly tailReader: TopicTails;
  readonly breaker: Breaker;
  readonly share: ShareService;
  readonly operator: ReturnType<typeof createOperatorService>;
  /** Re-evaluates open subscriptions when the agreements change or a validity boundary passes. */
  readonly revocation: Revocation;
  /** Publish dedupe shared with the other gateway instances, and their agreements compared. */
  readonly coordination: InstanceCoordination;
}

export function wireGateway(wiring: GatewayWiring): GatewayParts {
  const { options, limits, metrics } = wiring;
  const { bus, codec } = options;
  const coordination = createInstanceCoordination(wiring);
  // One name per instance: in claims, in announcements and in the logs.
  const cursors = createCursorStore(bus, { instance: coordination.instanceId });
  const tailReader = createTopicTails({ bus, codec, capacityPerPartition: limits.tailRecordsPerPartition });
  const sessions = new Map<string, SubscriptionSession>();
  const viewSchemaId = createViewSchemaIds(codec);
  const feedsFor = (principal: Principal): Feed[] =>
    options.policies().feedsFor({ country: principal.country, agency: principal.agency });
  const breaker = createPublishBreaker(wiring);
  const publisher = createGatewayPublisher(wiring, breaker, coordination);
  const deadLetter = createGatewayDeadLetter({ bus, logger: wiring.logger, counter: metrics.poison });
  const audit = createAuditWriter(bus, codec, { deadLetter });
  // An operator's browse is not a feed: a record it cannot audit fails the call rather than vanish from the page.
  const browseAudit = createAuditWriter(bus, codec);
  const handover = createHandover({
    cursors,
    timeoutMs: limits.handoverTimeoutMs,
    // The old stream releases well before the new one stops waiting for it.
    commitBudgetMs: Math.min(limits.endCommitTimeoutMs, limits.handoverTimeoutMs / 2),
    logger: wiring.logger,
    onHandover: () => metrics.subscriptionHandovers.inc(),
  });
  const share = wireShareService(wiring, {
    publisher,
    cursors,
    handover,
    tails: tailReader.tails,
    sessions,
    feedsFor,
    viewSchemaId,
    audit,
    deadLetter,
  });
  const operator = createOperatorService({
    authenticator: options.authenticator,
    bus,
    codec,
    policies: options.policies,
    cursors,
    viewSchemaId,
    sessions,
    audit: async (delivered) => void (await browseAudit(delivered)),
    ...(options.ledgers ? { ledgers: options.ledgers } : {}),
    ...(options.checkpointKeys ? { checkpointKeys: options.checkpointKeys } : {}),
    ...(options.checkpointTopic ? { checkpointTopic: options.checkpointTopic } : {}),
  });
  const revocation = createRevocation({
    policies: options.policies,
    sessions: () => sessions.values(),
    logger: wiring.logger,
    onChange: (agreement, change) => metrics.agreementChanges.inc({ agreement, change }),
    onReevaluated: (seconds) => metrics.reevaluationSeconds.observe(seconds),
  });
  return { cursors, tailReader, breaker, share, operator, revocation, coordination };
}

function createPublishBreaker({ limits, metrics, logger }: GatewayWiring): Breaker {
  return createBreaker({
    name: 'kafka-produce',
    timeoutMs: limits.publishTimeoutMs,
    onStateChange: (state) => {
      metrics.breakerOpen.set(state === 'open' ? 1 : 0);
      logger.warn({ breaker: 'kafka-produce', state }, 'publish circuit breaker changed state');
    },
  });
}

function createGatewayPublisher(
  { options, limits, metrics }: GatewayWiring,
  breaker: Breaker,
  coordination: InstanceCoordination,
): Publisher {
  return measurePublisher(
    createPublisher({
      bus: options.bus,
      codec: options.codec,
      breaker,
      permissions: options.permissions,
      maxPayloadBytes: limits.maxPayloadBytes,
      maxInFlight: limits.maxInFlight,
      dedupeWindowMs: limits.dedupeWindowMs,
      dedupeWindow: coordination.dedupeWindow,
      onAcknowledged: (receipts) => coordination.receipts.record(receipts),
      onPublished: (topic, count) => metrics.published.inc({ topic }, count),
    }),
    metrics,
  );
}

/** What the share service shares with the rest of the gateway. */
interface ShareParts {
  readonly publisher: Publisher;
  readonly cursors: CursorStore;
  readonly handover: Handover;
  readonly tails: TopicTails['tails'];
  readonly sessions: Map<string, SubscriptionSession>;
  readonly feedsFor: (principal: Principal) => Feed[];
  readonly viewSchemaId: (policy: TopicPolicy) => number;
  readonly audit: SessionDeps['audit'];
  readonly deadLetter: SessionDeps['deadLetter'];
}

function wireShareService(wiring: GatewayWiring, parts: ShareParts): ShareService {
  const { options, limits, metrics, logger } = wiring;
  const { bus, codec } = options;
  const { publisher, cursors, handover, tails, sessions, feedsFor, viewSchemaId, audit, deadLetter } = parts;
  return createShareService({
    authenticator: options.authenticator,
    publisher,
    feedsFor,
    allFeeds: () => allFeedsOf(options),
    viewSchemaId,
    sessions,
    handover,
    maxStreamsPerCaller: limits.maxStreamsPerCaller,
    ...(options.onPublishStreamBacklog ? { onPublishStreamBacklog: options.onPublishStreamBacklog } : {}),
    onSessionCount: (count) => metrics.subscribers.set(count),
    session: {
      bus,
      codec,
      tails,
      cursors,
      feedsFor,
      policies: options.policies,
      viewSchemaId,
      limits,
      logger,
      audit,
      deadLetter,
      claim: (session) => handover.claim(session),
      corrections: createCorrectionLookup({
        ledgers: options.ledgers ?? {},
        logger,
        disclosureEnds: async () => (await bus.admin.describeTopic(DISCLOSURE_TOPIC)).partitions,
      }),
      onDelivered: (feed, n) => metrics.delivered.inc({ agreement: feed.agreement.id, topic: feed.policy.topic }, n),
      onWithheld: (feed, n, gate) =>
        metrics.withheld.inc({ agreement: feed.agreement.id, topic: feed.policy.topic, gate: gate ?? 'rules' }, n),
      onAcked: (n) => metrics.acked.inc(n),
      onRevoked: (feed) => metrics.subscriptionsRevoked.inc({ agreement: feed.agreement.id }),
      onReversioned: (feed) => metrics.feedsReversioned.inc({ agreement: feed.agreement.id }),
      sharing: createDeliverySharing(limits, {
        onCacheHit: () => metrics.viewCacheHits.inc(),
        onCacheMiss: () => metrics.viewCacheMisses.inc(),
        onCacheBytes: (bytes) => metrics.viewCacheBytes.set(bytes),
        onDeliveryBytes: (bytes) => metrics.deliveryBytesInUse.set(bytes),
      }),
    },
  });
}

/** Every feed of every loaded agreement, in force or not. */
function allFeedsOf(options: Pick<GatewayOptions, 'policies'>): Feed[] {
  return options
    .policies()
    .agreements.flatMap((agreement) => [...agreement.topics.values()].map((policy) => ({ agreement, policy })));
}
