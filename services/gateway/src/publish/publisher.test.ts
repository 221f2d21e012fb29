// The publish path with a recording bus and a controlled clock: repeats of an eventId are
// answered from what Kafka acknowledged, within the dedupe window and its size bound.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { PayloadFormat, type PublishRequest } from '@puente/proto';
import { type Bus, type BusRecord } from '@puente/bus';
import { createCodec } from '@puente/contracts';
import { createBreaker } from '@puente/runtime';
import { afterEach, describe, expect, it } from 'vitest';

import { devGatewayParts } from '../dev/dev-wiring.js';
import type { Principal } from '../auth/identity.js';
import { createPublisher } from './publisher.js';

const TOPIC = 'us.cargo-manifests.v1';
const root = fileURLToPath(new URL('../../../../', import.meta.url));
const codec = createCodec();
const dev = devGatewayParts(codec);
const base = codec.fromFriendlyJson(
  TOPIC,
  (
    JSON.parse(readFileSync(`${root}schemas/examples/cargo-manifests/us-northbound-laredo.json`, 'utf8')) as {
      value: unknown;
    }
  ).value,
);
const publisherPrincipal: Principal = {
  country: 'US',
  agency: 'CBP',
  roles: ['publisher'],
  name: 'dev-us-cbp-publisher',
  via: 'token',
};

function request(eventId: string): PublishRequest {
  return {
    topic: TOPIC,
    key: '',
    payloadFormat: PayloadFormat.AVRO_CONFLUENT,
    payload: codec.encode(TOPIC, { ...base, meta: { ...base.meta, eventId }, manifestId: `M-${eventId.slice(0, 8)}` }),
    schemaId: codec.schemaIdOf(TOPIC),
  };
}

const breakers: { shutdown(): void }[] = [];
afterEach(() => breakers.splice(0).forEach((b) => b.shutdown()));

function setup(dedupeMaxEntries?: number) {
  let clock = 1_764_288_000_000;
  const written: BusRecord[] = [];
  const bus = {
    publish: async (_topic: string, records: readonly BusRecord[]) =>
      records.map((record) => {
        written.push(record);
        return { topic: TOPIC, partition: 1, offset: String(written.length - 1) };
      }),
  } as unknown as Bus;
  const breaker = createBreaker({ name: 'test', timeoutMs: 5_000 });
  breakers.push(breaker);
  const publisher = createPublisher({
    bus,
    codec,
    breaker,
    permissions: dev.permissions,
    maxPayloadBytes: 1_000_000,
    maxInFlight: 10_000,
    dedupeWindowMs: 60_000,
    ...(dedupeMaxEntries === undefined ? {} : { dedupeMaxEntries }),
    now: () => clock,
  });
  return {
    written,
    publish: (requests: PublishRequest[]) => publisher.publishBatch(publisherPrincipal, requests),
    advance: (ms: number) => {
      clock += ms;
    },
  };
}

describe('publish deduplication', () => {
  it('answers a repeat within the window with the first record, and writes nothing', async () => {
    const { written, publish, advance } = setup();
    const id = randomUUID();
    const [first] = await publish([request(id)]);
    advance(59_000);
    const [again] = await publish([request(id)]);
    expect(first).toMatchObject({ ok: true, response: { duplicate: false, partition: 1, offset: '0' } });
    expect(again).toMatchObject({ ok: true, response: { duplicate: true, partition: 1, offset: '0' } });
    expect(again?.ok && again.response.timestamp).toEqual(first?.ok && first.response.timestamp);
    expect(written).toHaveLength(1);
  });

  it('writes a repeat again once the window has passed', async () => {
    const { written, publish, advance } = setup();
    const id = randomUUID();
    await publish([request(id)]);
    advance(60_001);
    const [again] = await publish([request(id)]);
    expect(again).toMatchObject({ ok: true, response: { duplicate: false, offset: '1' } });
    expect(written).toHaveLength(2);
  });

  it("answers a repeat inside one batch as a duplicate with the original's position", async () => {
    const { written, publish } = setup();
    const id = randomUUID();
    const [first, second] = await publish([request(id), request(id)]);
    expect(first).toMatchObject({ ok: true, response: { duplicate: false } });
    if (!first?.ok) throw new Error('expected the first to be written');
    expect(second).toMatchObject({
      ok: true,
      response: { duplicate: true, partition: first.response.partition, offset: first.response.offset },
    });
    expect(written).toHaveLength(1);
  });

  it('forgets the oldest events beyond its size bound, and still answers every publish', async () => {
    const { written, publish } = setup(3);
    const ids = Array.from({ length: 5 }, () => randomUUID());
    const outcomes = await publish(ids.map(request));
    expect(outcomes.every((o) => o.ok && !o.response.duplicate)).toBe(true);
    const [oldest, newest] = await publish([request(ids[0]!), request(ids[4]!)]);
    expect(oldest).toMatchObject({ ok: true, response: { duplicate: false, offset: '5' } });
    expect(newest).toMatchObject({ ok: true, response: { duplicate: true, offset: '4' } });
    expect(written).toHaveLength(6);
  });
});
