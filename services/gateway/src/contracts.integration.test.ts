// The statuses and reasons share.proto and common.proto document, each raised for real on a
// real broker and real gRPC sockets, seen by grpc-js clients at DEFAULT limits (8 KiB of
// metadata): bounded error details, a publish whose outcome is unknown, a full in-flight queue,
// the stream limit, a PublishStream that stops reading while its window is full, Subscribe
// protocol violations, and a drain with calls in flight.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { credentials, Metadata, status, type ServiceError } from '@grpc/grpc-js';
import {
  ErrorReason,
  errorReasonOf,
  fromRpcStatus,
  PayloadFormat,
  rpcStatusFromError,
  OperatorServiceClient,
  type ShareServiceClient,
  StartPosition,
  type DescribeTopicResponse,
  type Delivery,
  type ErrorDetails,
  type ListFeedsResponse,
  type PublishRequest,
  type PublishResponse,
  type PublishStreamResponse,
  type SubscribeResponse,
} from '@puente/proto';
import { type Bus, KafkaBus } from '@puente/bus';
import { createCodec } from '@puente/contracts';
import { testKafkaBrokers } from '@puente/bus/testing';
import { friendlyToAvroJson } from '@puente/contracts/testing';
import { SUBSCRIPTION_CURSOR_TOPIC } from '@puente/runtime';
import { waitFor } from '@puente/runtime/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { GatewayLimits } from './create-gateway.js';
import { readDevTokens } from './dev/dev-tokens.js';
import { STATUS_LIMITS } from './grpc/errors.js';
import { startTestGateway, type TestGateway } from './testing/index.js';
import { PUBLISH_STREAM_WINDOW } from './publish/publish-stream.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const TOPIC = 'us.cargo-manifests.v1';
const FEED = 'us-to-mx/us.cargo-manifests.v1';
const tokens = readDevTokens();
const codec = createCodec();
const example = (file: string) =>
  (JSON.parse(readFileSync(`${root}schemas/examples/${file}`, 'utf8')) as { value: Record<string, any> }).value;

function manifest(manifestId = `TEST-${randomUUID().slice(0, 8)}`) {
  const value = structuredClone(example('cargo-manifests/us-northbound-laredo.json'));
  value['meta'].eventId = randomUUID();
  value['meta'].classification = 'SENSITIVE';
  value['manifestId'] = manifestId;
  return value;
}

const asJson = (value: unknown): PublishRequest => ({
  topic: TOPIC,
  key: '',
  payloadFormat: PayloadFormat.AVRO_JSON,
  payload: Buffer.from(JSON.stringify(friendlyToAvroJson(codec, TOPIC, value))),
  schemaId: 0,
});

const auth = (name: string) => {
  const value = tokens.get(name);
  if (!value) throw new Error(`no dev token ${name}`);
  const metadata = new Metadata();
  metadata.set('authorization', `Bearer ${value}`);
  return metadata;
};

interface Refusal {
  code: status;
  message: string;
  reason: ErrorReason | undefined;
  details: ErrorDetails;
  /** HTTP/2 header-list size of the trailers (RFC 7540 §6.5.2: name + value + 32 per field). */
  trailerBytes: number;
}

/**
 * grpc-js itself does not enforce a metadata limit, but gRPC core, Java and Go clients refuse
 * trailers beyond 8 KiB by this measure: what the gateway sent, as they would count it.
 */
const trailerBytes = (error: ServiceError): number => {
  let size = 'grpc-status'.length + String(error.code).length + 32;
  size += 'grpc-message'.length + Buffer.byteLength(encodeURIComponent(error.details)) + 32;
  for (const [key, values] of Object.entries(error.metadata.toJSON())) {
    for (const value of values) {
      size += key.length + (Buffer.isBuffer(value) ? value.toString('base64').length : Buffer.byteLength(value)) + 32;
    }
  }
  return size;
};

const refusalOf = (error: ServiceError): Refusal => {
  const rpc = rpcStatusFromError(error);
  const details = rpc ? fromRpcStatus(rpc) : {};
  return {
    code: error.code,
    message: error.details,
    reason: errorReasonOf(details),
    details,
    trailerBytes: trailerBytes(error),
  };
};

const refused = async (promise: Promise<unknown>): Promise<Refusal> => {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e as ServiceError,
  );
  if (!error) throw new Error('expected the call to be refused');
  return refusalOf(error);
};

const retryMs = (details: ErrorDetails) => {
  const delay = details.retryInfo?.retryDelay;
  return delay ? Number(delay.seconds) * 1000 + delay.nanos / 1e6 : undefined;
};

/**
 * A Kafka bus whose produces to TOPIC, and separately its cursor commits, can be held back, so
 * calls and commits stay in flight on demand.
 */
function gatedBus(bus: Bus) {
  let gate: Promise<void> | undefined;
  let open: () => void = () => undefined;
  let held = 0;
  let cursorGate: Promise<void> | undefined;
  let openCursors: () => void = () => undefined;
  let heldCursors = 0;
  const wrapped: Bus = {
    kind: bus.kind,
    admin: bus.admin,
    start: () => bus.start(),
    stop: () => bus.stop(),
    publish: async (topic, records) => {
      if (gate && topic === TOPIC) {
        held++;
        await gate;
      }
      if (cursorGate && topic === SUBSCRIPTION_CURSOR_TOPIC) {
        heldCursors++;
        await cursorGate;
      }
      return bus.publish(topic, records);
    },
    subscribe: (options) => bus.subscribe(options),
    readFrom: (options) => bus.readFrom(options),
  };
  return {
    bus: wrapped,
    held: () => held,
    hold() {
      gate = new Promise((resolve) => {
        open = resolve;
      });
      held = 0;
    },
    release() {
      gate = undefined;
      open();
    },
    heldCursors: () => heldCursors,
    holdCursors() {
      cursorGate = new Promise((resolve) => {
        openCursors = resolve;
      });
      heldCursors = 0;
    },
    releaseCursors() {
      cursorGate = undefined;
      openCursors();
    },
  };
}

describe('documented statuses on real Kafka and gRPC, clients at default limits', () => {
  let kafka: KafkaBus;
  const gateways: TestGateway[] = [];

  const start = async (
    bus: Bus,
    limits: Partial<GatewayLimits> = {},
    extra: { backlog?: (n: number) => void } = {},
  ) => {
    const started = await startTestGateway({
      bus,
      codec,
      limits: { maxPayloadBytes: 256 * 1024, ...limits },
      ...(extra.backlog ? { onPublishStreamBacklog: extra.backlog } : {}),
    });
    gateways.push(started);
    // No channel options: gRPC's default limits, as a partner's generated client has them.
    return { gateway: started.gateway, client: started.client };
  };

  const publish = (client: ShareServiceClient, request: PublishRequest, who = 'dev-us-cbp-publisher') =>
    new Promise<PublishResponse>((resolve, reject) => {
      client.publish(request, auth(who), (error, response) => (error ? reject(error) : resolve(response)));
    });

  const listFeeds = (client: ShareServiceClient, who: string) =>
    new Promise<ListFeedsResponse>((resolve, reject) => {
      client.listFeeds({ topic: '' }, auth(who), (error, response) => (error ? reject(error) : resolve(response)));
    });

  function subscribe(client: ShareServiceClient, name: string, feeds: string[], who = 'dev-mx-anam-subscriber') {
    const call = client.subscribe(auth(who));
    const deliveries: Delivery[] = [];
    const committed: string[] = [];
    let started = false;
    let error: ServiceError | undefined;
    let ended = false;
    call.on('data', (message: SubscribeResponse) => {
      if (message.kind?.$case === 'started') started = true;
      else if (message.kind?.$case === 'deliveries') deliveries.push(...message.kind.value.deliveries);
      else if (message.kind?.$case === 'committed') committed.push(...message.kind.value.cursors);
    });
    let committedAtError: string[] = [];
    call.on('error', (e: ServiceError) => {
      error = e;
      committedAtError = [...committed];
    });
    call.on('end', () => {
      ended = true;
    });
    call.write({
      kind: {
        $case: 'start',
        value: {
          subscription: name,
          feeds,
          payloadFormat: PayloadFormat.AVRO_CONFLUENT,
          startPosition: StartPosition.LATEST,
          maxUnacked: 100,
          maxBatchSize: 10,
          purposes: ['BORDER_SECURITY', 'CUSTOMS', 'CRIMINAL_INVESTIGATION', 'PROSECUTION', 'TRADE_FACILITATION'],
        },
      },
    });
    return {
      call,
      deliveries,
      committed,
      started: () => started,
      error: () => error,
      /** The `committed` cursors that arrived before the stream's error status. */
      committedAtError: () => committedAtError,
      ended: () => ended,
      ack: (cursors: string[]) => call.write({ kind: { $case: 'ack', value: { cursors } } }),
    };
  }

  beforeAll(async () => {
    kafka = new KafkaBus({ brokers: testKafkaBrokers(), clientId: 'contracts-test', heartbeatIntervalMs: 500 });
    await kafka.start();
  });

  afterAll(async () => {
    for (const started of gateways) started.client.close();
    for (const started of gateways) await started.stop(1_000).catch(() => undefined);
    await kafka?.stop();
  });

  it('bounds the details of a rejection with hundreds of violations: the default client decodes them', async () => {
    const { client } = await start(kafka);
    const invalid = manifest();
    const item = invalid['goods'][0];
    invalid['goods'] = Array.from({ length: 400 }, () => ({ ...item, hsCode: null }));
    const bytes = Buffer.from(JSON.stringify(invalid));
    expect(bytes.length).toBeLessThan(256 * 1024);

    const refusal = await refused(publish(client, asJson(invalid)));
    expect(refusal).toMatchObject({ code: status.INVALID_ARGUMENT, reason: ErrorReason.SCHEMA_REJECTED });
    // Well under the 8 KiB other gRPC stacks allow by default.
    console.log(`trailers of a 400-violation rejection: ${refusal.trailerBytes} bytes`);
    expect(refusal.trailerBytes).toBeLessThan(6 * 1024);
    const violations = refusal.details.badRequest?.fieldViolations ?? [];
    expect(violations.length).toBeLessThanOrEqual(STATUS_LIMITS.violations + 1);
    expect(violations[0]?.field).toBe('goods[0].hsCode');
    const last = violations.at(-1);
    expect(last?.field).toBe('...');
    expect(last?.description).toBe(`and ${400 - (violations.length - 1)} more`);
    expect(refusal.details.errorInfo?.metadata).toMatchObject({
      topic: TOPIC,
      schemaId: String(codec.schemaIdOf(TOPIC)),
    });
    expect(Buffer.byteLength(refusal.message)).toBeLessThanOrEqual(STATUS_LIMITS.messageBytes);

    // The same event inside a PublishStream: its per-event status is bounded the same way.
    const call = client.publishStream(auth('dev-us-cbp-publisher'));
    const responses: PublishStreamResponse[] = [];
    call.on('data', (response: PublishStreamResponse) => responses.push(response));
    const ended = new Promise<void>((resolve, reject) => {
      call.on('end', resolve);
      call.on('error', reject);
    });
    call.write({ sequence: '1', events: [asJson(invalid), asJson(manifest())] });
    call.end();
    await ended;
    const outcome = responses[0]?.outcomes[0]?.outcome;
    if (outcome?.$case !== 'rejected') throw new Error('expected a rejection');
    const inline = fromRpcStatus(outcome.value);
    expect(inline.badRequest?.fieldViolations.at(-1)?.description).toMatch(/^and \d+ more$/);
    expect(responses[0]?.outcomes[1]?.outcome?.$case).toBe('accepted');
  });

  it('refuses a start without feeds, names unknown feeds and schema ids, lets operators list feeds', async () => {
    const { client } = await start(kafka);
    const empty = subscribe(client, `empty-${randomUUID().slice(0, 8)}`, []);
    await waitFor(() => empty.error() !== undefined, 20_000, 'the refusal of an empty start');
    const noFeeds = refusalOf(empty.error()!);
    expect(noFeeds).toMatchObject({ code: status.INVALID_ARGUMENT, reason: ErrorReason.REQUEST_INVALID });
    expect(noFeeds.details.badRequest?.fieldViolations[0]?.field).toBe('start.feeds');
    expect(empty.started()).toBe(false);

    const unknown = subscribe(client, `unknown-${randomUUID().slice(0, 8)}`, ['nowhere/us.cargo-manifests.v1']);
    await waitFor(() => unknown.error() !== undefined, 20_000, 'the refusal of an unknown feed');
    const notFound = refusalOf(unknown.error()!);
    expect(notFound).toMatchObject({ code: status.NOT_FOUND, reason: ErrorReason.FEED_NOT_FOUND });
    expect(notFound.details.resourceInfo?.resourceName).toBe('nowhere/us.cargo-manifests.v1');

    // A feed that exists but is not shared with MX stays PERMISSION_DENIED.
    const other = subscribe(client, `other-${randomUUID().slice(0, 8)}`, ['mx-to-us/mx.cargo-manifests.v1']);
    await waitFor(() => other.error() !== undefined, 20_000, 'the refusal of a feed for another country');
    expect(refusalOf(other.error()!)).toMatchObject({
      code: status.PERMISSION_DENIED,
      reason: ErrorReason.NO_AGREEMENT,
    });

    const framed = codec.encode(TOPIC, codec.fromFriendlyJson(TOPIC, manifest()));
    framed.writeInt32BE(987_654, 1);
    const schema = await refused(
      publish(client, {
        topic: TOPIC,
        key: '',
        payloadFormat: PayloadFormat.AVRO_CONFLUENT,
        payload: framed,
        schemaId: 0,
      }),
    );
    expect(schema).toMatchObject({ code: status.NOT_FOUND, reason: ErrorReason.SCHEMA_NOT_FOUND });
    expect(schema.details.errorInfo?.metadata).toMatchObject({ schemaId: '987654', topic: TOPIC });

    const noTopic = await refused(publish(client, { ...asJson(manifest()), topic: 'us.nothing-here.v1' }));
    expect(noTopic).toMatchObject({ code: status.NOT_FOUND, reason: ErrorReason.TOPIC_NOT_FOUND });
    expect(noTopic.details.resourceInfo?.resourceName).toBe('us.nothing-here.v1');
    const notAllowed = await refused(publish(client, { ...asJson(manifest()), topic: 'us.prosecutions.v1' }));
    expect(notAllowed).toMatchObject({ code: status.PERMISSION_DENIED, reason: ErrorReason.TOPIC_NOT_ALLOWED });
    expect(notAllowed.details.errorInfo?.metadata['topic']).toBe('us.prosecutions.v1');

    // A newer stream for the same subscription supersedes the open one, naming it.
    const name = `twice-${randomUUID().slice(0, 8)}`;
    const older = subscribe(client, name, [FEED]);
    await waitFor(() => older.started(), 20_000, 'the first stream to start');
    const newer = subscribe(client, name, [FEED]);
    await waitFor(() => older.error() !== undefined, 20_000, 'the first stream to be superseded');
    const superseded = refusalOf(older.error()!);
    expect(superseded).toMatchObject({ code: status.ABORTED, reason: ErrorReason.SUBSCRIPTION_SUPERSEDED });
    expect(superseded.details.errorInfo?.metadata['subscription']).toBe(`mx.anam.${name}`);
    newer.call.end();

    const asOperator = await listFeeds(client, 'dev-mx-anam-operator');
    expect(asOperator.feeds.map((f) => f.feedId)).toContain(FEED);
    const asSubscriber = await listFeeds(client, 'dev-mx-anam-subscriber');
    expect(asSubscriber.feeds.map((f) => f.feedId)).toEqual(asOperator.feeds.map((f) => f.feedId));
    const asPublisher = await refused(listFeeds(client, 'dev-us-cbp-publisher'));
    expect(asPublisher).toMatchObject({ code: status.PERMISSION_DENIED, reason: ErrorReason.ROLE_NOT_ALLOWED });
  });

  it('DescribeTopic reports replicas, retention and configuration read from Kafka', async () => {
    const { gateway } = await start(kafka);
    const operator = new OperatorServiceClient(`127.0.0.1:${gateway.port}`, credentials.createInsecure());
    const described = await new Promise<DescribeTopicResponse>((resolve, reject) =>
      operator.describeTopic({ topic: TOPIC, viewAgreementId: '' }, auth('dev-us-cbp-operator'), (error, response) =>
        error ? reject(error) : resolve(response),
      ),
    );
    operator.close();
    const kafkaView = await kafka.admin.describeTopic(TOPIC);
    expect(described.partitions.map((p) => p.partition)).toEqual(kafkaView.partitions.map((p) => p.partition));
    for (const p of described.partitions) {
      expect(p.leader).toBeGreaterThanOrEqual(0);
      expect(p.replicas).toContain(p.leader);
      expect(p.inSyncReplicas).toContain(p.leader);
    }
    // ensureTopics creates event topics with seven days' retention and the delete policy.
    expect(described.retention?.cleanupPolicy).toBe('delete');
    expect(Number(described.retention?.maxAge?.seconds)).toBe(7 * 24 * 3600);
    expect(described.config['retention.ms']).toBe(String(7 * 24 * 3_600_000));
  });

  it('answers PUBLISH_QUEUE_FULL and PUBLISH_OUTCOME_UNKNOWN as documented; a republish tells what was written', async () => {
    const gated = gatedBus(kafka);
    const { client } = await start(gated.bus, { maxInFlight: 1, publishTimeoutMs: 1_500 });
    gated.hold();
    const first = manifest();
    const slow = refused(publish(client, asJson(first)));
    await waitFor(() => gated.held() === 1, 10_000, 'the first produce to be held');

    const full = await refused(publish(client, asJson(manifest())));
    expect(full).toMatchObject({ code: status.RESOURCE_EXHAUSTED, reason: ErrorReason.PUBLISH_QUEUE_FULL });
    expect(full.details.quotaFailure?.violations[0]?.subject).toBe('publish-in-flight');
    expect(retryMs(full.details)).toBeGreaterThan(0);
    expect(full.details.errorInfo?.metadata['limit']).toBe('1');

    const unknown = await slow;
    expect(unknown).toMatchObject({ code: status.UNAVAILABLE, reason: ErrorReason.PUBLISH_OUTCOME_UNKNOWN });
    expect(retryMs(unknown.details)).toBeGreaterThan(0);

    // The held produce goes on: once Kafka has it, the same eventId answers duplicate.
    gated.release();
    await waitFor(
      async () => {
        const again = await publish(client, asJson(first)).catch(() => undefined);
        return again?.duplicate === true;
      },
      20_000,
      'the republished event to be answered as a duplicate',
    );
    // An event that was never written is written by its republish.
    const fresh = await publish(client, asJson(manifest()));
    expect(fresh.duplicate).toBe(false);
  });

  it('refuses streams beyond the per-caller limit with STREAM_LIMIT_REACHED', async () => {
    const { client } = await start(kafka, { maxStreamsPerCaller: 2 });
    const a = subscribe(client, `limit-a-${randomUUID().slice(0, 8)}`, [FEED]);
    const b = subscribe(client, `limit-b-${randomUUID().slice(0, 8)}`, [FEED]);
    await waitFor(() => a.started() && b.started(), 20_000, 'two streams to start');
    const c = subscribe(client, `limit-c-${randomUUID().slice(0, 8)}`, [FEED]);
    await waitFor(() => c.error() !== undefined, 20_000, 'the third stream to be refused');
    const limit = refusalOf(c.error()!);
    expect(limit).toMatchObject({ code: status.RESOURCE_EXHAUSTED, reason: ErrorReason.STREAM_LIMIT_REACHED });
    expect(limit.details.errorInfo?.metadata['limit']).toBe('2');
    // A closed stream frees its place.
    a.call.end();
    await waitFor(() => a.ended(), 20_000, 'the first stream to end');
    const d = subscribe(client, `limit-d-${randomUUID().slice(0, 8)}`, [FEED]);
    await waitFor(() => d.started() || d.error() !== undefined, 20_000, 'the fourth stream');
    expect(d.error()).toBeUndefined();
    b.call.end();
    d.call.end();
  });

  it('stops reading a PublishStream while its window is full; every request is still answered', async () => {
    let read = 0;
    let most = 0;
    const { client } = await start(kafka, {}, { backlog: (n) => ((most = Math.max(most, n)), read++) });
    const requests = 400;
    const perRequest = 20;
    const before = process.memoryUsage();
    const call = client.publishStream(auth('dev-us-cbp-publisher'));
    const responses: PublishStreamResponse[] = [];
    call.on('data', (response: PublishStreamResponse) => responses.push(response));
    const ended = new Promise<void>((resolve, reject) => {
      call.on('end', resolve);
      call.on('error', reject);
    });
    // A publisher that never waits: everything written at once, no regard for write()'s answer.
    for (let i = 0; i < requests; i++) {
      call.write({ sequence: String(i), events: Array.from({ length: perRequest }, () => asJson(manifest())) });
    }
    call.end();
    await ended;
    const after = process.memoryUsage();
    expect(read).toBe(requests);
    expect(responses.map((r) => Number(r.sequence))).toEqual(Array.from({ length: requests }, (_, i) => i));
    expect(responses.every((r) => r.outcomes.every((o) => o.outcome?.$case === 'accepted'))).toBe(true);
    // It did fill its window (the client outran Kafka) and never read beyond it.
    expect(most).toBe(PUBLISH_STREAM_WINDOW.requests);
    const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;
    console.log(
      `PublishStream ${requests}×${perRequest} events unawaited: most unanswered ${most}; ` +
        `rss ${mb(before.rss)} → ${mb(after.rss)}, heapUsed ${mb(before.heapUsed)} → ${mb(after.heapUsed)} (client and gateway in one process)`,
    );
  });

  it('ends a Subscribe stream FAILED_PRECONDITION (PROTOCOL_VIOLATION) when it begins with ack or starts twice', async () => {
    const { client } = await start(kafka);
    const ackFirst = client.subscribe(auth('dev-mx-anam-subscriber'));
    const ackFirstEnded = refused(
      new Promise((resolve, reject) => {
        ackFirst.on('data', () => undefined);
        ackFirst.on('error', reject);
        ackFirst.on('end', resolve);
      }),
    );
    ackFirst.write({ kind: { $case: 'ack', value: { cursors: [] } } });
    expect(await ackFirstEnded).toMatchObject({
      code: status.FAILED_PRECONDITION,
      reason: ErrorReason.PROTOCOL_VIOLATION,
    });

    const twice = subscribe(client, `twice-start-${randomUUID().slice(0, 8)}`, [FEED]);
    await waitFor(() => twice.started(), 20_000, 'the stream to start');
    twice.call.write({
      kind: {
        $case: 'start',
        value: {
          subscription: 'again',
          feeds: [FEED],
          payloadFormat: PayloadFormat.AVRO_CONFLUENT,
          startPosition: StartPosition.LATEST,
          maxUnacked: 100,
          maxBatchSize: 10,
          purposes: ['BORDER_SECURITY', 'CUSTOMS', 'CRIMINAL_INVESTIGATION', 'PROSECUTION', 'TRADE_FACILITATION'],
        },
      },
    });
    await waitFor(() => twice.error() !== undefined, 20_000, 'the second start to be refused');
    expect(refusalOf(twice.error()!)).toMatchObject({
      code: status.FAILED_PRECONDITION,
      reason: ErrorReason.PROTOCOL_VIOLATION,
    });
  });

  it('drains with calls in flight: SHUTTING_DOWN for streams and new calls, accepted publishes answered, acks confirmed first', async () => {
    const gated = gatedBus(kafka);
    const { gateway, client } = await start(gated.bus, { publishTimeoutMs: 60_000 });
    const name = `drain-${randomUUID().slice(0, 8)}`;
    const sub = subscribe(client, name, [FEED]);
    await waitFor(() => sub.started(), 20_000, 'the subscription to start');
    const key = `DRAIN-${randomUUID().slice(0, 8)}`;
    const acked = manifest(key);
    const unacked = manifest(key);
    await publish(client, asJson(acked));
    await publish(client, asJson(unacked));
    const ids = [acked['meta'].eventId as string, unacked['meta'].eventId as string];
    await waitFor(() => ids.every((id) => sub.deliveries.some((d) => d.eventId === id)), 30_000, 'both deliveries');
    const ackedCursor = sub.deliveries.find((d) => d.eventId === ids[0])!.cursor;
    // The ack reaches the gateway, its commit is still on its way when the drain begins.
    gated.holdCursors();
    sub.ack([ackedCursor]);
    await waitFor(() => gated.heldCursors() > 0, 20_000, 'the commit of the ack to be held');

    gated.hold();
    const inFlight = manifest();
    const unary = publish(client, asJson(inFlight));
    const stream = client.publishStream(auth('dev-us-cbp-publisher'));
    const streamed: PublishStreamResponse[] = [];
    let streamError: ServiceError | undefined;
    stream.on('data', (response: PublishStreamResponse) => streamed.push(response));
    const streamEnded = new Promise<void>((resolve) => {
      stream.on('error', (e: ServiceError) => {
        streamError = e;
        resolve();
      });
      stream.on('end', () => resolve());
    });
    const streamedEvent = manifest();
    stream.write({ sequence: '7', events: [asJson(streamedEvent)] });
    await waitFor(() => gated.held() === 2, 10_000, 'both produces to be held');

    const stopping = gateway.stop(20_000);
    const late = await refused(listFeeds(client, 'dev-mx-anam-subscriber'));
    expect(late).toMatchObject({ code: status.UNAVAILABLE, reason: ErrorReason.SHUTTING_DOWN });
    // The acknowledgement received before the drain is committed and confirmed, then the stream ends.
    gated.releaseCursors();
    await waitFor(() => sub.error() !== undefined, 10_000, 'the subscription to end');
    const subEnd = refusalOf(sub.error()!);
    expect(subEnd).toMatchObject({ code: status.UNAVAILABLE, reason: ErrorReason.SHUTTING_DOWN });
    expect(retryMs(subEnd.details)).toBeGreaterThan(0);
    expect(sub.committedAtError()).toContain(ackedCursor);

    gated.release();
    const answered = await unary;
    expect(answered.eventId).toBe(inFlight['meta'].eventId);
    await streamEnded;
    expect(streamed.map((r) => r.sequence)).toEqual(['7']);
    expect(streamed[0]?.outcomes[0]?.outcome?.$case).toBe('accepted');
    const streamEnd = refusalOf(streamError!);
    expect(streamEnd).toMatchObject({ code: status.UNAVAILABLE, reason: ErrorReason.SHUTTING_DOWN });
    expect(retryMs(streamEnd.details)).toBeGreaterThan(0);
    await stopping;

    // Nothing acknowledged is lost: both answered events are in Kafka where they were reported,
    // and a new gateway resumes the subscription after the acknowledged delivery.
    const streamedAt = streamed[0]?.outcomes[0]?.outcome;
    if (streamedAt?.$case !== 'accepted') throw new Error('expected accepted');
    for (const [at, eventId] of [
      [answered, inFlight['meta'].eventId as string],
      [streamedAt.value, streamedEvent['meta'].eventId as string],
    ] as const) {
      let found: string | undefined;
      const reader = await kafka.readFrom({
        topic: TOPIC,
        positions: [{ partition: at.partition, offset: at.offset }],
        handler: async (batch) => {
          const record = batch.records.find((r) => r.offset === at.offset);
          if (record) found = record.headers['ce_id']?.toString();
        },
      });
      await waitFor(() => found !== undefined, 20_000, `the record at ${at.partition}:${at.offset}`);
      await reader.stop();
      expect(found).toBe(eventId);
    }
    const { client: next } = await start(kafka);
    const resumed = subscribe(next, name, [FEED]);
    await waitFor(() => resumed.deliveries.some((d) => d.eventId === ids[1]), 30_000, 'the unacknowledged redelivery');
    expect(resumed.deliveries.some((d) => d.eventId === ids[0])).toBe(false);
    resumed.call.end();
  });
});
