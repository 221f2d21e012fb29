// Builds the model-port gateway from its dependencies — a Bus, a codec, agreements, an
// authenticator — so main.ts, the all-in-one start and tests can wire it differently.
import { Server, ServerCredentials } from '@grpc/grpc-js';
import {
  addHealthAndReflection,
  OPERATOR_SERVICE_NAME,
  OperatorServiceService,
  SHARE_SERVICE_NAME,
  ShareServiceService,
} from '@puente/proto';
import { type Bus } from '@puente/bus';
import { type AvroCodec } from '@puente/contracts';
import { type Feed, type PolicySet, type TopicPolicy } from '@puente/policy';
import { createBreaker, DISCLOSURE_TOPIC, type Logger, silentLogger, SUBSCRIPTION_CURSOR_TOPIC } from '@puente/runtime';

import { createAuditWriter } from './audit/audit.js';
import { createGatewayDeadLetter, deadLetterTopicsOf } from './dead-letter.js';
import { widenConnectionWindows, widenReceiveWindows } from './grpc/flow-control.js';
import type { PublishPermissions } from './auth/authorization.js';
import type { Authenticator, Principal } from './auth/identity.js';
import { createGatewayMetrics, measurePublisher, type GatewayMetrics } from './metrics.js';
import { createPublisher } from './publish/publisher.js';
import { createOperatorService } from './operator/index.js';
import { logInternalErrorsTo } from './grpc/errors.js';
import { createShareService } from './share-service.js';
import { createCursorStore } from './subscribe/cursor-store.js';
import type { SessionLimits, SubscriptionSession } from './subscribe/session.js';
import { createTopicTails } from './subscribe/topic-tail.js';

export interface GatewayLimits extends SessionLimits {
  readonly maxPayloadBytes: number;
  readonly maxInFlight: number;
  readonly dedupeWindowMs: number;
  /** Records of each partition kept in the shared tail for caught-up subscribers. */
  readonly tailRecordsPerPartition: number;
  /** Slowest Kafka acknowledgement before publishing fails with UNAVAILABLE (PUBLISH_OUTCOME_UNKNOWN). */
  readonly publishTimeoutMs: number;
  /** Open Subscribe and PublishStream calls per caller; beyond it RESOURCE_EXHAUSTED (STREAM_LIMIT_REACHED). */
  readonly maxStreamsPerCaller: number;
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
  /** Create missing topics (every catalog topic, DLQs, audit, cursors) at start: embedded mode and tests. */
  readonly ensureTopics?: { readonly partitions: number } | false;
  readonly logger?: Logger;
  readonly metrics?: GatewayMetrics;
  /** Told a PublishStream's unanswered requests each time the gateway reads one. */
  readonly onPublishStreamBacklog?: (unanswered: number) => void;
}

export interface Gateway {
  readonly port: number;
  readonly metrics: GatewayMetrics;
  start(): Promise<void>;
  /**
   * Drains: new calls and open streams get UNAVAILABLE (SHUTTING_DOWN) once what they had sent
   * is answered, publishes in progress finish (up to graceMs); then closes everything.
   */
  stop(graceMs?: number): Promise<void>;
}

const VIEW_ID_BASE = 1_000_000;
/** HTTP/2 receive window per stream and per connection: several full publish batches. */
export const RECEIVE_WINDOW_BYTES = 4 * 1024 * 1024;

export function createGateway(options: GatewayOptions): Gateway {
  const { bus, codec } = options;
  const logger = options.logger ?? silentLogger();
  logInternalErrorsTo(logger);
  const limits: GatewayLimits = { ...DEFAULT_LIMITS, ...options.limits };
  const metrics = options.metrics ?? createGatewayMetrics();
  const server = new Server({ 'grpc.max_receive_message_length': limits.maxPayloadBytes + 64 * 1024 });
  widenReceiveWindows(server, RECEIVE_WINDOW_BYTES);
  const cursors = createCursorStore(bus);
  const tailReader = createTopicTails({ bus, codec, capacityPerPartition: limits.tailRecordsPerPartition });
  const sessions = new Map<string, SubscriptionSession>();
  const viewIds = new WeakMap<TopicPolicy, number>();
  const runtimeViewIds = new Map<string, number>();
  let port = 0;

  /** View schemas in the catalog keep their ids; others get a stable id for this process. */
  const viewSchemaId = (policy: TopicPolicy): number => {
    const known = viewIds.get(policy);
    if (known !== undefined) return known;
    const text = JSON.stringify(policy.viewSchema);
    let id: number | undefined;
    try {
      const latest = codec.catalog.latest(policy.viewSubject);
      if (codec.catalog.schemaText(latest.id) === text) id = latest.id;
    } catch {
      id = undefined;
    }
    if (id === undefined) {
      id = runtimeViewIds.get(text) ?? VIEW_ID_BASE + runtimeViewIds.size + 1;
      runtimeViewIds.set(text, id);
      codec.addSchema(id, text);
    }
    viewIds.set(policy, id);
    return id;
  };

  const feedsFor = (principal: Principal): Feed[] =>
    options.policies().feedsFor({ country: principal.country, agency: principal.agency });

  const breaker = createBreaker({
    name: 'kafka-produce',
    timeoutMs: limits.publishTimeoutMs,
    onStateChange: (state) => {
      metrics.breakerOpen.set(state === 'open' ? 1 : 0);
      logger.warn({ breaker: 'kafka-produce', state }, 'publish circuit breaker changed state');
    },
  });

  const publisher = measurePublisher(
    createPublisher({
      bus,
      codec,
      breaker,
      permissions: options.permissions,
      maxPayloadBytes: limits.maxPayloadBytes,
      maxInFlight: limits.maxInFlight,
      dedupeWindowMs: limits.dedupeWindowMs,
      onPublished: (topic, count) => metrics.published.inc({ topic }, count),
    }),
    metrics,
  );

  const deadLetter = createGatewayDeadLetter({ bus, logger, counter: metrics.poison });

  const audit = createAuditWriter(bus, codec, { deadLetter });
  // An operator's browse is not a feed: a record it cannot audit fails the call rather than vanish from the page.
  const browseAudit = createAuditWriter(bus, codec);
  const share = createShareService({
    authenticator: options.authenticator,
    publisher,
    feedsFor,
    allFeeds: () =>
      options
        .policies()
        .agreements.flatMap((agreement) => [...agreement.topics.values()].map((policy) => ({ agreement, policy }))),
    viewSchemaId,
    sessions,
    maxStreamsPerCaller: limits.maxStreamsPerCaller,
    ...(options.onPublishStreamBacklog ? { onPublishStreamBacklog: options.onPublishStreamBacklog } : {}),
    onSessionCount: (count) => metrics.subscribers.set(count),
    session: {
      bus,
      codec,
      tails: tailReader.tails,
      cursors,
      feedsFor,
      viewSchemaId,
      limits,
      logger,
      audit,
      deadLetter,
      onDelivered: (feed, n) => metrics.delivered.inc({ agreement: feed.agreement.id, topic: feed.policy.topic }, n),
      onWithheld: (feed, n) => metrics.withheld.inc({ agreement: feed.agreement.id, topic: feed.policy.topic }, n),
      onAcked: (n) => metrics.acked.inc(n),
    },
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
  });

  let health: ReturnType<typeof addHealthAndReflection> | undefined;

  return {
    get port() {
      return port;
    },
    metrics,
    async start() {
      const feedTopics = [
        ...new Set(options.policies().agreements.flatMap((agreement) => [...agreement.topics.keys()])),
      ].sort();
      if (options.ensureTopics) {
        const partitions = options.ensureTopics.partitions;
        await bus.admin.ensureTopics([
          ...codec.topics().map((topic) => ({ topic, partitions })),
          ...deadLetterTopicsOf(codec.topics()).map((topic) => ({ topic, partitions: 1 })),
          { topic: DISCLOSURE_TOPIC, partitions },
        ]);
      }
      await cursors.start();
      await tailReader.start(feedTopics);
      server.addService(ShareServiceService, share.handlers);
      server.addService(OperatorServiceService, operator);
      health = addHealthAndReflection(server, { serviceNames: [SHARE_SERVICE_NAME, OPERATOR_SERVICE_NAME] });
      port = await new Promise<number>((resolve, reject) => {
        server.bindAsync(
          options.address ?? '127.0.0.1:0',
          options.credentials ?? ServerCredentials.createInsecure(),
          (error, bound) => (error ? reject(error) : resolve(bound)),
        );
      });
      widenConnectionWindows(server, RECEIVE_WINDOW_BYTES);
      logger.info({ port, feeds: feedTopics, cursorTopic: SUBSCRIPTION_CURSOR_TOPIC }, 'gateway listening');
    },
    async stop(graceMs = 5_000) {
      health?.setStatus('NOT_SERVING');
      const deadline = Date.now() + graceMs;
      // Calls that arrive meanwhile, and open streams, answer SHUTTING_DOWN; what was accepted is
      // answered first. Acknowledged offsets are committed as acks arrive (flushed below).
      let graceTimer: NodeJS.Timeout | undefined;
      await Promise.race([
        share.drain(),
        new Promise<void>((resolve) => {
          graceTimer = setTimeout(resolve, graceMs);
        }),
      ]);
      clearTimeout(graceTimer);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(
          () => {
            server.forceShutdown();
            resolve();
          },
          Math.max(0, deadline - Date.now()),
        );
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
      });
      breaker.shutdown();
      // Acknowledgements are committed in the background: the last ones land before we go.
      await cursors.flush();
      await tailReader.stop();
      await cursors.stop();
    },
  };
}
