// A takeover within one gateway goes the way one across instances does (handover.ts): the old
// stream commits and confirms the acks it received, ends ABORTED (SUBSCRIPTION_SUPERSEDED), and
// the new one starts where they left it. MemoryBus and real gRPC on loopback.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { Metadata, status, type ServiceError } from '@grpc/grpc-js';
import {
  ErrorReason,
  PayloadFormat,
  type ShareServiceClient,
  StartPosition,
  type Delivery,
  type SubscribeResponse,
} from '@puente/proto';
import { MemoryBus } from '@puente/bus';
import { type CargoManifest, createCodec } from '@puente/contracts';
import { waitFor } from '@puente/runtime/testing';
import { afterEach, describe, expect, it } from 'vitest';

import { errorDetailsOf, startTestGateway, type TestGateway } from '../testing/index.js';
import { readDevTokens } from '../dev/dev-tokens.js';

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

/** A stream that acknowledges only when told to. */
function open(client: ShareServiceClient, name: string) {
  const metadata = new Metadata();
  metadata.set('authorization', `Bearer ${tokens.get('dev-mx-anam-subscriber') ?? ''}`);
  const call = client.subscribe(metadata);
  const deliveries: Delivery[] = [];
  const committed: string[] = [];
  let started = false;
  let error: ServiceError | undefined;
  call.on('error', (e: ServiceError) => (error = e));
  call.on('data', (message: SubscribeResponse) => {
    const kind = message.kind;
    if (kind?.$case === 'started') started = true;
    if (kind?.$case === 'deliveries') deliveries.push(...kind.value.deliveries);
    if (kind?.$case === 'committed') committed.push(...kind.value.cursors);
  });
  call.write({
    kind: {
      $case: 'start',
      value: {
        subscription: name,
        feeds: [`us-to-mx/${TOPIC}`],
        payloadFormat: PayloadFormat.AVRO_CONFLUENT,
        startPosition: StartPosition.LATEST,
        maxUnacked: 100,
        maxBatchSize: 10,
        purposes: ['BORDER_SECURITY', 'CUSTOMS', 'CRIMINAL_INVESTIGATION', 'PROSECUTION', 'TRADE_FACILITATION'],
      },
    },
  });
  return { call, deliveries, committed, started: () => started, error: () => error };
}

describe('a subscription taken over on the same gateway', () => {
  let gateway: TestGateway | undefined;
  let bus: MemoryBus | undefined;
  afterEach(async () => {
    gateway?.client.close();
    await gateway?.stop(500);
    await bus?.stop();
  });

  it('commits the old stream’s acks before it ends SUBSCRIPTION_SUPERSEDED; the new one starts after them', async () => {
    bus = new MemoryBus();
    await bus.start();
    gateway = await startTestGateway({ bus, codec, partitions: 1 });
    const old = open(gateway.client, 'taken');
    await waitFor(old.started, 5_000, 'the first stream to start');
    const ids: string[] = [];
    for (let i = 0; i < 10; i++) {
      const manifest: CargoManifest = {
        ...example,
        manifestId: 'TAKEN',
        meta: { ...example.meta, eventId: randomUUID() },
      };
      ids.push(manifest.meta.eventId);
      await bus.publish(TOPIC, [{ key: manifest.manifestId, value: codec.encode(TOPIC, manifest) }]);
    }
    await waitFor(() => old.deliveries.length === 10, 5_000, 'ten deliveries');
    // Acknowledged, and the next stream opened at once, before the commit's confirmation.
    const sixth = old.deliveries[5]!.cursor;
    old.call.write({ kind: { $case: 'ack', value: { cursors: [sixth] } } });
    const next = open(gateway.client, 'taken');

    await waitFor(() => old.error() !== undefined, 5_000, 'the first stream to end');
    expect(old.error()?.code).toBe(status.ABORTED);
    expect(errorDetailsOf(old.error()).reason).toBe(ErrorReason.SUBSCRIPTION_SUPERSEDED);
    expect(old.committed).toEqual([sixth]);
    await waitFor(() => next.deliveries.length >= 4, 5_000, 'the unacknowledged four');
    expect(next.deliveries.map((d) => d.eventId)).toEqual(ids.slice(6));
    expect(next.error()).toBeUndefined();
    const handovers = await gateway.gateway.metrics.subscriptionHandovers.get();
    expect(handovers.values[0]?.value).toBe(1);
    next.call.end();
  });

  it('moves a new LATEST subscription that acknowledged nothing yet: the new stream gets what the old one sent', async () => {
    bus = new MemoryBus();
    await bus.start();
    gateway = await startTestGateway({ bus, codec, partitions: 1 });
    const old = open(gateway.client, 'unacked');
    await waitFor(old.started, 5_000, 'the first stream to start');
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const manifest: CargoManifest = {
        ...example,
        manifestId: 'UNACKED',
        meta: { ...example.meta, eventId: randomUUID() },
      };
      ids.push(manifest.meta.eventId);
      await bus.publish(TOPIC, [{ key: manifest.manifestId, value: codec.encode(TOPIC, manifest) }]);
    }
    await waitFor(() => old.deliveries.length === 5, 5_000, 'five deliveries');
    // Nothing acknowledged: LATEST must not mean "after these" on the next stream.
    const next = open(gateway.client, 'unacked');
    await waitFor(() => old.error() !== undefined, 5_000, 'the first stream to end');
    expect(errorDetailsOf(old.error()).reason).toBe(ErrorReason.SUBSCRIPTION_SUPERSEDED);
    await waitFor(() => next.deliveries.length >= 5, 5_000, 'the five again');
    expect(next.deliveries.map((d) => d.eventId)).toEqual(ids);
    next.call.end();
  });
});
