// The gRPC clients of `pnpm bench:scale`: publisher pipes that time every event from send to
// response and count refusals by code and reason, and caught-up subscribers that ack every batch
// and record which of the run's events they received (a bitmap each, so 256 × 5,000 stay cheap).
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { credentials, Metadata, status, type ClientDuplexStream, type ServiceError } from '@grpc/grpc-js';
import {
  callFailureOf,
  fromRpcStatus,
  PayloadFormat,
  ShareServiceClient,
  type PublishRequest,
  type SubscribeRequest,
  type SubscribeResponse,
} from '@puente/proto';
import { createCodec } from '@puente/contracts';

import { readDevTokens } from '../src/dev/dev-tokens.js';
import { ackBatch, startLatest } from './bench-support.js';
import { PublishPipe } from './publish-pipe.js';
import { withTimeout } from './bench-helpers.js';

export const TOPIC = 'us.cargo-manifests.v1';
export { BENCH_FEED as FEED } from './bench-support.js';
export const PUBLISHER = 'dev-us-cbp-publisher';
export const SUBSCRIBER = 'dev-mx-anam-subscriber';

// A partner receiving batches of hundreds of deliveries widens its HTTP/2 receive window as the
// gateway does its own (see gateway-bench.ts).
const CHANNEL_OPTIONS = { 'grpc-node.flow_control_window': 4 * 1024 * 1024 };

const tokens = readDevTokens();

function auth(name: string): Metadata {
  const token = tokens.get(name);
  if (!token) throw new Error(`no dev token ${name} in deploy/dev-tokens.yaml`);
  const metadata = new Metadata();
  metadata.set('authorization', `Bearer ${token}`);
  return metadata;
}

/**
 * A client on its own HTTP/2 connection: grpc-js shares a connection between clients with equal
 * options, so a distinct `channel` value keeps publishers off the subscribers' connections and
 * spreads hundreds of subscriber streams over several.
 */
export function newClient(port: number, channel: string): ShareServiceClient {
  return new ShareServiceClient(`127.0.0.1:${port}`, credentials.createInsecure(), {
    ...CHANNEL_OPTIONS,
    'bench.channel': channel,
  });
}

// ---------------------------------------------------------------------------------------------
// Events: the Laredo example manifest, each with its own eventId and manifestId (hence key).

const codec = createCodec();
const example = JSON.parse(
  readFileSync(
    fileURLToPath(new URL('../../../schemas/examples/cargo-manifests/us-northbound-laredo.json', import.meta.url)),
    'utf8',
  ),
) as { value: unknown };
const baseManifest = codec.fromFriendlyJson(TOPIC, example.value);
const schemaId = codec.schemaIdOf(TOPIC);
let manifestCounter = 0;

export interface BenchEvents {
  readonly requests: readonly PublishRequest[];
  /** eventId → position in `requests`. */
  readonly index: ReadonlyMap<string, number>;
}

export function makeEvents(count: number, run: string): BenchEvents {
  const requests: PublishRequest[] = [];
  const index = new Map<string, number>();
  for (let i = 0; i < count; i++) {
    const eventId = randomUUID();
    const manifestId = `TLBS${run}${String(manifestCounter++).padStart(8, '0')}`;
    const value = { ...baseManifest, meta: { ...baseManifest.meta, eventId }, manifestId };
    index.set(eventId, i);
    requests.push({
      topic: TOPIC,
      key: '',
      payloadFormat: PayloadFormat.AVRO_CONFLUENT,
      payload: codec.encode(TOPIC, value),
      schemaId,
    });
  }
  return { requests, index };
}

// ---------------------------------------------------------------------------------------------
// Publishing.

export interface PublishFigures {
  /** Set to stop sending further batches (a scenario that timed out). */
  stopped: boolean;
  accepted: number;
  duplicates: number;
  /** Non-OK outcomes (and events of batches whose stream failed), by "CODE/REASON". */
  readonly refusals: Map<string, number>;
  /** Per event: from its batch's send to the batch's response (or failure), ms. */
  readonly latenciesMs: number[];
  /** Per event (by position), 1 when accepted: written, so every subscriber must receive it. */
  readonly written: Uint8Array;
  /**
   * Per event, 1 when accepted or refused with PUBLISH_OUTCOME_UNKNOWN (or its stream failed):
   * it may have been written. Any other refusal means it was not (share.proto).
   */
  readonly maybeWritten: Uint8Array;
}

function refusalKey(code: number, reason: string | undefined): string {
  return `${status[code] ?? code}/${reason ?? 'no reason'}`;
}

function count(map: Map<string, number>, key: string, n = 1): void {
  map.set(key, (map.get(key) ?? 0) + n);
}

export function newPublishFigures(events: number): PublishFigures {
  return {
    stopped: false,
    accepted: 0,
    duplicates: 0,
    refusals: new Map(),
    latenciesMs: [],
    written: new Uint8Array(events),
    maybeWritten: new Uint8Array(events),
  };
}

/**
 * Publishes every event at full speed over `pipes` PublishStreams (one per client, clients
 * taken in turn), `inFlight` batches outstanding on each, counting into `figures` as answers
 * come (so a caller that stops waiting still has what was counted).
 */
export async function publishAll(
  clients: readonly ShareServiceClient[],
  events: BenchEvents,
  options: { readonly pipes: number; readonly batch: number; readonly inFlight: number },
  figures: PublishFigures,
): Promise<void> {
  const pipes = Array.from(
    { length: options.pipes },
    (_, i) => new PublishPipe(clients[i % clients.length]!, auth(PUBLISHER)),
  );
  let next = 0;
  const lane = async (pipe: PublishPipe) => {
    while (next < events.requests.length && !figures.stopped) {
      const first = next;
      const batch = events.requests.slice(next, next + options.batch);
      next += batch.length;
      const sentAt = performance.now();
      try {
        const response = await pipe.send(batch);
        const ms = performance.now() - sentAt;
        for (let i = 0; i < batch.length; i++) {
          figures.latenciesMs.push(ms);
          const outcome = response.outcomes[i]?.outcome;
          if (outcome?.$case === 'accepted') {
            figures.written[first + i] = 1;
            figures.maybeWritten[first + i] = 1;
            if (outcome.value.duplicate) figures.duplicates++;
            else figures.accepted++;
          } else if (outcome?.$case === 'rejected') {
            const reason = fromRpcStatus(outcome.value).errorInfo?.reason;
            if (reason === 'PUBLISH_OUTCOME_UNKNOWN') figures.maybeWritten[first + i] = 1;
            count(figures.refusals, refusalKey(outcome.value.code, reason));
          } else {
            count(figures.refusals, 'no outcome');
          }
        }
      } catch (error) {
        const ms = performance.now() - sentAt;
        for (let i = 0; i < batch.length; i++) {
          figures.latenciesMs.push(ms);
          figures.maybeWritten[first + i] = 1;
        }
        const failure = callFailureOf(error as ServiceError);
        count(figures.refusals, `${refusalKey(failure.code, failure.reason)} (stream failed)`, batch.length);
      }
    }
  };
  try {
    await Promise.all(pipes.flatMap((pipe) => Array.from({ length: options.inFlight }, () => lane(pipe))));
  } finally {
    await Promise.all(pipes.map((pipe) => pipe.end()));
  }
}

// ---------------------------------------------------------------------------------------------
// Subscribing.

export interface ScaleSubscriber {
  /** Resolves at the first `caught_up` after `started`. */
  readonly caughtUp: Promise<void>;
  /** Rejects when the gateway ends the stream with an error we did not ask for. */
  readonly failed: Promise<never>;
  /** Starts counting deliveries of `events` (before they are published). */
  expect(events: BenchEvents): void;
  /** How many events marked 1 in `mask` (by position) have not been delivered. */
  missingOf(mask: Uint8Array): number;
  /** Resolves when every event marked 1 in `required` (by position) has been delivered. */
  whenReceived(required: Uint8Array): Promise<void>;
  /** Distinct expected events received, and deliveries of anything else (or again). */
  readonly received: number;
  readonly strays: number;
  /** performance.now() of the last delivery that completed an expected event; 0 before. */
  readonly lastAt: number;
  end(): Promise<void>;
}

export function subscribe(
  client: ShareServiceClient,
  name: string,
  options: { readonly maxUnacked: number; readonly maxBatchSize: number },
): ScaleSubscriber {
  const call: ClientDuplexStream<SubscribeRequest, SubscribeResponse> = client.subscribe(auth(SUBSCRIBER));
  let ending = false;
  let started = false;
  let resolveCaughtUp: () => void = () => undefined;
  let rejectCaughtUp: (e: Error) => void = () => undefined;
  const caughtUp = new Promise<void>((resolve, reject) => {
    resolveCaughtUp = resolve;
    rejectCaughtUp = reject;
  });
  caughtUp.catch(() => undefined);
  let rejectFailed: (e: Error) => void = () => undefined;
  const failed = new Promise<never>((_, reject) => {
    rejectFailed = reject;
  });
  failed.catch(() => undefined);
  const closed = new Promise<void>((resolve) => {
    call.on('status', () => resolve());
    call.on('error', (error: ServiceError) => {
      const failure = new Error(`subscriber ${name} failed: ${status[error.code]}: ${error.details}`);
      rejectCaughtUp(failure);
      if (!ending) rejectFailed(failure);
      resolve();
    });
  });

  let expected: BenchEvents | undefined;
  let seen = new Uint8Array(0);
  let received = 0;
  let strays = 0;
  let lastAt = 0;
  let required: Uint8Array | undefined;
  let missing = 0;
  let complete: () => void = () => undefined;

  call.on('data', (message: SubscribeResponse) => {
    const kind = message.kind;
    if (kind?.$case === 'started') started = true;
    else if (kind?.$case === 'caughtUp' && started) resolveCaughtUp();
    else if (kind?.$case === 'deliveries') {
      const at = performance.now();
      const deliveries = kind.value.deliveries;
      for (const d of deliveries) {
        const i = expected?.index.get(d.eventId);
        if (i === undefined || seen[i]) {
          strays++;
          continue;
        }
        seen[i] = 1;
        received++;
        lastAt = at;
        if (required?.[i] && --missing === 0) complete();
      }
      if (deliveries.length > 0) {
        call.write(ackBatch(deliveries));
      }
    }
  });
  call.write(startLatest(name, options));

  return {
    caughtUp,
    failed,
    expect(events) {
      expected = events;
      seen = new Uint8Array(events.requests.length);
      required = undefined;
      received = 0;
      strays = 0;
      lastAt = 0;
    },
    missingOf(mask) {
      let n = 0;
      for (let i = 0; i < mask.length; i++) if (mask[i] && !seen[i]) n++;
      return n;
    },
    whenReceived(mask) {
      return new Promise<void>((resolve) => {
        missing = 0;
        for (let i = 0; i < mask.length; i++) if (mask[i] && !seen[i]) missing++;
        required = mask;
        complete = resolve;
        if (missing === 0) resolve();
      });
    },
    get received() {
      return received;
    },
    get strays() {
      return strays;
    },
    get lastAt() {
      return lastAt;
    },
    async end() {
      ending = true;
      call.end();
      await withTimeout(closed, 10_000, `subscriber ${name} to close`).catch(() => call.cancel());
    },
  };
}
