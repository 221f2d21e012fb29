// Two gateway processes on one real Kafka serving the same partner: a subscription opened on one
// while open on the other moves there — the old stream ends ABORTED (SUBSCRIPTION_SUPERSEDED), the
// new one delivers exactly what was not acknowledged (none acknowledged again, none lost), and
// back again. The claim and its fencing go through the shared cursor topic (claim-log.ts).
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { credentials, Metadata, status, type ServiceError } from '@grpc/grpc-js';
import {
  ErrorReason,
  PayloadFormat,
  ShareServiceClient,
  StartPosition,
  type Delivery,
  type SubscribeResponse,
} from '@puente/proto';
import { createCodec } from '@puente/contracts';
import { freePort, type ServiceProcess, waitFor } from '@puente/runtime/testing';
import { afterAll, describe, expect, it } from 'vitest';

import { readDevTokens } from './dev/dev-tokens.js';
import { startGatewayProcess } from './testing/gateway-process.js';
import { errorDetailsOf } from './testing/subscriber.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const TOPIC = 'us.cargo-manifests.v1';
const FEED = `us-to-mx/${TOPIC}`;
const codec = createCodec();
const tokens = readDevTokens();

const auth = (name: string) => {
  const metadata = new Metadata();
  metadata.set('authorization', `Bearer ${tokens.get(name) ?? ''}`);
  return metadata;
};

async function startGateway(): Promise<{ running: ServiceProcess; client: ShareServiceClient }> {
  const port = await freePort();
  const running = await startGatewayProcess(port, { PUENTE_SHUTDOWN_GRACE_MS: '3000' });
  return { running, client: new ShareServiceClient(`127.0.0.1:${port}`, credentials.createInsecure()) };
}

/**
 * A partner's stream that acknowledges every delivery except the test's own records it was not
 * told to acknowledge: other tests' records on the shared topic must not hold the cursor back.
 */
function subscribe(client: ShareServiceClient, name: string, ours: ReadonlySet<string>) {
  const call = client.subscribe(auth('dev-mx-anam-subscriber'));
  const deliveries: Delivery[] = [];
  const committed = new Set<string>();
  let started = false;
  let error: ServiceError | undefined;
  call.on('error', (e: ServiceError) => (error = e));
  call.on('data', (message: SubscribeResponse) => {
    const kind = message.kind;
    if (kind?.$case === 'started') started = true;
    if (kind?.$case === 'committed') for (const cursor of kind.value.cursors) committed.add(cursor);
    if (kind?.$case === 'deliveries') {
      deliveries.push(...kind.value.deliveries);
      const foreign = kind.value.deliveries.filter((d) => !ours.has(d.eventId)).map((d) => d.cursor);
      if (foreign.length > 0) call.write({ kind: { $case: 'ack', value: { cursors: foreign } } });
    }
  });
  call.write({
    kind: {
      $case: 'start',
      value: {
        subscription: name,
        feeds: [FEED],
        payloadFormat: PayloadFormat.AVRO_CONFLUENT,
        startPosition: StartPosition.LATEST,
        maxUnacked: 1_000,
        maxBatchSize: 10,
        purposes: ['BORDER_SECURITY', 'CUSTOMS', 'CRIMINAL_INVESTIGATION', 'PROSECUTION', 'TRADE_FACILITATION'],
      },
    },
  });
  const ourIds = () => deliveries.filter((d) => ours.has(d.eventId)).map((d) => d.eventId);
  const ack = (ids: readonly string[]) => {
    const cursors = ids.map((id) => deliveries.find((d) => d.eventId === id)?.cursor ?? '');
    call.write({ kind: { $case: 'ack', value: { cursors } } });
    return cursors;
  };
  return { call, committed, ourIds, ack, started: () => started, error: () => error };
}

/** Publishes one manifest per event id, all with one key (so one partition, in order). */
async function publishManifests(client: ShareServiceClient, key: string, ids: readonly string[]): Promise<void> {
  const example = JSON.parse(
    readFileSync(`${root}schemas/examples/cargo-manifests/us-northbound-laredo.json`, 'utf8'),
  ).value;
  for (const eventId of ids) {
    const value = { ...example, manifestId: key, meta: { ...example.meta, eventId } };
    const payload = Buffer.from(JSON.stringify(codec.toAvroJson(TOPIC, codec.fromFriendlyJson(TOPIC, value))));
    await new Promise<void>((resolve, reject) =>
      client.publish(
        { topic: TOPIC, key: '', payloadFormat: PayloadFormat.AVRO_JSON, payload, schemaId: 0 },
        auth('dev-us-cbp-publisher'),
        (error) => (error ? reject(error) : resolve()),
      ),
    );
  }
}

function expectSuperseded(error: ServiceError | undefined, subscription: string): void {
  expect(error?.code).toBe(status.ABORTED);
  const details = errorDetailsOf(error);
  expect(details.reason).toBe(ErrorReason.SUBSCRIPTION_SUPERSEDED);
  expect(details.metadata['subscription']).toBe(subscription);
}

describe('two gateway processes on one Kafka', () => {
  const processes: ServiceProcess[] = [];
  const clients: ShareServiceClient[] = [];
  afterAll(async () => {
    for (const client of clients) client.close();
    await Promise.all(processes.map((p) => p.stop('SIGKILL')));
  });

  it('move a subscription between them and back: none acknowledged redelivered, none lost', async () => {
    const [a, b] = await Promise.all([startGateway(), startGateway()]);
    processes.push(a.running, b.running);
    clients.push(a.client, b.client);
    const name = `moved-${randomUUID().slice(0, 8)}`;
    const subscription = `mx.anam.${name}`;
    // Known before they are published: the streams acknowledge every other record as it arrives.
    const ids = Array.from({ length: 20 }, () => randomUUID());
    const ours = new Set(ids);

    const onA = subscribe(a.client, name, ours);
    await waitFor(onA.started, 60_000, 'the stream on gateway A to start');
    await publishManifests(a.client, `MOVE-${randomUUID().slice(0, 8)}`, ids);
    await waitFor(() => onA.ourIds().length === 20, 60_000, 'the 20 records on A');
    expect(onA.ourIds()).toEqual(ids);

    // The first eight acknowledged and confirmed; four more acknowledged right before the move.
    const confirmed = onA.ack(ids.slice(0, 8));
    await waitFor(() => confirmed.every((c) => onA.committed.has(c)), 30_000, 'the first acks to be committed');
    onA.ack(ids.slice(8, 12));
    const onB = subscribe(b.client, name, ours);
    await waitFor(() => onA.error() !== undefined, 30_000, 'the stream on A to be superseded');
    expectSuperseded(onA.error(), subscription);
    await waitFor(() => onB.ourIds().length >= 8, 60_000, 'the unacknowledged eight on B');
    expect(onB.error()).toBeUndefined();

    // Back to A: B acknowledges four more (two confirmed), then A takes it again.
    const backConfirmed = onB.ack(ids.slice(12, 14));
    await waitFor(() => backConfirmed.every((c) => onB.committed.has(c)), 30_000, 'B’s acks to be committed');
    onB.ack(ids.slice(14, 16));
    const again = subscribe(a.client, name, ours);
    await waitFor(() => onB.error() !== undefined, 30_000, 'the stream on B to be superseded');
    expectSuperseded(onB.error(), subscription);
    await waitFor(() => again.ourIds().length >= 4, 60_000, 'the unacknowledged four back on A');

    // Exactly once per acknowledgement: each stream got exactly what the one before left unacknowledged.
    expect(onB.ourIds()).toEqual(ids.slice(12));
    expect(again.ourIds()).toEqual(ids.slice(16));
    // Every record reached the partner across the three streams; none came again after its ack.
    expect(new Set([...onA.ourIds(), ...onB.ourIds(), ...again.ourIds()])).toEqual(new Set(ids));
    for (const id of ids.slice(0, 12)) expect([...onB.ourIds(), ...again.ourIds()]).not.toContain(id);
    for (const id of ids.slice(12, 16)) expect(again.ourIds()).not.toContain(id);
    again.call.end();
  });
});
