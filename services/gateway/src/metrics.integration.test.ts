// Every metric the gateway declares moves when the thing it describes happens, read the way
// Prometheus reads it: GET /metrics over a real socket, from a gateway on real Kafka and gRPC.
// (puente_publish_breaker_open is checked in broker-outage.integration.test.ts, which can stop
// its own broker.)
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';

import { Metadata, type ClientDuplexStream } from '@grpc/grpc-js';
import {
  PayloadFormat,
  type ShareServiceClient,
  StartPosition,
  type Delivery,
  type PublishRequest,
  type SubscribeRequest,
  type SubscribeResponse,
} from '@puente/proto';
import { KafkaBus } from '@puente/bus';
import { createCodec } from '@puente/contracts';
import { testKafkaBrokers } from '@puente/bus/testing';
import { friendlyToAvroJson } from '@puente/contracts/testing';
import { waitFor } from '@puente/runtime/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startTestGateway, type TestGateway } from './testing/index.js';
import { readDevTokens } from './dev/dev-tokens.js';
import { serveMetrics } from './metrics.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const TOPIC = 'us.cargo-manifests.v1';
const tokens = readDevTokens();
const auth = (name: string) => {
  const metadata = new Metadata();
  metadata.set('authorization', `Bearer ${tokens.get(name) ?? ''}`);
  return metadata;
};

const codec = createCodec();

function manifest(classification: string) {
  const value = JSON.parse(readFileSync(`${root}schemas/examples/cargo-manifests/us-northbound-laredo.json`, 'utf8'))
    .value as { meta: { eventId: string; classification: string }; manifestId: string };
  value.meta.eventId = randomUUID();
  value.meta.classification = classification;
  value.manifestId = `METRICS-${randomUUID().slice(0, 8)}`;
  return value;
}

const asJson = (value: unknown): PublishRequest => ({
  topic: TOPIC,
  key: '',
  payloadFormat: PayloadFormat.AVRO_JSON,
  payload: Buffer.from(JSON.stringify(friendlyToAvroJson(codec, TOPIC, value))),
  schemaId: 0,
});

describe('gateway metrics', () => {
  let bus: KafkaBus;
  let gateway: TestGateway;
  let server: Server;
  let client: ShareServiceClient;

  beforeAll(async () => {
    bus = new KafkaBus({ brokers: testKafkaBrokers(), clientId: 'metrics-test' });
    await bus.start();
    gateway = await startTestGateway({
      bus,
      codec,
    });
    server = await serveMetrics(gateway.gateway.metrics.registry, 0);
    client = gateway.client;
  });
  afterAll(async () => {
    client.close();
    server.close();
    await gateway.stop(1_000);
    await bus.stop();
  });

  /** One sample's value from the endpoint's text, 0 when absent (a counter not yet touched). */
  const scrape = async (sample: string): Promise<number> => {
    const response = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`);
    expect(response.status).toBe(200);
    const line = (await response.text()).split('\n').find((l) => l.startsWith(`${sample} `));
    return line ? Number(line.slice(sample.length + 1)) : 0;
  };

  const publish = (request: PublishRequest) =>
    new Promise<unknown>((resolve) => client.publish(request, auth('dev-us-cbp-publisher'), (e, r) => resolve(e ?? r)));

  it('counts publishes, refusals, subscribers, deliveries, withheld records, acks and dead letters', async () => {
    const topicLabel = `{topic="${TOPIC}"}`;
    const feedLabel = `{agreement="us-to-mx",topic="${TOPIC}"}`;
    // Withheld records are counted by the gate that withheld them (a RESTRICTED manifest: the ceiling).
    const withheldLabel = `{agreement="us-to-mx",topic="${TOPIC}",gate="ceiling"}`;
    const deadLetterLabel = `{topic="${TOPIC}",service="gateway",reason_class="unknown-schema"}`;
    const before = {
      published: await scrape(`puente_published_total${topicLabel}`),
      latency: await scrape('puente_publish_seconds_count'),
      rejected: await scrape('puente_publish_rejected_total{reason="PAYLOAD_UNDECODABLE"}'),
      delivered: await scrape(`puente_delivered_total${feedLabel}`),
      withheld: await scrape(`puente_withheld_total${withheldLabel}`),
      acked: await scrape('puente_acked_total'),
      poison: await scrape(`puente_dead_lettered_total${deadLetterLabel}`),
    };
    expect(await scrape('puente_subscribers')).toBe(0);

    const call: ClientDuplexStream<SubscribeRequest, SubscribeResponse> = client.subscribe(
      auth('dev-mx-anam-subscriber'),
    );
    const deliveries: Delivery[] = [];
    let started = false;
    call.on('data', (message: SubscribeResponse) => {
      if (message.kind?.$case === 'deliveries') deliveries.push(...message.kind.value.deliveries);
      else if (message.kind?.$case === 'started') started = true;
    });
    call.on('error', () => undefined);
    call.write({
      kind: {
        $case: 'start',
        value: {
          subscription: `metrics-${randomUUID().slice(0, 8)}`,
          feeds: [`us-to-mx/${TOPIC}`],
          payloadFormat: PayloadFormat.AVRO_CONFLUENT,
          startPosition: StartPosition.LATEST,
          maxUnacked: 100,
          maxBatchSize: 10,
          purposes: ['BORDER_SECURITY', 'CUSTOMS', 'CRIMINAL_INVESTIGATION', 'PROSECUTION', 'TRADE_FACILITATION'],
        },
      },
    });
    await waitFor(() => started, 30_000, 'the subscription to start');
    expect(await scrape('puente_subscribers')).toBe(1);

    // A RESTRICTED manifest above us-to-mx's ceiling for the topic, then a SENSITIVE one it releases.
    const restricted = manifest('RESTRICTED');
    const shared = manifest('SENSITIVE');
    expect(await publish(asJson(restricted))).toMatchObject({ eventId: restricted.meta.eventId });
    expect(await publish(asJson(shared))).toMatchObject({ eventId: shared.meta.eventId });
    expect(await scrape(`puente_published_total${topicLabel}`)).toBe(before.published + 2);
    expect(await scrape('puente_publish_seconds_count')).toBe(before.latency + 2);

    expect(await publish({ ...asJson({}), payload: Buffer.from('{not json') })).toMatchObject({ code: 3 });
    expect(await scrape('puente_publish_rejected_total{reason="PAYLOAD_UNDECODABLE"}')).toBe(before.rejected + 1);

    await waitFor(() => deliveries.some((d) => d.eventId === shared.meta.eventId), 30_000, 'the delivery');
    await waitFor(
      async () => (await scrape(`puente_withheld_total${withheldLabel}`)) === before.withheld + 1,
      10_000,
      'the withheld record to be counted',
    );
    expect(await scrape(`puente_delivered_total${feedLabel}`)).toBe(before.delivered + 1);

    const delivery = deliveries.find((d) => d.eventId === shared.meta.eventId);
    call.write({ kind: { $case: 'ack', value: { cursors: [delivery?.cursor ?? ''] } } });
    await waitFor(
      async () => (await scrape('puente_acked_total')) === before.acked + 1,
      10_000,
      'the acknowledgement to be counted',
    );

    // A record produced around the gateway that no schema can read: dead-lettered, and counted.
    await bus.publish(TOPIC, [{ key: 'metrics-poison', value: Buffer.from([0, 0, 0, 0x7f, 0x7f, 1, 2, 3]) }]);
    await waitFor(
      async () => (await scrape(`puente_dead_lettered_total${deadLetterLabel}`)) === before.poison + 1,
      30_000,
      'the dead letter to be counted',
    );

    call.end();
    await waitFor(async () => (await scrape('puente_subscribers')) === 0, 10_000, 'the subscriber to leave');
  });
});
