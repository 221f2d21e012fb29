// Builds the model-port gateway from its dependencies — a Bus, a codec, agreements, an
// authenticator — so main.ts, the all-in-one start and tests can wire it differently.
import { ServerCredentials } from '@grpc/grpc-js';
import {
  addHealthAndReflection,
  OPERATOR_SERVICE_NAME,
  OperatorServiceService,
  SHARE_SERVICE_NAME,
  ShareServiceService,
} from '@puente/proto';
import { silentLogger, SUBSCRIPTION_CURSOR_TOPIC } from '@puente/runtime';

import { ensureAuditTopic, PRODUCTION_AUDIT_TOPIC } from './audit/audit-topic.js';
import { logInternalErrorsTo } from './grpc/errors.js';
import { widenConnectionWindows } from './grpc/flow-control.js';
import { DEFAULT_LIMITS, type GatewayLimits, type GatewayOptions } from './gateway-options.js';
import {
  bindServer,
  createGatewayServer,
  drainWithin,
  RECEIVE_WINDOW_BYTES,
  shutdownServer,
} from './gateway-server.js';
import { ensureGatewayTopics, feedTopicsOf } from './gateway-topics.js';
import { wireGateway } from './gateway-wiring.js';
import { createGatewayMetrics, type GatewayMetrics } from './metrics.js';

export { DEFAULT_LIMITS, type GatewayLimits, type GatewayOptions } from './gateway-options.js';
export { RECEIVE_WINDOW_BYTES } from './gateway-server.js';

export interface Gateway {
  readonly port: number;
  readonly metrics: GatewayMetrics;
  start(): Promise<void>;
  /**
   * Drains: new calls and open streams get UNAVAILABLE (SHUTTING_DOWN) once what they had sent
   * is answered, publishes in progress finish (up to graceMs); then closes everything.
   */
  stop(graceMs?: number): Promise<void>;
  /**
   * The agreements in force changed (call it from the policy store's onReload): every open
   * Subscribe stream is re-evaluated now — a feed no longer admitted ends its stream with
   * PERMISSION_DENIED (AGREEMENT_REVOKED), a feed whose agreement has a new version continues
   * under it from the next batch. validFrom / validUntil boundaries need no call: the gateway
   * keeps a timer for the next one.
   */
  agreementsChanged(): void;
}

export function createGateway(options: GatewayOptions): Gateway {
  const { bus, codec } = options;
  const logger = options.logger ?? silentLogger();
  logInternalErrorsTo(logger);
  const limits: GatewayLimits = { ...DEFAULT_LIMITS, ...options.limits };
  const metrics = options.metrics ?? createGatewayMetrics();
  const server = createGatewayServer(limits.maxPayloadBytes);
  const { cursors, tailReader, breaker, share, operator, revocation, coordination } = wireGateway({
    options,
    limits,
    metrics,
    logger,
  });
  let port = 0;
  let health: ReturnType<typeof addHealthAndReflection> | undefined;

  return {
    get port() {
      return port;
    },
    metrics,
    async start() {
      const feedTopics = feedTopicsOf(options.policies());
      // First: nothing is disclosed, so nothing served, unless disclosures are kept forever.
      const audit = options.auditTopic ?? PRODUCTION_AUDIT_TOPIC;
      await ensureAuditTopic(bus, {
        replicationFactor: audit.replicationFactor,
        minInsyncReplicas: audit.minInsyncReplicas,
        partitions: options.auditTopic?.partitions ?? (options.ensureTopics ? options.ensureTopics.partitions : 3),
        logger,
      });
      if (options.ensureTopics) await ensureGatewayTopics(bus, codec, options.ensureTopics.partitions, audit);
      await cursors.start();
      // Before the server binds: a repeat of an event another instance (or this one before a
      // restart) wrote is answered as a duplicate from the first call on.
      await coordination.start();
      await tailReader.start(feedTopics);
      server.addService(ShareServiceService, share.handlers);
      server.addService(OperatorServiceService, operator);
      health = addHealthAndReflection(server, { serviceNames: [SHARE_SERVICE_NAME, OPERATOR_SERVICE_NAME] });
      port = await bindServer(
        server,
        options.address ?? '127.0.0.1:0',
        options.credentials ?? ServerCredentials.createInsecure(),
      );
      widenConnectionWindows(server, RECEIVE_WINDOW_BYTES);
      revocation.start();
      logger.info(
        { port, feeds: feedTopics, cursorTopic: SUBSCRIPTION_CURSOR_TOPIC, instance: coordination.instanceId },
        'gateway listening',
      );
    },
    agreementsChanged: () => {
      revocation.changed();
      coordination.instances.changed();
    },
    async stop(graceMs = 5_000) {
      health?.setStatus('NOT_SERVING');
      revocation.stop();
      const deadline = Date.now() + graceMs;
      // Calls that arrive meanwhile, and open streams, answer SHUTTING_DOWN; what was accepted is
      // answered first. Acknowledged offsets are committed as acks arrive (flushed below).
      await drainWithin(share.drain(), graceMs);
      await shutdownServer(server, deadline);
      breaker.shutdown();
      // Acknowledgements are committed in the background: the last ones land before we go.
      await cursors.flush();
      await tailReader.stop();
      await coordination.stop();
      await cursors.stop();
    },
  };
}
