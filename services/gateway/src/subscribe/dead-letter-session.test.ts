// A subscription meeting a record it cannot deliver, on MemoryBus and real gRPC on loopback: the
// record is set aside and the next one delivered; while the dead-letter topic cannot be written
// the stream ends UNAVAILABLE and nothing is committed past the record, so the partner, back
// once it can be written, resumes exactly there.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { Metadata, status, type ServiceError } from '@grpc/grpc-js';
import {
  PayloadFormat,
  type ShareServiceClient,
  StartPosition,
  type Delivery,
  type SubscribeResponse,
} from '@puente/proto';
import { type Bus, BusError, type BusRecord, type ConsumedRecord, DEAD_LETTER_HEADERS, MemoryBus } from '@puente/bus';
import { type CargoManifest, createCodec } from '@puente/contracts';
import { NOT_AVRO, withEventId } from '@puente/contracts/testing';
import { waitFor } from '@puente/runtime/testing';
import { afterEach, describe, expect, it } from 'vitest';

import { startTestGateway, type TestGateway } from '../testing/index.js';
import { readDevTokens } from '../dev/dev-tokens.js';

const root = fileURLToPath(new URL('../../../../', import.meta.url));
const TOPIC = 'us.cargo-manifests.v1';
const DLQ = `dlq.${TOPIC}`;
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
const manifest = (): CargoManifest => ({
  ...example,
  manifestId: 'DLQ-SESSION-1',
  meta: { ...example.meta, eventId: randomUUID(), classification: 'SENSITIVE' },
});

describe('a subscription meeting a record it cannot deliver', () => {
  let gateway: TestGateway | undefined;
  let bus: MemoryBus | undefined;
  let client: ShareServiceClient | undefined;
  afterEach(async () => {
    client?.close();
    await gateway?.stop(500);
    await bus?.stop();
  });

  async function setUp() {
    bus = new MemoryBus();
    await bus.start();
    const inner = bus;
    const control = { dlqDown: false };
    const wrapped = Object.create(inner) as Bus;
    wrapped.publish = async (topic: string, records: readonly BusRecord[]) => {
      if (topic === DLQ && control.dlqDown) {
        throw new BusError({ code: 'UNAVAILABLE', message: `${DLQ} cannot be written (test)`, retriable: true });
      }
      return inner.publish(topic, records);
    };
    gateway = await startTestGateway({
      bus: wrapped,
      codec,
      partitions: 1,
    });
    client = gateway.client;
    return control;
  }

  function subscribe(format: PayloadFormat) {
    const metadata = new Metadata();
    metadata.set('authorization', `Bearer ${tokens.get('dev-mx-anam-subscriber') ?? ''}`);
    const call = client!.subscribe(metadata);
    const received: Delivery[] = [];
    const confirmed: string[] = [];
    let started = false;
    const ended = new Promise<ServiceError>((resolve) => call.on('error', resolve));
    call.on('data', (message: SubscribeResponse) => {
      const kind = message.kind;
      if (kind?.$case === 'started') started = true;
      if (kind?.$case === 'committed') confirmed.push(...kind.value.cursors);
      if (kind?.$case === 'deliveries') {
        received.push(...kind.value.deliveries);
        call.write({ kind: { $case: 'ack', value: { cursors: kind.value.deliveries.map((d) => d.cursor) } } });
      }
    });
    call.write({
      kind: {
        $case: 'start',
        value: {
          subscription: 'dead-letters',
          feeds: [`us-to-mx/${TOPIC}`],
          payloadFormat: format,
          startPosition: StartPosition.LATEST,
          maxUnacked: 100,
          maxBatchSize: 5,
          purposes: ['BORDER_SECURITY', 'CUSTOMS', 'CRIMINAL_INVESTIGATION', 'PROSECUTION', 'TRADE_FACILITATION'],
        },
      },
    });
    return { call, received, confirmed, ended, started: () => started };
  }

  const letters = async (): Promise<ConsumedRecord[]> => {
    const out: ConsumedRecord[] = [];
    const reader = await bus!.readFrom({
      topic: DLQ,
      positions: [{ partition: 0, offset: '0' }],
      handler: async (batch) => void out.push(...batch.records),
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    await reader.stop();
    return out;
  };

  for (const format of [PayloadFormat.AVRO_CONFLUENT, PayloadFormat.AVRO_JSON]) {
    it(`${PayloadFormat[format]}: sets aside undecodable and invalid records and delivers the next`, async () => {
      await setUp();
      const partner = subscribe(format);
      await waitFor(partner.started, 5_000, 'the subscription to start');
      const bad = withEventId(codec.encode(TOPIC, manifest()), 'not-a-uuid');
      const good = manifest();
      await bus!.publish(TOPIC, [
        { key: good.manifestId, value: NOT_AVRO, headers: { ce_type: 'poison' } },
        { key: good.manifestId, value: bad },
        { key: good.manifestId, value: codec.encode(TOPIC, good) },
      ]);
      await waitFor(() => partner.received.length === 1, 5_000, 'the good record');
      expect(partner.received[0]).toMatchObject({ offset: '2', eventId: good.meta.eventId });
      // Dead letters of different records may be written in either order.
      const offsetOf = (r: ConsumedRecord) => Number(r.headers[DEAD_LETTER_HEADERS.sourceOffset]?.toString());
      const dead = (await letters()).sort((a, b) => offsetOf(a) - offsetOf(b));
      expect(dead.map(offsetOf)).toEqual([0, 1]);
      expect(dead.map((r) => r.headers[DEAD_LETTER_HEADERS.reasonClass]?.toString())).toEqual([
        'undecodable',
        'invalid',
      ]);
      // The tail keeps no headers; the dead letter has the record's own, read again.
      expect(dead[0]?.headers['ce_type']?.toString()).toBe('poison');
      expect(dead[1]?.value).toEqual(bad);
      const { values } = await gateway!.gateway.metrics.poison.get();
      expect(values.map((v) => [v.labels.service, v.labels.reason_class, v.value]).sort()).toEqual([
        ['gateway', 'invalid', 1],
        ['gateway', 'undecodable', 1],
      ]);
      partner.call.end();
    });
  }

  it('ends the stream UNAVAILABLE while a dead letter cannot be written, and resumes at the bad record', async () => {
    const control = await setUp();
    const first = subscribe(PayloadFormat.AVRO_JSON);
    await waitFor(first.started, 5_000, 'the subscription to start');
    const before = manifest();
    await bus!.publish(TOPIC, [{ key: before.manifestId, value: codec.encode(TOPIC, before) }]);
    await waitFor(() => first.confirmed.length === 1, 5_000, 'the first record acknowledged and committed');

    control.dlqDown = true;
    const after = manifest();
    await bus!.publish(TOPIC, [
      { key: after.manifestId, value: NOT_AVRO },
      { key: after.manifestId, value: codec.encode(TOPIC, after) },
    ]);
    const error = await first.ended;
    expect(error.code).toBe(status.UNAVAILABLE);
    expect(first.received.map((d) => d.offset)).toEqual(['0']);
    expect(await letters()).toHaveLength(0);

    control.dlqDown = false;
    const second = subscribe(PayloadFormat.AVRO_JSON);
    await waitFor(() => second.received.length === 1, 5_000, 'the record after the bad one');
    // Resumed at the bad record (offset 1), which is now set aside: the next is offset 2.
    expect(second.received.map((d) => d.offset)).toEqual(['2']);
    expect(second.received[0]?.eventId).toBe(after.meta.eventId);
    expect((await letters()).map((r) => r.headers[DEAD_LETTER_HEADERS.sourceOffset]?.toString())).toEqual(['1']);
    second.call.end();
  });
});
