// `caught_up` as share.proto promises it: sent after `started` when there is nothing to deliver,
// and again whenever the subscription catches up after falling behind — never ahead of a
// delivery it covers. Real Kafka, real gRPC sockets.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { Metadata, type ClientDuplexStream, type ServiceError } from '@grpc/grpc-js';
import {
  PayloadFormat,
  type ShareServiceClient,
  StartPosition,
  type SubscribeRequest,
  type SubscribeResponse,
} from '@puente/proto';
import { KafkaBus } from '@puente/bus';
import { type CargoManifest, createCodec } from '@puente/contracts';
import { testKafkaBrokers } from '@puente/bus/testing';
import { waitFor } from '@puente/runtime/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startTestGateway, type TestGateway } from '../testing/index.js';
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

/** What a subscriber saw, in order: `started`, `caught_up`, or the eventIds of a delivery batch. */
type Seen = 'started' | 'caught_up' | 'committed' | readonly string[];

describe('caught_up on a Subscribe stream', () => {
  let bus: KafkaBus;
  let gateway: TestGateway;
  let client: ShareServiceClient;
  const calls: ClientDuplexStream<SubscribeRequest, SubscribeResponse>[] = [];

  beforeAll(async () => {
    bus = new KafkaBus({ brokers: testKafkaBrokers(), clientId: 'caught-up-test', heartbeatIntervalMs: 500 });
    await bus.start();
    gateway = await startTestGateway({
      bus,
      codec,
    });
    client = gateway.client;
  });

  afterAll(async () => {
    for (const call of calls) call.end();
    client?.close();
    await gateway?.stop(1_000);
    await bus?.stop();
  });

  function subscribe(startPosition: StartPosition) {
    const metadata = new Metadata();
    metadata.set('authorization', `Bearer ${tokens.get('dev-mx-anam-subscriber') ?? ''}`);
    const call = client.subscribe(metadata);
    calls.push(call);
    const seen: Seen[] = [];
    let error: ServiceError | undefined;
    call.on('data', (message: SubscribeResponse) => {
      const kind = message.kind;
      if (kind?.$case === 'deliveries') {
        seen.push(kind.value.deliveries.map((d) => d.eventId));
        const last = kind.value.deliveries.at(-1);
        if (last) call.write({ kind: { $case: 'ack', value: { cursors: [last.cursor] } } });
      } else if (kind?.$case === 'caughtUp') {
        expect(kind.value.asOf?.getTime()).toBeGreaterThan(Date.now() - 60_000);
        seen.push('caught_up');
      } else if (kind?.$case === 'started' || kind?.$case === 'committed') seen.push(kind.$case);
    });
    call.on('error', (e: ServiceError) => (error = e));
    call.write({
      kind: {
        $case: 'start',
        value: {
          subscription: `caught-up-${randomUUID().slice(0, 8)}`,
          feeds: [`us-to-mx/${TOPIC}`],
          payloadFormat: PayloadFormat.AVRO_CONFLUENT,
          startPosition,
          maxUnacked: 50,
          maxBatchSize: 5,
          purposes: ['BORDER_SECURITY', 'CUSTOMS', 'CRIMINAL_INVESTIGATION', 'PROSECUTION', 'TRADE_FACILITATION'],
        },
      },
    });
    const caughtUps = () => seen.filter((s) => s === 'caught_up').length;
    const delivered = () => seen.flatMap((s) => (Array.isArray(s) ? s : []));
    /** Index in `seen` of the batch holding `eventId`. */
    const batchOf = (eventId: string) => seen.findIndex((s) => Array.isArray(s) && s.includes(eventId));
    return { seen, caughtUps, delivered, batchOf, error: () => error };
  }

  const publish = async (count: number): Promise<string[]> => {
    const ids: string[] = [];
    const records = Array.from({ length: count }, (_, i) => {
      const manifest: CargoManifest = {
        ...example,
        manifestId: `CAUGHT-UP-${randomUUID().slice(0, 8)}-${i}`,
        meta: { ...example.meta, eventId: randomUUID(), classification: 'SENSITIVE' },
      };
      ids.push(manifest.meta.eventId);
      return { key: manifest.manifestId, value: codec.encode(TOPIC, manifest) };
    });
    await bus.publish(TOPIC, records);
    return ids;
  };

  it('says caught_up right after started on a feed read to its end, and again after each catch-up', async () => {
    const sub = subscribe(StartPosition.LATEST);
    await waitFor(() => sub.caughtUps() === 1, 30_000, 'the first caught_up');
    expect(sub.seen.slice(0, 2)).toEqual(['started', 'caught_up']);

    const ids = await publish(12);
    await waitFor(() => ids.every((id) => sub.batchOf(id) >= 0), 30_000, 'the new records delivered');
    await waitFor(() => sub.caughtUps() === 2, 30_000, 'caught_up after the new records');
    const lastBatch = Math.max(...ids.map((id) => sub.batchOf(id)));
    const second = sub.seen.lastIndexOf('caught_up');
    // Never ahead of a delivery it covers: every new record came before the second caught_up.
    expect(second).toBeGreaterThan(lastBatch);
    expect(sub.error()).toBeUndefined();

    const more = await publish(3);
    await waitFor(() => sub.caughtUps() === 3, 30_000, 'caught_up after the next records');
    expect(sub.seen.lastIndexOf('caught_up')).toBeGreaterThan(Math.max(...more.map((id) => sub.batchOf(id))));
  });

  it('from the earliest record: caught_up only once everything there was is delivered', async () => {
    const ids = await publish(7);
    const sub = subscribe(StartPosition.EARLIEST);
    await waitFor(() => sub.caughtUps() === 1, 60_000, 'caught_up after the backlog');
    const first = sub.seen.indexOf('caught_up');
    expect(sub.seen[0]).toBe('started');
    for (const id of ids) {
      const at = sub.batchOf(id);
      expect(at).toBeGreaterThan(0);
      expect(at).toBeLessThan(first);
    }
    expect(sub.error()).toBeUndefined();
  });
});
