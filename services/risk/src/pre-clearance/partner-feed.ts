// The partner feed port: how a country's service receives the OTHER country's records, as the
// sharing agreement's policy view, through the gateway's ShareService.Subscribe (never from the
// partner's raw Kafka topic). This file holds the port and the stream-independent core: one
// subscription kept open across stream failures, deliveries handed over in order, each batch
// acknowledged only after the handler resolved for every record in it (at least once; the gateway
// keeps the cursor per subscription name, so a restart resumes after the last acknowledged one).
// gateway-partner-feed.ts opens the real gRPC streams.
import { status as grpcStatus, type ServiceError, type StatusObject } from '@grpc/grpc-js';
import {
  callFailureOf,
  isServiceError,
  type Delivery,
  type StartSubscription,
  type SubscribeRequest,
  type SubscribeResponse,
} from '@puente/proto';
import { messageOf, silentLogger, type Logger } from '@puente/runtime';

import { RiskError } from '../errors.js';

/**
 * One record of a partner feed. `view` is the policy view as plain JSON: the Avro-JSON payload
 * with every union value unwrapped (`{"string": "x"}` → `"x"`, `{"org.puente.v1.WatchlistMatch":
 * {…}}` → `{…}`), so a reader sees the same shape as the generated types, minus what the agreement
 * dropped; timestamps stay epoch milliseconds and uuids strings.
 */
export interface PartnerRecord {
  /** Feed id, `<agreement>/<topic>`, e.g. "mx-to-us/mx.screening-results.v1". */
  readonly feed: string;
  /** The partner's source topic, e.g. "mx.screening-results.v1". */
  readonly topic: string;
  /** Record key as the agreement releases it; empty when the view does not carry it. */
  readonly key: string;
  /** The event's meta.eventId: stable across redeliveries. */
  readonly eventId: string;
  readonly partition: number;
  readonly offset: string;
  readonly agreementVersion: string;
  readonly view: Readonly<Record<string, unknown>>;
}

export type PartnerRecordHandler = (record: PartnerRecord) => Promise<void>;

export interface PartnerFeed {
  /**
   * Opens the subscription and hands every record to `handler`, one at a time in delivery order.
   * Resolves once the gateway started the subscription (or, while it is unreachable, after
   * `startTimeoutMs`, retrying in the background); rejects when the gateway refuses it for good.
   * A handler that rejects leaves its record unacknowledged: the stream is reopened and the
   * record delivered again.
   */
  start(handler: PartnerRecordHandler): Promise<void>;
  /** Waits for the record in hand, half-closes (the gateway commits what was acknowledged) and ends. */
  stop(): Promise<void>;
}

/** What the core needs of a Subscribe call: grpc-js's ClientDuplexStream fits it. */
export interface SubscribeStream {
  write(request: SubscribeRequest): boolean;
  end(): void;
  cancel(): void;
  on(event: 'data', listener: (message: SubscribeResponse) => void): this;
  on(event: 'error', listener: (error: ServiceError) => void): this;
  on(event: 'status', listener: (status: StatusObject) => void): this;
}

export interface PartnerFeedCoreOptions {
  /** Opens a new Subscribe call (with the caller's credentials). */
  readonly open: () => SubscribeStream;
  readonly start: StartSubscription;
  readonly logger?: Logger;
  /** First reconnect delay, doubled up to `maxBackoffMs`. Defaults 250 ms and 10 s. */
  readonly initialBackoffMs?: number;
  readonly maxBackoffMs?: number;
  /** Longest start() waits for the first `started`; default 10 s. */
  readonly startTimeoutMs?: number;
  /** Told when the feed ends for good after start() resolved (refused, e.g. the agreement was revoked). */
  readonly onEnded?: (error: RiskError) => void;
  /** Waits between attempts; replaceable in tests. */
  readonly sleep?: (ms: number) => Promise<void>;
}

/** Statuses after which reconnecting cannot help: credentials, agreement, feed, request, superseded. */
const FATAL = new Set<number>([
  grpcStatus.UNAUTHENTICATED,
  grpcStatus.PERMISSION_DENIED,
  grpcStatus.NOT_FOUND,
  grpcStatus.INVALID_ARGUMENT,
  grpcStatus.FAILED_PRECONDITION,
  // Another stream of the same subscription took over: reconnecting would only fight it.
  grpcStatus.ABORTED,
]);

/** Unwraps Avro-JSON unions: a one-key object whose key is a type name (a primitive or a dotted full name). */
export function unwrapAvroJson(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(unwrapAvroJson);
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value as Record<string, unknown>);
  const only = entries.length === 1 ? entries[0] : undefined;
  // Avro field names cannot contain dots, and no Puente record has a field named after a primitive.
  if (only && (only[0].includes('.') || AVRO_BRANCHES.has(only[0]))) return unwrapAvroJson(only[1]);
  return Object.fromEntries(entries.map(([k, v]) => [k, unwrapAvroJson(v)]));
}

const AVRO_BRANCHES = new Set(['string', 'int', 'long', 'float', 'double', 'boolean', 'bytes', 'array', 'map']);

/** The record of a delivery, or a reason it cannot be read. */
export function partnerRecordOf(delivery: Delivery): PartnerRecord | string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(delivery.payload.toString('utf8'));
  } catch (err) {
    return `payload is not Avro JSON: ${messageOf(err)}`;
  }
  const view = unwrapAvroJson(parsed);
  if (view === null || typeof view !== 'object' || Array.isArray(view)) return 'payload is not a JSON object';
  return {
    feed: delivery.feed,
    topic: delivery.topic,
    key: delivery.key,
    eventId: delivery.eventId,
    partition: delivery.partition,
    offset: delivery.offset,
    agreementVersion: delivery.agreementVersion,
    view: view as Record<string, unknown>,
  };
}

/** The refusal an error means, or undefined when reconnecting may help. */
function refusalOf(error: unknown, subscription: string): RiskError | undefined {
  if (!isServiceError(error) || !FATAL.has(error.code)) return undefined;
  const failure = callFailureOf(error);
  const reason = failure.reason ? ` (${failure.reason})` : '';
  return new RiskError({
    code: 'PARTNER_FEED_REFUSED',
    message: `partner feed subscription "${subscription}" refused by the gateway: ${grpcStatus[error.code]}${reason}: ${failure.message}`,
    cause: error,
  });
}

export function createPartnerFeed(options: PartnerFeedCoreOptions): PartnerFeed {
  const logger = options.logger ?? silentLogger();
  const initialBackoff = options.initialBackoffMs ?? 250;
  const maxBackoff = options.maxBackoffMs ?? 10_000;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const subscription = options.start.subscription;
  let handler: PartnerRecordHandler | undefined;
  let stream: SubscribeStream | undefined;
  let stopping = false;
  let ended = false;
  let backoff = initialBackoff;
  /** Deliveries in hand, in order; the stop waits for it. */
  let work: Promise<void> = Promise.resolve();
  let attempt = 0;
  let whenStarted: { resolve: () => void; reject: (error: RiskError) => void } | undefined;
  let closed: (() => void) | undefined;

  const fail = (error: RiskError) => {
    ended = true;
    logger.error({ err: error, subscription }, 'partner feed ended');
    if (whenStarted) whenStarted.reject(error);
    else options.onEnded?.(error);
    whenStarted = undefined;
  };

  const reconnect = async (why: string, err?: unknown) => {
    if (stopping || ended) return;
    logger.warn({ err, subscription, retryInMs: backoff, why }, 'partner feed stream ended; reconnecting');
    const wait = backoff;
    backoff = Math.min(maxBackoff, backoff * 2);
    await sleep(wait);
    if (!stopping && !ended) connect();
  };

  /** Hands a batch to the handler in order and acknowledges it; false when the stream must be reopened. */
  const process = async (deliveries: readonly Delivery[], own: number, call: SubscribeStream): Promise<void> => {
    if (own !== attempt) return;
    for (const delivery of deliveries) {
      if (delivery.retraction) {
        logger.info(
          { feed: delivery.feed, eventId: delivery.eventId, retracted: delivery.retraction.retractedEventId },
          'partner retracted an earlier record',
        );
        continue;
      }
      const record = partnerRecordOf(delivery);
      if (typeof record === 'string') {
        // Acknowledged with its batch: an unreadable view would come back unreadable forever.
        logger.warn(
          {
            feed: delivery.feed,
            partition: delivery.partition,
            offset: delivery.offset,
            cursor: delivery.cursor,
            reason: record,
          },
          'partner record cannot be read; acknowledged and skipped',
        );
        continue;
      }
      try {
        await handler?.(record);
      } catch (err) {
        // Not acknowledged: reopening the stream delivers it (and what followed) again.
        if (own === attempt) {
          attempt += 1;
          call.cancel();
          await reconnect('handler failed', err);
        }
        return;
      }
      if (own !== attempt) return;
    }
    const cursors = deliveries.map((d) => d.cursor);
    if (cursors.length > 0) call.write({ kind: { $case: 'ack', value: { cursors } } });
  };

  function connect(): void {
    attempt += 1;
    const own = attempt;
    const call = options.open();
    stream = call;
    call.on('data', (message) => {
      if (own !== attempt) return;
      const kind = message.kind;
      if (kind?.$case === 'started') {
        backoff = initialBackoff;
        logger.info(
          { subscription, streamId: kind.value.streamId, feeds: kind.value.feeds.map((f) => f.feedId) },
          'partner feed started',
        );
        whenStarted?.resolve();
        whenStarted = undefined;
      } else if (kind?.$case === 'deliveries') {
        const batch = kind.value.deliveries;
        work = work
          .then(() => process(batch, own, call))
          .catch((err: unknown) => {
            logger.error({ err, subscription }, 'partner feed batch failed');
          });
      }
    });
    call.on('error', (error) => {
      if (own !== attempt) return;
      const refusal = refusalOf(error, subscription);
      attempt += 1;
      if (stopping) return closed?.();
      if (refusal) return fail(refusal);
      void reconnect(grpcStatus[error.code] ?? String(error.code), error);
    });
    call.on('status', (status) => {
      if (status.code !== grpcStatus.OK || own !== attempt) return;
      attempt += 1;
      if (stopping) return closed?.();
      void reconnect('the gateway finished the stream');
    });
    call.write({ kind: { $case: 'start', value: options.start } });
  }

  return {
    async start(h) {
      if (handler) throw new RiskError({ code: 'INVALID_OPTIONS', message: 'partner feed already started' });
      handler = h;
      const started = new Promise<void>((resolve, reject) => (whenStarted = { resolve, reject }));
      connect();
      const timeoutMs = options.startTimeoutMs ?? 10_000;
      let timer: NodeJS.Timeout | undefined;
      const waited = new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          logger.warn({ subscription, timeoutMs }, 'partner feed not started yet; still trying in the background');
          resolve();
        }, timeoutMs);
      });
      try {
        await Promise.race([started, waited]);
      } finally {
        clearTimeout(timer);
      }
    },
    async stop() {
      if (stopping) return;
      stopping = true;
      whenStarted = undefined;
      await work;
      const call = stream;
      if (!call || ended) return;
      // Half-close: the gateway commits every acknowledged position, then finishes with OK.
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          call.cancel();
          resolve();
        }, 5_000);
        closed = () => {
          clearTimeout(timer);
          resolve();
        };
        call.end();
      });
    },
  };
}
