// share.proto, Subscribe step 5: a client that acknowledges and at once closes its sending
// side gets OK only after every ack it sent is committed (and confirmed); a new stream with
// the same subscription name then never sees those records again. Real Kafka, real gRPC.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { Metadata, status, type StatusObject } from '@grpc/grpc-js';
import { PayloadFormat, type ShareServiceClient, StartPosition, type SubscribeResponse } from '@puente/proto';
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

/** What a subscriber saw, in order. */
type Seen =
  | { kind: 'started' | 'caught_up' }
  | { kind: 'deliveries'; eventIds: string[]; cursors: string[] }
  | { kind: 'committed'; cursors: string[] }
  | { kind: 'status'; code: status };

describe('Subscribe ended by the client', () => {
  let bus: KafkaBus;
  let gateway: TestGateway;
  let client: ShareServiceClient;

  beforeAll(async () => {
    bus = new KafkaBus({ brokers: testKafkaBrokers(), clientId: 'half-close-test', heartbeatIntervalMs: 500 });
    await bus.start();
    gateway = await startTestGateway({
      bus,
      codec,
    });
    client = gateway.client;
  });

  afterAll(async () => {
    client?.close();
    await gateway?.stop(1_000);
    await bus?.stop();
  });

  /**
   * A stream that, when asked, acks its first deliveries and half-closes in the same tick
   * (later batches already on their way are left unacknowledged).
   */
  function subscribe(subscription: string, ackAndClose: boolean) {
    const metadata = new Metadata();
    metadata.set('authorization', `Bearer ${tokens.get('dev-mx-anam-subscriber') ?? ''}`);
    const call = client.subscribe(metadata);
    const seen: Seen[] = [];
    const acked = { eventIds: [] as string[], cursors: [] as string[] };
    call.on('data', (message: SubscribeResponse) => {
      const kind = message.kind;
      if (kind?.$case === 'deliveries') {
        const cursors = kind.value.deliveries.map((d) => d.cursor);
        seen.push({ kind: 'deliveries', eventIds: kind.value.deliveries.map((d) => d.eventId), cursors });
        if (ackAndClose && acked.cursors.length === 0) {
          acked.cursors.push(...cursors);
          acked.eventIds.push(...kind.value.deliveries.map((d) => d.eventId));
          call.write({ kind: { $case: 'ack', value: { cursors } } });
          call.end();
        }
      } else if (kind?.$case === 'committed') seen.push({ kind: 'committed', cursors: kind.value.cursors });
      else if (kind?.$case === 'caughtUp') seen.push({ kind: 'caught_up' });
      else if (kind?.$case === 'started') seen.push({ kind: 'started' });
    });
    call.on('status', (s: StatusObject) => seen.push({ kind: 'status', code: s.code }));
    call.on('error', () => undefined); // the status above is what is asserted
    call.write({
      kind: {
        $case: 'start',
        value: {
          subscription,
          feeds: [`us-to-mx/${TOPIC}`],
          payloadFormat: PayloadFormat.AVRO_CONFLUENT,
          startPosition: StartPosition.LATEST,
          maxUnacked: 50,
          maxBatchSize: 50,
          purposes: ['BORDER_SECURITY', 'CUSTOMS', 'CRIMINAL_INVESTIGATION', 'PROSECUTION', 'TRADE_FACILITATION'],
        },
      },
    });
    const delivered = () => seen.flatMap((s) => (s.kind === 'deliveries' ? s.eventIds : []));
    const ended = () => seen.find((s) => s.kind === 'status');
    return { call, seen, acked, delivered, ended };
  }

  const publish = async (count: number): Promise<string[]> => {
    const records = Array.from({ length: count }, (_, i) => {
      const manifest: CargoManifest = {
        ...example,
        manifestId: `HALF-CLOSE-${randomUUID().slice(0, 8)}-${i}`,
        meta: { ...example.meta, eventId: randomUUID(), classification: 'SENSITIVE' },
      };
      return { key: manifest.manifestId, value: codec.encode(TOPIC, manifest), eventId: manifest.meta.eventId };
    });
    await bus.publish(
      TOPIC,
      records.map(({ key, value }) => ({ key, value })),
    );
    return records.map((r) => r.eventId);
  };

  it('answers OK only after the acks sent before the half-close are committed, and never delivers them again', async () => {
    const name = `half-close-${randomUUID().slice(0, 8)}`;
    const first = subscribe(name, true);
    await waitFor(() => first.seen.some((s) => s.kind === 'caught_up'), 30_000, 'the first stream caught up');
    await publish(6);
    await waitFor(() => first.ended() !== undefined, 30_000, 'the first stream ended');

    const confirmed = first.seen.flatMap((s) => (s.kind === 'committed' ? s.cursors : []));
    // OK, and every ack confirmed before it: the status is the last thing the stream said.
    expect(first.ended()).toEqual({ kind: 'status', code: status.OK });
    expect(first.seen.at(-1)).toEqual({ kind: 'status', code: status.OK });
    expect(first.acked.cursors.length).toBeGreaterThan(0);
    expect(confirmed.sort()).toEqual([...first.acked.cursors].sort());

    // Right after OK, the same name resumes past everything acknowledged.
    const second = subscribe(name, false);
    await waitFor(() => second.seen.some((s) => s.kind === 'started'), 30_000, 'the second stream started');
    const marker = await publish(1);
    await waitFor(() => second.delivered().includes(marker[0] ?? ''), 30_000, 'the marker delivered');
    for (const id of first.acked.eventIds) expect(second.delivered()).not.toContain(id);
    second.call.cancel();
  });
});
