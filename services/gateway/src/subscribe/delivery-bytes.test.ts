// Bytes of deliveries held unacknowledged (issue 19), through a gateway on MemoryBus and real gRPC
// on loopback: a stream over its own byte cap stops collecting until it acknowledges, the shared
// cap holds every stream back together, and once the streams close the bytes in use and the view
// cache are back to 0.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { Metadata, type ClientDuplexStream } from '@grpc/grpc-js';
import {
  PayloadFormat,
  StartPosition,
  type Delivery,
  type SubscribeRequest,
  type SubscribeResponse,
} from '@puente/proto';
import { MemoryBus } from '@puente/bus';
import { createCodec } from '@puente/contracts';
import { waitFor } from '@puente/runtime/testing';
import { afterEach, describe, expect, it } from 'vitest';

import { readDevTokens } from '../dev/dev-tokens.js';
import type { GatewayLimits } from '../gateway-options.js';
import { createGatewayMetrics, type GatewayMetrics } from '../metrics.js';
import { startTestGateway, type TestGateway } from '../testing/index.js';

const root = fileURLToPath(new URL('../../../../', import.meta.url));
const TOPIC = 'us.cargo-manifests.v1';
const codec = createCodec();
const tokens = readDevTokens();
const example = codec.fromFriendlyJson(
  TOPIC,
  (
    JSON.parse(readFileSync(`${root}schemas/examples/cargo-manifests/us-northbound-laredo.json`, 'utf8')) as {
      value: unknown;
    }
  ).value,
);

/** A subscriber that acknowledges only when told to. */
interface ManualSubscriber {
  readonly call: ClientDuplexStream<SubscribeRequest, SubscribeResponse>;
  readonly received: Delivery[];
  readonly caughtUp: () => number;
  ackAll(): void;
  closed: Promise<unknown>;
}

function subscribe(gateway: TestGateway, batch: number): ManualSubscriber {
  const metadata = new Metadata();
  metadata.set('authorization', `Bearer ${tokens.get('dev-mx-anam-subscriber') ?? ''}`);
  const call = gateway.client.subscribe(metadata);
  const received: Delivery[] = [];
  let caughtUp = 0;
  let acked = 0;
  call.on('data', (message: SubscribeResponse) => {
    if (message.kind?.$case === 'deliveries') received.push(...message.kind.value.deliveries);
    if (message.kind?.$case === 'caughtUp') caughtUp++;
  });
  const closed = new Promise((resolve) => {
    call.on('status', resolve);
    call.on('error', () => undefined);
  });
  call.write({
    kind: {
      $case: 'start',
      value: {
        subscription: `bytes-${randomUUID().slice(0, 8)}`,
        feeds: [`us-to-mx/${TOPIC}`],
        payloadFormat: PayloadFormat.AVRO_CONFLUENT,
        startPosition: StartPosition.LATEST,
        maxUnacked: 1_000,
        maxBatchSize: batch,
        purposes: ['CUSTOMS'],
      },
    },
  });
  return {
    call,
    received,
    caughtUp: () => caughtUp,
    ackAll() {
      const cursors = received.slice(acked).map((d) => d.cursor);
      acked = received.length;
      if (cursors.length > 0) call.write({ kind: { $case: 'ack', value: { cursors } } });
    },
    closed,
  };
}

const gaugeValue = async (gauge: GatewayMetrics['deliveryBytesInUse']) => (await gauge.get()).values[0]?.value ?? 0;

/** Gives the gateway time to take more, had it been allowed to: nothing may arrive meanwhile. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 300));

describe('unacknowledged delivery bytes', () => {
  let gateway: TestGateway | undefined;
  let bus: MemoryBus | undefined;
  afterEach(async () => {
    await gateway?.stop(500);
    await bus?.stop();
  });

  async function setUp(limits: Partial<GatewayLimits>, metrics: GatewayMetrics): Promise<TestGateway> {
    bus = new MemoryBus();
    await bus.start();
    gateway = await startTestGateway({ bus, codec, partitions: 1, limits, metrics });
    return gateway;
  }

  async function publish(count: number): Promise<void> {
    const events = Array.from({ length: count }, () => ({
      ...example,
      meta: {
        ...example.meta,
        eventId: randomUUID(),
        classification: 'SENSITIVE' as const,
        purposes: ['CUSTOMS' as const],
      },
    }));
    await bus!.publish(
      TOPIC,
      events.map((event) => ({ key: event.manifestId, value: codec.encode(TOPIC, event) })),
    );
  }

  it('stop a stream over its own cap until it acknowledges, then resume; all back to 0 once closed', async () => {
    const metrics = createGatewayMetrics();
    // Smaller than one delivery: a stream holding anything is over it, one holding nothing takes a batch.
    const gw = await setUp({ maxUnackedBytes: 1 }, metrics);
    const subscriber = subscribe(gw, 5);
    await waitFor(() => subscriber.caughtUp() > 0, 5_000, 'caught up');
    await publish(20);
    await waitFor(() => subscriber.received.length >= 5, 5_000, 'first batch');
    await settle();
    expect(subscriber.received).toHaveLength(5);
    expect(await gaugeValue(metrics.deliveryBytesInUse)).toBeGreaterThan(0);
    for (let expected = 10; expected <= 20; expected += 5) {
      subscriber.ackAll();
      await waitFor(() => subscriber.received.length >= expected, 5_000, `${expected} deliveries`);
      await settle();
      expect(subscriber.received).toHaveLength(expected);
    }
    subscriber.ackAll();
    // Acked, the bytes are back; the view cache holds the verdicts while the stream is open.
    await waitFor(async () => (await gaugeValue(metrics.deliveryBytesInUse)) === 0, 5_000, 'bytes given back');
    expect(await gaugeValue(metrics.viewCacheBytes)).toBeGreaterThan(0);
    subscriber.call.end();
    await subscriber.closed;
    await waitFor(async () => (await gaugeValue(metrics.viewCacheBytes)) === 0, 5_000, 'view cache emptied');
  });

  it('hold every stream back at the shared cap, and give the bytes back when they close unacknowledged', async () => {
    const metrics = createGatewayMetrics();
    const gw = await setUp({ maxUnackedBytesTotal: 1 }, metrics);
    const a = subscribe(gw, 4);
    const b = subscribe(gw, 4);
    await waitFor(() => a.caughtUp() > 0 && b.caughtUp() > 0, 5_000, 'caught up');
    await publish(12);
    // Each may take one batch while it holds nothing; then the shared cap holds both.
    await waitFor(() => a.received.length >= 4 && b.received.length >= 4, 5_000, 'first batches');
    await settle();
    expect([a.received.length, b.received.length]).toEqual([4, 4]);
    // B acknowledges: it holds nothing again and takes one batch more; A, still holding, waits.
    b.ackAll();
    await waitFor(() => b.received.length >= 8, 5_000, 'b second batch');
    await settle();
    expect([a.received.length, b.received.length]).toEqual([4, 8]);
    // Both judged the same records under one view: each record evaluated once.
    const misses = (await metrics.viewCacheMisses.get()).values[0]?.value ?? 0;
    const hits = (await metrics.viewCacheHits.get()).values[0]?.value ?? 0;
    expect(misses).toBe(8);
    expect(hits).toBe(4);
    expect(await gaugeValue(metrics.deliveryBytesInUse)).toBeGreaterThan(0);
    // Closed without acknowledging: their bytes are given back all the same.
    a.call.end();
    b.call.end();
    await Promise.all([a.closed, b.closed]);
    await waitFor(async () => (await gaugeValue(metrics.deliveryBytesInUse)) === 0, 5_000, 'bytes given back');
    await waitFor(async () => (await gaugeValue(metrics.viewCacheBytes)) === 0, 5_000, 'view cache emptied');
  });
});
