// The door on a real Kafka broker and real gRPC sockets: Avro binary is validated as completely
// as Avro JSON (a non-UUID eventId is refused naming meta.eventId), schema_id must match the
// framing, and AVRO_JSON is the Avro specification's JSON both ways — a publisher's spec JSON is
// accepted, and what a subscriber receives in AVRO_JSON an independent implementation
// (python3-avro) reads as the view schema.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { Metadata, status, type ServiceError } from '@grpc/grpc-js';
import {
  ErrorReason,
  errorReasonOf,
  fromRpcStatus,
  PayloadFormat,
  rpcStatusFromError,
  type ShareServiceClient,
  StartPosition,
  type Delivery,
  type PublishRequest,
  type PublishResponse,
  type PublishStreamResponse,
  type SubscribeResponse,
} from '@puente/proto';
import { KafkaBus } from '@puente/bus';
import { createCodec, MAGIC_BYTE } from '@puente/contracts';
import { testKafkaBrokers } from '@puente/bus/testing';
import { askPythonAvroJson, pythonAvroAvailable } from '@puente/contracts/testing';
import { waitFor } from '@puente/runtime/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startTestGateway, type TestGateway } from './testing/index.js';
import { readDevTokens } from './dev/dev-tokens.js';

const TOPIC = 'us.cargo-manifests.v1';
const root = fileURLToPath(new URL('../../../', import.meta.url));
const codec = createCodec();
const tokens = readDevTokens();
const example = (
  JSON.parse(readFileSync(`${root}schemas/examples/cargo-manifests/us-northbound-laredo.json`, 'utf8')) as {
    value: Record<string, any>;
  }
).value;

function manifest(): Record<string, any> {
  const value = structuredClone(example);
  value['meta'].eventId = randomUUID();
  value['meta'].classification = 'SENSITIVE';
  value['manifestId'] = `DOOR-${randomUUID().slice(0, 8)}`;
  return value;
}

const auth = (name: string) => {
  const metadata = new Metadata();
  metadata.set('authorization', `Bearer ${tokens.get(name) ?? ''}`);
  return metadata;
};

describe('the door on real Kafka and gRPC', () => {
  let bus: KafkaBus;
  let gateway: TestGateway;
  let client: ShareServiceClient;

  const publish = (request: PublishRequest) =>
    new Promise<PublishResponse>((resolve, reject) => {
      client.publish(request, auth('dev-us-cbp-publisher'), (error, response) =>
        error ? reject(error) : resolve(response),
      );
    });
  const refusal = async (promise: Promise<unknown>) => {
    const error = (await promise.then(
      () => undefined,
      (e: unknown) => e,
    )) as ServiceError | undefined;
    if (!error) throw new Error('expected the call to be refused');
    const rpc = rpcStatusFromError(error);
    const details = rpc ? fromRpcStatus(rpc) : {};
    return {
      code: error.code,
      reason: errorReasonOf(details),
      fields: details.badRequest?.fieldViolations.map((v) => v.field) ?? [],
      message: error.details,
    };
  };

  beforeAll(async () => {
    bus = new KafkaBus({ brokers: testKafkaBrokers(), clientId: 'door-test', heartbeatIntervalMs: 500 });
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

  /** A valid manifest's bytes with the eventId (meta's first field) written as a plain, non-UUID string. */
  function nonUuidEventId(): Buffer {
    const value = codec.fromFriendlyJson(TOPIC, manifest());
    const valid = codec.encode(TOPIC, value);
    const eventId = Buffer.from('not-a-uuid');
    expect(valid[5]).toBe(value.meta.eventId.length * 2);
    return Buffer.concat([
      valid.subarray(0, 5),
      Buffer.from([eventId.length * 2]),
      eventId,
      valid.subarray(6 + value.meta.eventId.length),
    ]);
  }

  it('refuses Avro binary whose meta.eventId is not a UUID with SCHEMA_REJECTED naming meta.eventId', async () => {
    const payload = nonUuidEventId();
    const refused = await refusal(
      publish({ topic: TOPIC, key: '', payloadFormat: PayloadFormat.AVRO_CONFLUENT, payload, schemaId: 0 }),
    );
    expect(refused).toMatchObject({ code: status.INVALID_ARGUMENT, reason: ErrorReason.SCHEMA_REJECTED });
    expect(refused.fields).toEqual(['meta.eventId']);
    expect(refused.message).toContain('8-4-4-4-12');
  });

  it('refuses the same event on PublishStream, accepting its valid neighbour', async () => {
    const call = client.publishStream(auth('dev-us-cbp-publisher'));
    const responses: PublishStreamResponse[] = [];
    call.on('data', (response: PublishStreamResponse) => responses.push(response));
    const ended = new Promise<void>((resolve, reject) => {
      call.on('end', resolve);
      call.on('error', reject);
    });
    const good = codec.encode(TOPIC, codec.fromFriendlyJson(TOPIC, manifest()));
    call.write({
      sequence: '1',
      events: [good, nonUuidEventId()].map((payload) => ({
        topic: TOPIC,
        key: '',
        payloadFormat: PayloadFormat.AVRO_CONFLUENT,
        payload,
        schemaId: 0,
      })),
    });
    call.end();
    await ended;
    const outcomes = responses[0]?.outcomes.map((o) => o.outcome);
    expect(outcomes?.map((o) => o?.$case)).toEqual(['accepted', 'rejected']);
    const rejected = outcomes?.[1];
    if (rejected?.$case !== 'rejected') throw new Error('expected a rejection');
    expect(rejected.value.code).toBe(status.INVALID_ARGUMENT);
    const details = fromRpcStatus(rejected.value);
    expect(errorReasonOf(details)).toBe(ErrorReason.SCHEMA_REJECTED);
    expect(details.badRequest?.fieldViolations.map((v) => v.field)).toEqual(['meta.eventId']);
  });

  it('refuses a schema_id that differs from the framing with REQUEST_INVALID naming schema_id', async () => {
    const payload = codec.encode(TOPIC, codec.fromFriendlyJson(TOPIC, manifest()));
    const refused = await refusal(
      publish({
        topic: TOPIC,
        key: '',
        payloadFormat: PayloadFormat.AVRO_CONFLUENT,
        payload,
        schemaId: payload.readInt32BE(1) + 1,
      }),
    );
    expect(refused).toMatchObject({
      code: status.INVALID_ARGUMENT,
      reason: ErrorReason.REQUEST_INVALID,
      fields: ['schema_id'],
    });
  });

  it('accepts spec Avro JSON, refuses the friendly form, and delivers spec Avro JSON of the view', async () => {
    const call = client.subscribe(auth('dev-mx-anam-subscriber'));
    const deliveries: Delivery[] = [];
    let viewSchema = '';
    let viewSchemaId = 0;
    call.on('data', (message: SubscribeResponse) => {
      if (message.kind?.$case === 'deliveries') deliveries.push(...message.kind.value.deliveries);
      if (message.kind?.$case === 'started') {
        viewSchema = message.kind.value.feeds[0]?.viewSchema ?? '';
        viewSchemaId = message.kind.value.feeds[0]?.viewSchemaId ?? 0;
      }
    });
    call.on('error', () => undefined);
    call.write({
      kind: {
        $case: 'start',
        value: {
          subscription: `door-${randomUUID().slice(0, 8)}`,
          feeds: [`us-to-mx/${TOPIC}`],
          payloadFormat: PayloadFormat.AVRO_JSON,
          startPosition: StartPosition.LATEST,
          maxUnacked: 100,
          maxBatchSize: 10,
          purposes: ['BORDER_SECURITY', 'CUSTOMS', 'CRIMINAL_INVESTIGATION', 'PROSECUTION', 'TRADE_FACILITATION'],
        },
      },
    });
    await waitFor(() => viewSchemaId !== 0, 20_000, 'the subscription to start');

    const friendly = manifest();
    const friendlyRefusal = await refusal(
      publish({
        topic: TOPIC,
        key: '',
        payloadFormat: PayloadFormat.AVRO_JSON,
        payload: Buffer.from(JSON.stringify(friendly)),
        schemaId: 0,
      }),
    );
    // ISO timestamps and unwrapped unions are not Avro JSON.
    expect(friendlyRefusal).toMatchObject({ code: status.INVALID_ARGUMENT, reason: ErrorReason.SCHEMA_REJECTED });
    expect(friendlyRefusal.fields).toEqual(expect.arrayContaining(['meta.occurredAt', 'estimatedArrival', 'driver']));

    const value = manifest();
    const spec = codec.toAvroJson(TOPIC, codec.fromFriendlyJson(TOPIC, value)) as Record<string, any>;
    expect(typeof spec['estimatedArrival']).toBe('number');
    const published = await publish({
      topic: TOPIC,
      key: '',
      payloadFormat: PayloadFormat.AVRO_JSON,
      payload: Buffer.from(JSON.stringify(spec)),
      schemaId: 0,
    });
    expect(published.eventId).toBe(value['meta'].eventId);

    await waitFor(() => deliveries.some((d) => d.eventId === value['meta'].eventId), 30_000, 'the delivery');
    const delivery = deliveries.find((d) => d.eventId === value['meta'].eventId)!;
    expect(delivery).toMatchObject({ payloadFormat: PayloadFormat.AVRO_JSON, schemaId: viewSchemaId });
    const text = delivery.payload.toString('utf8');
    const view = JSON.parse(text) as Record<string, any>;
    expect(view['estimatedArrival']).toBe(Date.parse(value['estimatedArrival'] as string));
    // A nullable record is wrapped in its type's full name, as the view schema names it.
    const driverType = (JSON.parse(viewSchema) as { fields: { name: string; type: any }[] }).fields.find(
      (f) => f.name === 'driver',
    )?.type[1].name as string;
    expect(Object.keys(view['driver'])).toEqual([driverType]);
    call.end();

    if (process.env['CI'] === 'true') expect(pythonAvroAvailable).toBe(true);
    if (!pythonAvroAvailable) return;
    const [read] = askPythonAvroJson({
      fromSpecJson: [{ name: 'delivery', schema: viewSchema, json: text }],
    }).fromSpecJson;
    expect(read).toMatchObject({ valid: true });
    // python's binary of the delivered JSON is the view we would write in AVRO_CONFLUENT.
    const body = Buffer.from(read!.body!, 'base64');
    const framed = Buffer.concat([Buffer.from([MAGIC_BYTE, 0, 0, 0, 0]), body]);
    framed.writeInt32BE(viewSchemaId, 1);
    expect(codec.toAvroJsonWithSchemaId(viewSchemaId, codec.decode(framed).value)).toEqual(view);
  });
});
