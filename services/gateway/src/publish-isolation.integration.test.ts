// Issue 19: many caught-up partners on one feed must not hold publishes back. With a pump loop per
// subscription, 64 of them stalled the event loop for seconds and publishes failed UNAVAILABLE
// while Kafka was healthy. Here 48 subscribers (two agencies: two views) read the cargo feed at
// full speed, acknowledging every batch, while a publisher publishes a few thousand events in
// bursts and single publishes probe in between: every publish is answered OK and every subscriber
// receives every event. Real Kafka, real gRPC sockets.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { Metadata, type ClientDuplexStream, type ServiceError } from '@grpc/grpc-js';
import {
  PayloadFormat,
  type PublishRequest,
  type PublishResponse,
  type PublishStreamResponse,
  type ShareServiceClient,
  StartPosition,
  type SubscribeRequest,
  type SubscribeResponse,
} from '@puente/proto';
import { KafkaBus } from '@puente/bus';
import { createCodec } from '@puente/contracts';
import { testKafkaBrokers } from '@puente/bus/testing';
import { friendlyToAvroJson } from '@puente/contracts/testing';
import { waitFor } from '@puente/runtime/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { readDevTokens } from './dev/dev-tokens.js';
import { createGatewayMetrics } from './metrics.js';
import { startTestGateway, type TestGateway } from './testing/index.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const TOPIC = 'us.cargo-manifests.v1';
const SUBSCRIBERS_PER_AGENCY = 24;
/** Events published on one PublishStream, in batches of BULK_BATCH written at once. */
const BULK_EVENTS = 3_000;
const BULK_BATCH = 100;
/** Single publishes made one after another while the bulk is on its way (at most). */
const MAX_PROBES = 2_000;
const codec = createCodec();
const tokens = readDevTokens();
const example = JSON.parse(
  readFileSync(`${root}schemas/examples/cargo-manifests/us-northbound-laredo.json`, 'utf8'),
) as { value: Record<string, any> };

const auth = (name: string) => {
  const metadata = new Metadata();
  metadata.set('authorization', `Bearer ${tokens.get(name) ?? ''}`);
  return metadata;
};

/** A cargo manifest the US → MX agreement releases to MX agencies for customs. */
function manifest(eventId: string): PublishRequest {
  const value = structuredClone(example.value);
  value['meta'].eventId = eventId;
  value['meta'].classification = 'SENSITIVE';
  value['manifestId'] = `ISOLATION-${eventId.slice(0, 8)}`;
  return {
    topic: TOPIC,
    key: '',
    payloadFormat: PayloadFormat.AVRO_JSON,
    payload: Buffer.from(JSON.stringify(friendlyToAvroJson(codec, TOPIC, value))),
    schemaId: 0,
  };
}

interface Subscriber {
  readonly call: ClientDuplexStream<SubscribeRequest, SubscribeResponse>;
  /** EventIds received (other tests publish to the topic too: only ours are counted). */
  readonly received: Set<string>;
  readonly caughtUp: () => boolean;
  readonly error: () => ServiceError | undefined;
}

describe('publishing while many partners read one feed', () => {
  let bus: KafkaBus;
  let gateway: TestGateway;
  let client: ShareServiceClient;
  const subscribers: Subscriber[] = [];
  const metrics = createGatewayMetrics();

  beforeAll(async () => {
    bus = new KafkaBus({ brokers: testKafkaBrokers(), clientId: 'publish-isolation-test', heartbeatIntervalMs: 500 });
    await bus.start();
    gateway = await startTestGateway({
      bus,
      codec,
      metrics,
      limits: { maxStreamsPerCaller: SUBSCRIBERS_PER_AGENCY + 8 },
    });
    client = gateway.client;
  });

  afterAll(async () => {
    for (const subscriber of subscribers) subscriber.call.end();
    client?.close();
    await gateway?.stop(1_000);
    await bus?.stop();
  });

  function subscribe(token: string, ours: ReadonlySet<string>): Subscriber {
    const call = client.subscribe(auth(token));
    const received = new Set<string>();
    let caughtUp = false;
    let error: ServiceError | undefined;
    call.on('data', (message: SubscribeResponse) => {
      const kind = message.kind;
      if (kind?.$case === 'caughtUp') caughtUp = true;
      if (kind?.$case !== 'deliveries') return;
      for (const delivery of kind.value.deliveries) if (ours.has(delivery.eventId)) received.add(delivery.eventId);
      const last = kind.value.deliveries.at(-1);
      if (last) call.write({ kind: { $case: 'ack', value: { cursors: [last.cursor] } } });
    });
    call.on('error', (e: ServiceError) => (error = e));
    call.write({
      kind: {
        $case: 'start',
        value: {
          subscription: `isolation-${randomUUID().slice(0, 8)}`,
          feeds: [`us-to-mx/${TOPIC}`],
          payloadFormat: PayloadFormat.AVRO_CONFLUENT,
          startPosition: StartPosition.LATEST,
          // Large batches, as a partner reading at full speed asks: many records per turn each.
          maxUnacked: 2_000,
          maxBatchSize: 500,
          purposes: ['CUSTOMS'],
        },
      },
    });
    const subscriber = { call, received, caughtUp: () => caughtUp, error: () => error };
    subscribers.push(subscriber);
    return subscriber;
  }

  it('answers every publish OK, and every subscriber receives every event', async () => {
    const bulkIds = Array.from({ length: BULK_EVENTS }, () => randomUUID());
    const probeIds = Array.from({ length: MAX_PROBES }, () => randomUUID());
    const ours = new Set([...bulkIds, ...probeIds]);
    for (let i = 0; i < SUBSCRIBERS_PER_AGENCY; i++) {
      subscribe('dev-mx-anam-subscriber', ours);
      subscribe('dev-mx-fgr-subscriber', ours);
    }
    await waitFor(() => subscribers.every((s) => s.caughtUp() || s.error()), 60_000, 'every subscriber caught up');
    expect(subscribers.map((s) => s.error()?.message).filter(Boolean)).toEqual([]);

    const failures: string[] = [];
    // Figures for the report, not assertions: the slowest probe, and how long each phase took.
    let slowest = 0;
    const began = Date.now();
    // The bulk: one PublishStream, every batch written at once, so the feed fills in bursts and
    // every subscriber has hundreds of records to take at each turn.
    const stream = client.publishStream(auth('dev-us-cbp-publisher'));
    let answered = 0;
    const bulkDone = new Promise<void>((resolve) => {
      stream.on('data', (response: PublishStreamResponse) => {
        answered++;
        for (const { outcome } of response.outcomes) {
          if (outcome?.$case === 'rejected')
            failures.push(`bulk ${outcome.value.code} ${outcome.value.message.slice(0, 80)}`);
        }
      });
      stream.on('error', (error: ServiceError) => {
        failures.push(`bulk stream ${error.code} ${error.details}`);
        resolve();
      });
      stream.on('end', resolve);
    });
    for (let from = 0, sequence = 1; from < bulkIds.length; from += BULK_BATCH, sequence++) {
      stream.write({ sequence: String(sequence), events: bulkIds.slice(from, from + BULK_BATCH).map(manifest) });
    }
    stream.end();
    // The probes: single publishes, one after another, for as long as the bulk is on its way.
    let probes = 0;
    let bulkOver = false;
    void bulkDone.then(() => (bulkOver = true));
    while (!bulkOver && probes < MAX_PROBES) {
      const sent = Date.now();
      await new Promise<PublishResponse | undefined>((resolve) => {
        client.publish(manifest(probeIds[probes]!), auth('dev-us-cbp-publisher'), (error, response) => {
          slowest = Math.max(slowest, Date.now() - sent);
          if (error) failures.push(`probe ${error.code} ${error.details}`);
          resolve(response);
        });
      });
      probes++;
    }
    await bulkDone;
    const published = Date.now();
    expect(failures).toEqual([]);
    expect(answered).toBe(Math.ceil(BULK_EVENTS / BULK_BATCH));

    const expected = BULK_EVENTS + probes;
    await waitFor(
      () => subscribers.every((s) => s.received.size === expected || s.error()),
      180_000,
      'every subscriber received every event',
    );
    expect(subscribers.map((s) => s.error()?.message).filter(Boolean)).toEqual([]);
    expect(subscribers.map((s) => s.received.size)).toEqual(subscribers.map(() => expected));
    // Two views (ANAM's and FGR's): each record judged about twice, not once per subscriber.
    const misses = (await metrics.viewCacheMisses.get()).values[0]?.value ?? 0;
    const hits = (await metrics.viewCacheHits.get()).values[0]?.value ?? 0;
    console.log(
      `publish isolation: ${BULK_EVENTS} bulk events and ${probes} probes to ${subscribers.length} subscribers; ` +
        `published in ${published - began} ms (slowest probe ${slowest} ms), all received ` +
        `${Date.now() - began} ms after the first; view cache hits ${hits}, misses ${misses}`,
    );
    expect(hits).toBeGreaterThan(misses);
  });
});
