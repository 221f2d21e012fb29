// The partner feed over the real gateway: a ShareService client subscribing as a partner system
// (bearer token in development, mutual TLS in production), receiving Avro-JSON policy views.
// Everything else (ordering, acknowledgement, reconnects, refusals) is the core's: partner-feed.ts.
import { Metadata, type ChannelCredentials } from '@grpc/grpc-js';
import { PayloadFormat, ShareServiceClient, StartPosition } from '@puente/proto';
import type { Logger } from '@puente/runtime';

import { RiskError } from '../errors.js';
import { createPartnerFeed, type PartnerFeed } from './partner-feed.js';

/** A subscription name as the gateway accepts it (share.proto, StartSubscription.subscription). */
const SUBSCRIPTION_NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;

export interface GatewayPartnerFeedOptions {
  /** `host:port` of the gateway. */
  readonly address: string;
  /** Insecure for a development gateway, `credentials.createSsl(ca, key, cert)` for mutual TLS. */
  readonly credentials: ChannelCredentials;
  /** Bearer token of a subscriber identity, when not authenticating by client certificate. */
  readonly token?: string | undefined;
  /** Subscription name: the gateway keeps its cursor, so a restart resumes after the last ack. */
  readonly subscription: string;
  /** Feed ids, e.g. ["mx-to-us/mx.screening-results.v1"]. */
  readonly feeds: readonly string[];
  /** Declared purposes; default BORDER_SECURITY and CUSTOMS. */
  readonly purposes?: readonly string[];
  /** Where feeds without a cursor begin; default EARLIEST (a first start misses no finding). */
  readonly startPosition?: StartPosition;
  readonly logger?: Logger;
  readonly initialBackoffMs?: number;
  readonly maxBackoffMs?: number;
  readonly startTimeoutMs?: number;
  readonly onEnded?: (error: RiskError) => void;
}

export function createGatewayPartnerFeed(options: GatewayPartnerFeedOptions): PartnerFeed {
  const problems = [
    !options.address && 'address is empty',
    !SUBSCRIPTION_NAME.test(options.subscription) &&
      `subscription "${options.subscription}" must be 1-63 characters of [a-z0-9-] starting with a letter or digit`,
    options.feeds.length === 0 && 'feeds is empty',
  ].filter((p): p is string => typeof p === 'string');
  if (problems.length > 0) {
    throw new RiskError({ code: 'INVALID_OPTIONS', message: `partner feed: ${problems.join('; ')}` });
  }
  const client = new ShareServiceClient(options.address, options.credentials, {
    // Keep an idle subscription's connection alive through proxies, as share.proto advises.
    'grpc.keepalive_time_ms': 30_000,
    'grpc.keepalive_timeout_ms': 10_000,
  });
  const metadata = () => {
    const m = new Metadata();
    if (options.token) m.set('authorization', `Bearer ${options.token}`);
    return m;
  };
  const core = createPartnerFeed({
    open: () => client.subscribe(metadata()),
    start: {
      subscription: options.subscription,
      feeds: [...options.feeds],
      payloadFormat: PayloadFormat.AVRO_JSON,
      startPosition: options.startPosition ?? StartPosition.EARLIEST,
      maxUnacked: 100,
      maxBatchSize: 20,
      purposes: [...(options.purposes ?? ['BORDER_SECURITY', 'CUSTOMS'])],
    },
    ...(options.logger ? { logger: options.logger } : {}),
    ...(options.initialBackoffMs !== undefined ? { initialBackoffMs: options.initialBackoffMs } : {}),
    ...(options.maxBackoffMs !== undefined ? { maxBackoffMs: options.maxBackoffMs } : {}),
    ...(options.startTimeoutMs !== undefined ? { startTimeoutMs: options.startTimeoutMs } : {}),
    ...(options.onEnded ? { onEnded: options.onEnded } : {}),
  });
  return {
    start: (handler) => core.start(handler),
    async stop() {
      await core.stop();
      client.close();
    },
  };
}
