// The model port end to end on a real Kafka broker and real gRPC sockets: a US publisher, an MX
// subscriber receiving only the policy view, every refusal with its status, and a subscriber
// that disconnects and resumes without losing or repeating acknowledged records.
import { createHash, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { credentials, Metadata, status, type ClientDuplexStream, type ServiceError } from '@grpc/grpc-js';
import {
  ErrorReason,
  errorReasonOf,
  fromRpcStatus,
  PayloadFormat,
  rpcStatusFromError,
  OperatorServiceClient,
  type ShareServiceClient,
  StartPosition,
  type ListTopicsResponse,
  type Delivery,
  type PublishRequest,
  type PublishResponse,
  type PublishStreamResponse,
  type SubscribeRequest,
  type SubscribeResponse,
} from '@puente/proto';
import { type Bus, KafkaBus } from '@puente/bus';
import { createCodec, parseSchemaText } from '@puente/contracts';
import { testKafkaBrokers } from '@puente/bus/testing';
import { friendlyToAvroJson } from '@puente/contracts/testing';
import { DISCLOSURE_TOPIC } from '@puente/runtime';
import { waitFor } from '@puente/runtime/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startTestGateway, type TestGateway } from './testing/index.js';
import { readDevTokens } from './dev/dev-tokens.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const tokens = readDevTokens();
const token = (name: string) => {
  const value = tokens.get(name);
  if (!value) throw new Error(`no dev token ${name}`);
  return value;
};

const codec = createCodec();
const example = (file: string) =>
  (JSON.parse(readFileSync(`${root}schemas/examples/${file}`, 'utf8')) as { value: Record<string, any> }).value;

function manifest(overrides: { classification?: string; manifestId?: string } = {}) {
  const value = structuredClone(example('cargo-manifests/us-northbound-laredo.json'));
  value['meta'].eventId = randomUUID();
  value['meta'].classification = overrides.classification ?? 'SENSITIVE';
  value['manifestId'] = overrides.manifestId ?? `TEST-${randomUUID().slice(0, 8)}`;
  return value;
}

const asJson = (topic: string, value: unknown): PublishRequest => ({
  topic,
  key: '',
  payloadFormat: PayloadFormat.AVRO_JSON,
  payload: Buffer.from(JSON.stringify(friendlyToAvroJson(codec, topic, value))),
  schemaId: 0,
});

const auth = (name: string | null) => {
  const metadata = new Metadata();
  if (name) metadata.set('authorization', `Bearer ${name.startsWith('dev.') ? name : token(name)}`);
  return metadata;
};

/** The disclosure record on Kafka that names `eventId` among its events (it must be there already). */
async function disclosureOf(bus: Bus, eventId: string): Promise<Record<string, any>> {
  const { partitions } = await bus.admin.describeTopic(DISCLOSURE_TOPIC);
  let found: Record<string, any> | undefined;
  const reader = await bus.readFrom({
    topic: DISCLOSURE_TOPIC,
    positions: partitions.filter((p) => p.high !== p.low).map((p) => ({ partition: p.partition, offset: p.low })),
    handler: async (batch) => {
      for (const record of batch.records) {
        const value = codec.decode(record.value!, { topic: DISCLOSURE_TOPIC }).value as Record<string, any>;
        if (value['events'].some((e: { eventId: string }) => e.eventId === eventId)) found = value;
      }
    },
  });
  try {
    await waitFor(() => found !== undefined, 15_000, `the disclosure of ${eventId}`);
  } finally {
    await reader.stop();
  }
  return found!;
}

describe('gateway on real Kafka and gRPC', () => {
  let bus: KafkaBus;
  let gateway: TestGateway;
  let client: ShareServiceClient;

  const publish = (request: PublishRequest, who: string | null = 'dev-us-cbp-publisher') =>
    new Promise<PublishResponse>((resolve, reject) => {
      client.publish(request, auth(who), (error, response) => (error ? reject(error) : resolve(response)));
    });
  const refusal = async (promise: Promise<unknown>) => {
    const error = (await promise.then(
      () => undefined,
      (e: unknown) => e,
    )) as ServiceError | undefined;
    if (!error) throw new Error('expected the call to be refused');
    const rpc = rpcStatusFromError(error);
    const details = rpc ? fromRpcStatus(rpc) : {};
    return { code: error.code, message: error.details, reason: errorReasonOf(details), details };
  };

  /** A subscriber stream with helpers to wait for deliveries and acknowledge them. */
  function subscribe(
    name: string,
    who = 'dev-mx-anam-subscriber',
    feeds: string[] = ['us-to-mx/us.cargo-manifests.v1'],
  ) {
    const call: ClientDuplexStream<SubscribeRequest, SubscribeResponse> = client.subscribe(auth(who));
    const deliveries: Delivery[] = [];
    const started: SubscribeResponse[] = [];
    const committed: string[] = [];
    let error: ServiceError | undefined;
    call.on('data', (message: SubscribeResponse) => {
      if (message.kind?.$case === 'deliveries') deliveries.push(...message.kind.value.deliveries);
      else if (message.kind?.$case === 'committed') committed.push(...message.kind.value.cursors);
      else started.push(message);
    });
    call.on('error', (e: ServiceError) => {
      error = e;
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
      started,
      error: () => error,
      ack: (cursors: string[]) => call.write({ kind: { $case: 'ack', value: { cursors } } }),
    };
  }

  beforeAll(async () => {
    bus = new KafkaBus({ brokers: testKafkaBrokers(), clientId: 'gateway-test', heartbeatIntervalMs: 500 });
    await bus.start();
    gateway = await startTestGateway({
      bus,
      codec,
      limits: { maxPayloadBytes: 256 * 1024 },
    });
    client = gateway.client;
  });

  afterAll(async () => {
    client?.close();
    await gateway?.stop(1_000);
    await bus?.stop();
  });

  it('hashes one passport alike in both directions however each country writes it, and another passport apart', async () => {
    const id = randomUUID().slice(0, 8);
    const mxSub = subscribe(`bilateral-mx-${id}`);
    const usSub = subscribe(`bilateral-us-${id}`, 'dev-us-cbp-subscriber', ['mx-to-us/mx.cargo-manifests.v1']);
    await waitFor(() => mxSub.started.length > 0 && usSub.started.length > 0, 20_000, 'both subscriptions to start');
    const viewTypeOf = (sub: ReturnType<typeof subscribe>) => {
      const started = sub.started[0]?.kind;
      if (started?.$case !== 'started') throw new Error('expected started');
      return parseSchemaText(started.value.feeds[0]?.viewSchema ?? '{}');
    };
    const withPassports = (value: Record<string, any>, numbers: readonly string[]) => {
      value['meta'].eventId = randomUUID();
      value['driver'].documents = numbers.map((documentNumber) => ({
        documentType: 'PASSPORT',
        documentNumber,
        issuingCountry: 'MX',
        issuingAuthority: null,
        expiresOn: null,
      }));
      return value;
    };
    // The same (synthetic) passport as the US writes it, and as Mexico does; then someone else's.
    const fromUs = withPassports(manifest(), ['G 3141-5926', 'G31415927']);
    const fromMx = withPassports(structuredClone(example('cargo-manifests/mx-southbound-ciudad-juarez.json')), [
      'g31415926',
    ]);
    await publish(asJson('us.cargo-manifests.v1', fromUs));
    await publish(asJson('mx.cargo-manifests.v1', fromMx), 'dev-mx-anam-publisher');
    const hashesOf = async (sub: ReturnType<typeof subscribe>, eventId: string): Promise<string[]> => {
      await waitFor(() => sub.deliveries.some((d) => d.eventId === eventId), 30_000, `delivery of ${eventId}`);
      const delivery = sub.deliveries.find((d) => d.eventId === eventId)!;
      const view = viewTypeOf(sub).fromBuffer(delivery.payload.subarray(5)) as Record<string, any>;
      return (view['driver'].documents as { documentNumber: string }[]).map((d) => d.documentNumber);
    };
    const [usPassport, otherPassport] = await hashesOf(mxSub, fromUs['meta'].eventId);
    const [mxPassport] = await hashesOf(usSub, fromMx['meta'].eventId);
    expect(usPassport).toMatch(/^usmx-dev-1:[A-Za-z0-9_-]{43}$/);
    expect(mxPassport).toBe(usPassport);
    expect(otherPassport).not.toBe(usPassport);
    mxSub.call.end();
    usSub.call.end();
  });

  it('delivers the MX view of a US manifest: kept names, hashed documents, removed fields; withholds the rest', async () => {
    const subscription = `view-${randomUUID().slice(0, 8)}`;
    const sub = subscribe(subscription);
    await waitFor(() => sub.started.length > 0, 20_000, 'the subscription to start');
    const started = sub.started[0]?.kind;
    if (started?.$case !== 'started') throw new Error('expected started');
    const feed = started.value.feeds[0];
    expect(feed?.feedId).toBe('us-to-mx/us.cargo-manifests.v1');
    const viewType = parseSchemaText(feed?.viewSchema ?? '{}');
    // The view schema has the id the catalog lock gave it, so partners resolve it like any other.
    expect(feed?.viewSchemaId).toBe(codec.catalog.latest('us.cargo-manifests.v1-view-us-to-mx-value').id);

    const restricted = manifest({ classification: 'RESTRICTED' });
    const shared = manifest();
    const withheldResult = await publish(asJson('us.cargo-manifests.v1', restricted));
    const sharedResult = await publish(asJson('us.cargo-manifests.v1', shared));
    expect(sharedResult.duplicate).toBe(false);
    expect(withheldResult.eventId).toBe(restricted['meta'].eventId);

    await waitFor(
      () => sub.deliveries.some((d) => d.eventId === shared['meta'].eventId),
      30_000,
      'the shared manifest',
    );
    const delivery = sub.deliveries.find((d) => d.eventId === shared['meta'].eventId);
    expect(delivery?.payload[0]).toBe(0);
    expect(delivery?.schemaId).toBe(feed?.viewSchemaId);
    expect(delivery?.payload.readInt32BE(1)).toBe(feed?.viewSchemaId);
    const view = viewType.fromBuffer(delivery!.payload.subarray(5)) as Record<string, any>;
    expect(view['manifestId']).toBe(shared['manifestId']);
    expect(view['consignor'].name).toBe(shared['consignor'].name);
    expect(view['consignor'].address).toBeUndefined();
    expect(view['driver'].documents[0].documentNumber).toMatch(/^usmx-dev-1:[A-Za-z0-9_-]{43}$/);
    const bytes = delivery!.payload.toString('latin1');
    expect(bytes).not.toContain('41928375');
    expect(bytes).not.toContain('G39281745');
    expect(bytes).not.toContain(shared['conveyance'].licensePlate);
    expect(delivery?.key).toBe(shared['manifestId']);
    // The RESTRICTED manifest was published first on the same key: it never arrives.
    expect(sub.deliveries.some((d) => d.eventId === restricted['meta'].eventId)).toBe(false);

    // The disclosure was written before the delivery: its record names the event, the digest of
    // the exact bytes sent, the recipient and the fields released, transformed and removed.
    const disclosure = await disclosureOf(bus, shared['meta'].eventId);
    expect(disclosure).toMatchObject({
      kind: 'DELIVERY',
      sourceTopic: 'us.cargo-manifests.v1',
      sourceEventId: null,
      recipient: { country: 'MX', agency: 'ANAM', subscription: `mx.anam.${subscription}` },
      agreementId: 'us-to-mx',
      agreementVersion: delivery!.agreementVersion,
      viewSchemaId: feed?.viewSchemaId,
    });
    const event = disclosure['events'].find((e: { eventId: string }) => e.eventId === shared['meta'].eventId);
    expect(event).toMatchObject({ entityId: shared['manifestId'], sourceOffset: Number(delivery!.offset) });
    expect(event.digest).toEqual(createHash('sha256').update(delivery!.payload).digest());
    expect(disclosure['fieldsRemoved']).toEqual(expect.arrayContaining(['consignor.address']));
    expect(disclosure['fieldsTransformed'].map((t: { path: string }) => t.path)).toContain(
      'driver.documents[*].documentNumber',
    );
    sub.call.end();
  });

  it('refuses bad calls with their status and a useful message', async () => {
    const missing = await refusal(publish(asJson('us.cargo-manifests.v1', manifest()), null));
    expect(missing).toMatchObject({ code: status.UNAUTHENTICATED, reason: ErrorReason.CREDENTIALS_MISSING });

    const forged = await refusal(
      publish(asJson('us.cargo-manifests.v1', manifest()), 'dev.forged-token-0000000000000000000000'),
    );
    expect(forged.code).toBe(status.UNAUTHENTICATED);
    expect(forged.message).not.toContain('forged-token');

    const claimsMexico = manifest();
    claimsMexico['meta'].originCountry = 'MX';
    const origin = await refusal(publish(asJson('us.cargo-manifests.v1', claimsMexico)));
    expect(origin).toMatchObject({ code: status.PERMISSION_DENIED, reason: ErrorReason.ORIGIN_MISMATCH });

    const otherCountry = await refusal(publish(asJson('mx.cargo-manifests.v1', manifest())));
    expect(otherCountry).toMatchObject({ code: status.PERMISSION_DENIED, reason: ErrorReason.ORIGIN_MISMATCH });

    const wrongDomain = await refusal(publish(asJson('us.prosecutions.v1', manifest())));
    expect(wrongDomain).toMatchObject({ code: status.PERMISSION_DENIED, reason: ErrorReason.TOPIC_NOT_ALLOWED });

    const invalid = manifest();
    invalid['goods'][0].hsCode = null;
    delete invalid['manifestId'];
    const schema = await refusal(publish(asJson('us.cargo-manifests.v1', invalid)));
    expect(schema).toMatchObject({ code: status.INVALID_ARGUMENT, reason: ErrorReason.SCHEMA_REJECTED });
    expect(schema.details.badRequest?.fieldViolations.map((v) => v.field).sort()).toEqual([
      'goods[0].hsCode',
      'manifestId',
    ]);

    const unknownTopic = await refusal(publish(asJson('us.nothing-here.v1', manifest())));
    expect(unknownTopic).toMatchObject({ code: status.NOT_FOUND, reason: ErrorReason.TOPIC_NOT_FOUND });

    const garbage = await refusal(
      publish({
        topic: 'us.cargo-manifests.v1',
        key: '',
        payloadFormat: PayloadFormat.AVRO_CONFLUENT,
        payload: Buffer.from([0, 0, 0, 0, 99, 1, 2]),
        schemaId: 0,
      }),
    );
    expect(garbage.code).toBe(status.NOT_FOUND);

    const oversized = await refusal(
      publish({
        topic: 'us.cargo-manifests.v1',
        key: '',
        payloadFormat: PayloadFormat.AVRO_JSON,
        payload: Buffer.alloc(512 * 1024, 32),
        schemaId: 0,
      }),
    );
    expect(oversized.code).toBe(status.RESOURCE_EXHAUSTED);

    const noAgreement = subscribe(`none-${randomUUID().slice(0, 8)}`, 'dev-mx-anam-subscriber', [
      'mx-to-us/mx.cargo-manifests.v1',
    ]);
    await waitFor(() => noAgreement.error() !== undefined, 20_000, 'the refusal');
    expect(noAgreement.error()?.code).toBe(status.PERMISSION_DENIED);
    expect(noAgreement.error()?.details).toContain('mx-to-us/mx.cargo-manifests.v1');

    const publisherSubscribing = subscribe(`role-${randomUUID().slice(0, 8)}`, 'dev-us-cbp-publisher');
    await waitFor(() => publisherSubscribing.error() !== undefined, 20_000, 'the refusal');
    expect(publisherSubscribing.error()?.code).toBe(status.PERMISSION_DENIED);

    // Still serving after all that.
    const ok = await publish(asJson('us.cargo-manifests.v1', manifest()));
    expect(ok.offset).toMatch(/^\d+$/);
  });

  it('answers each PublishStream batch in order with one outcome per event', async () => {
    const call = client.publishStream(auth('dev-us-cbp-publisher'));
    const responses: PublishStreamResponse[] = [];
    call.on('data', (response: PublishStreamResponse) => responses.push(response));
    const ended = new Promise<void>((resolve, reject) => {
      call.on('end', resolve);
      call.on('error', reject);
    });
    const bad = manifest();
    bad['meta'].classification = 'TOP_SECRET';
    call.write({
      sequence: '1',
      events: [asJson('us.cargo-manifests.v1', manifest()), asJson('us.cargo-manifests.v1', bad)],
    });
    call.write({ sequence: '2', events: [asJson('us.cargo-manifests.v1', manifest())] });
    call.end();
    await ended;
    expect(responses.map((r) => r.sequence)).toEqual(['1', '2']);
    const [first, second] = responses;
    expect(first?.outcomes.map((o) => o.outcome?.$case)).toEqual(['accepted', 'rejected']);
    const rejected = first?.outcomes[1]?.outcome;
    if (rejected?.$case !== 'rejected') throw new Error('expected a rejection');
    expect(rejected.value.code).toBe(status.INVALID_ARGUMENT);
    expect(fromRpcStatus(rejected.value).badRequest?.fieldViolations[0]?.field).toBe('meta.classification');
    expect(second?.outcomes.map((o) => o.outcome?.$case)).toEqual(['accepted']);
  });

  it('serves OperatorService on the same port', async () => {
    const operator = new OperatorServiceClient(`127.0.0.1:${gateway.port}`, credentials.createInsecure());
    const topics = await new Promise<ListTopicsResponse>((resolve, reject) =>
      operator.listTopics({ prefix: 'us.' }, auth('dev-us-cbp-operator'), (error, response) =>
        error ? reject(error) : resolve(response),
      ),
    );
    expect(topics.topics.map((t) => t.name)).toContain('us.cargo-manifests.v1');
    operator.close();
  });

  it('writes a repeated eventId once', async () => {
    const value = manifest();
    const first = await publish(asJson('us.cargo-manifests.v1', value));
    const second = await publish(asJson('us.cargo-manifests.v1', value));
    expect(second).toMatchObject({ duplicate: true, partition: first.partition, offset: first.offset });
  });

  it('resumes a subscription after a disconnect: acknowledged records are not redelivered, unacknowledged are', async () => {
    const name = `resume-${randomUUID().slice(0, 8)}`;
    const first = subscribe(name);
    await waitFor(() => first.started.length > 0, 20_000, 'the subscription to start');
    const key = `RESUME-${randomUUID().slice(0, 8)}`;
    const events = Array.from({ length: 10 }, () => manifest({ manifestId: key }));
    for (const event of events) await publish(asJson('us.cargo-manifests.v1', event));
    const ids = events.map((e) => e['meta'].eventId as string);
    await waitFor(() => ids.every((id) => first.deliveries.some((d) => d.eventId === id)), 30_000, 'ten deliveries');
    const ours = first.deliveries.filter((d) => ids.includes(d.eventId));
    expect(ours.map((d) => d.eventId)).toEqual(ids);
    const fifth = ours[4];
    first.ack([fifth!.cursor]);
    await waitFor(() => first.committed.includes(fifth!.cursor), 20_000, 'the acknowledgement to be committed');
    first.call.cancel();

    const second = subscribe(name);
    await waitFor(
      () => ids.slice(5).every((id) => second.deliveries.some((d) => d.eventId === id)),
      30_000,
      'redelivery',
    );
    const again = second.deliveries.filter((d) => ids.includes(d.eventId)).map((d) => d.eventId);
    expect(again).toEqual(ids.slice(5));
    second.call.end();
  });
});
