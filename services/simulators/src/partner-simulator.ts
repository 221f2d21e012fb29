// A partner agency's system across the border: subscribes through the gateway, prints one
// compact line per delivery (the policy view it was allowed to see) and acknowledges.
import {
  credentials as grpcCredentials,
  Metadata,
  type ChannelCredentials,
  type ClientDuplexStream,
  type ServiceError,
} from '@grpc/grpc-js';
import {
  PayloadFormat,
  ShareServiceClient,
  StartPosition,
  type Delivery,
  type SubscribeRequest,
  type SubscribeResponse,
} from '@puente/proto';

import { SimulatorError } from './errors.js';

export interface PartnerSimulatorOptions {
  readonly address: string;
  readonly credentials?: ChannelCredentials;
  /** Bearer token of a subscriber identity, e.g. dev-mx-anam-subscriber's. */
  readonly token: string;
  /** Label printed in front of each line, e.g. "MX/ANAM". */
  readonly label: string;
  /** Subscription name; the gateway keeps its position. */
  readonly subscription: string;
  /** Feed ids ("us-to-mx/us.cargo-manifests.v1"); empty or absent: every feed ListFeeds lists. */
  readonly feeds?: readonly string[];
  readonly startPosition?: StartPosition;
  /** Receives one line per delivery (default console.log). */
  readonly print?: (line: string) => void;
  readonly onError?: (error: SimulatorError) => void;
}

export interface PartnerSimulatorStats {
  readonly received: number;
  readonly acked: number;
  readonly byFeed: Readonly<Record<string, number>>;
}

export interface PartnerSimulator {
  start(): void;
  stop(): Promise<void>;
  stats(): PartnerSimulatorStats;
}

/** Base64url of a 32-byte HMAC: what a policy's `hash` action leaves of a field. */
const HASHED = /"[A-Za-z0-9_-]{43}"/g;

/** A short, human description of a view: what it is about, without personal fields. */
export function describeView(view: Record<string, unknown>): string {
  // Avro JSON wraps a nullable field's value as {"string": "…"}.
  const s = (v: unknown): string | undefined => {
    if (typeof v === 'string') return v;
    const wrapped = v !== null && typeof v === 'object' ? Object.values(v) : [];
    return wrapped.length === 1 && typeof wrapped[0] === 'string' ? wrapped[0] : undefined;
  };
  const port = (view['portOfEntry'] as { name?: unknown } | undefined)?.name;
  if (view['manifestId'] !== undefined) {
    const goods = Array.isArray(view['goods']) ? view['goods'].length : 0;
    return [s(view['direction'])?.toLowerCase(), s(port) && `at ${s(port)}`, `${goods} goods line(s)`]
      .filter(Boolean)
      .join(' ');
  }
  if (view['caseId'] !== undefined)
    return [s(view['eventType'])?.toLowerCase(), s(view['title'])].filter(Boolean).join(': ');
  if (view['prosecutionId'] !== undefined)
    return [s(view['eventType'])?.toLowerCase(), s(view['stage'])?.toLowerCase()].filter(Boolean).join(' → ');
  if (view['riskLevel'] !== undefined || view['level'] !== undefined)
    return [s(view['level'] ?? view['riskLevel']), s(view['recommendedLane'])].filter(Boolean).join(' / ');
  if (view['outcome'] !== undefined) return s(view['outcome']) ?? '';
  return '';
}

/** The line printed for one delivery; keeps the model port's format. */
export function deliveryLine(label: string, delivery: Delivery): string {
  let view: Record<string, unknown> = {};
  try {
    view = JSON.parse(delivery.payload.toString('utf8')) as Record<string, unknown>;
  } catch {
    // Not JSON (a binary payload format): print what the envelope says.
  }
  const hashed = JSON.stringify(view).match(HASHED)?.length ?? 0;
  const about = describeView(view);
  return `  ${label.padEnd(8)}← ${delivery.feed.padEnd(34)} ${delivery.key || '(key withheld)'}  ${Object.keys(view).length} top-level fields, ${hashed} hashed${about ? `  (${about})` : ''}`;
}

export function createPartnerSimulator(options: PartnerSimulatorOptions): PartnerSimulator {
  if (!options.address || !options.token || !options.subscription)
    throw new SimulatorError({
      code: 'INVALID_OPTIONS',
      message: 'partner simulator needs address, token and subscription',
    });
  const print = options.print ?? ((line: string) => console.log(line));
  const client = new ShareServiceClient(options.address, options.credentials ?? grpcCredentials.createInsecure());
  const counts = { received: 0, acked: 0 };
  const byFeed: Record<string, number> = {};
  let call: ClientDuplexStream<SubscribeRequest, SubscribeResponse> | undefined;
  let stopping = false;

  return {
    start() {
      if (call) return;
      const metadata = new Metadata();
      metadata.set('authorization', `Bearer ${options.token}`);
      const stream = client.subscribe(metadata);
      call = stream;
      stream.on('data', (message: SubscribeResponse) => {
        if (message.kind?.$case !== 'deliveries') return;
        const deliveries = message.kind.value.deliveries;
        for (const delivery of deliveries) {
          counts.received++;
          byFeed[delivery.feed] = (byFeed[delivery.feed] ?? 0) + 1;
          print(deliveryLine(options.label, delivery));
        }
        const last = deliveries[deliveries.length - 1];
        if (last) {
          stream.write({ kind: { $case: 'ack', value: { cursors: [last.cursor] } } });
          counts.acked += deliveries.length;
        }
      });
      stream.on('error', (error: ServiceError) => {
        if (stopping) return;
        options.onError?.(
          SimulatorError.fromUnknown('SUBSCRIPTION_FAILED', `${options.label} subscription ended`, error),
        );
      });
      const sendStart = (feeds: readonly string[]) =>
        stream.write({
          kind: {
            $case: 'start',
            value: {
              subscription: options.subscription,
              feeds: [...feeds],
              payloadFormat: PayloadFormat.AVRO_JSON,
              startPosition: options.startPosition ?? StartPosition.LATEST,
              maxUnacked: 100,
              maxBatchSize: 20,
              purposes: ['BORDER_SECURITY', 'CUSTOMS', 'CRIMINAL_INVESTIGATION', 'PROSECUTION', 'TRADE_FACILITATION'],
            },
          },
        });
      // A start must name its feeds (share.proto): "every feed" is what ListFeeds lists.
      if (options.feeds && options.feeds.length > 0) sendStart(options.feeds);
      else
        client.listFeeds({ topic: '' }, metadata, (error, response) => {
          if (error) {
            stream.end();
            options.onError?.(
              SimulatorError.fromUnknown('SUBSCRIPTION_FAILED', `${options.label} ListFeeds failed`, error),
            );
          } else sendStart(response.feeds.map((feed) => feed.feedId));
        });
    },
    async stop() {
      stopping = true;
      const stream = call;
      call = undefined;
      if (stream) {
        await new Promise<void>((resolve) => {
          const timeout = setTimeout(resolve, 1_000);
          stream.once('close', () => {
            clearTimeout(timeout);
            resolve();
          });
          stream.end();
          stream.cancel();
        });
      }
      client.close();
    },
    stats: () => ({ ...counts, byFeed: { ...byFeed } }),
  };
}
