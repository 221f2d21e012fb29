// What a failed produce tells the publisher: certainly not written (breaker open, refused
// before sending) or perhaps written (no acknowledgement in time, failure after sending).
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { ErrorReason, PayloadFormat, type PublishRequest } from '@puente/proto';
import { type Bus, BusError } from '@puente/bus';
import { createCodec } from '@puente/contracts';
import { type Breaker, createBreaker } from '@puente/runtime';
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
const principal: Principal = {
  country: 'US',
  agency: 'CBP',
  roles: ['publisher'],
  name: 'dev-us-cbp-publisher',
  via: 'token',
};
const request = (): PublishRequest => ({
  topic: TOPIC,
  key: '',
  payloadFormat: PayloadFormat.AVRO_CONFLUENT,
  payload: codec.encode(TOPIC, { ...base, meta: { ...base.meta, eventId: randomUUID() } }),
  schemaId: 0,
});

const breakers: Breaker[] = [];
afterEach(() => breakers.splice(0).forEach((b) => b.shutdown()));

function publisherWith(publish: Bus['publish'], breaker = createBreaker({ name: 'test', timeoutMs: 50 })) {
  breakers.push(breaker);
  return createPublisher({
    bus: { publish } as unknown as Bus,
    codec,
    breaker,
    permissions: dev.permissions,
    maxPayloadBytes: 1_000_000,
    maxInFlight: 100,
    dedupeWindowMs: 60_000,
  });
}

const reasonOf = async (publish: Bus['publish'], breaker?: Breaker) => {
  const [outcome] = await publisherWith(publish, breaker).publishBatch(principal, [request()]);
  if (!outcome || outcome.ok) throw new Error('expected a failure');
  return { code: outcome.error.code, reason: outcome.error.reason, retry: outcome.error.retryAfterMs };
};

describe('publish outcome of a failed produce', () => {
  it('no acknowledgement in time: UNAVAILABLE PUBLISH_OUTCOME_UNKNOWN with a retry hint', async () => {
    const never = () => new Promise<never>(() => undefined);
    expect(await reasonOf(never)).toMatchObject({
      code: 'UNAVAILABLE',
      reason: ErrorReason.PUBLISH_OUTCOME_UNKNOWN,
      retry: expect.any(Number) as number,
    });
  });

  it('a connection failure after sending: PUBLISH_OUTCOME_UNKNOWN', async () => {
    const failing = () => Promise.reject(new BusError({ code: 'UNAVAILABLE', message: 'lost', retriable: true }));
    expect(await reasonOf(failing)).toMatchObject({ code: 'UNAVAILABLE', reason: ErrorReason.PUBLISH_OUTCOME_UNKNOWN });
  });

  it('a refusal of a request that was sent (other partitions of it may be written): PUBLISH_OUTCOME_UNKNOWN', async () => {
    for (const code of ['RECORD_TOO_LARGE', 'UNKNOWN_TOPIC', 'STOPPED'] as const) {
      const sent = () => Promise.reject(new BusError({ code, message: 'refused', mayHaveWritten: true }));
      expect(await reasonOf(sent), code).toMatchObject({
        code: 'UNAVAILABLE',
        reason: ErrorReason.PUBLISH_OUTCOME_UNKNOWN,
      });
    }
    // The same codes raised before anything was sent keep their meaning.
    const tooLarge = () => Promise.reject(new BusError({ code: 'RECORD_TOO_LARGE', message: 'alone over the limit' }));
    expect(await reasonOf(tooLarge)).toMatchObject({ code: 'INVALID_ARGUMENT', reason: ErrorReason.PAYLOAD_TOO_LARGE });
  });

  it('refused before sending (bus stopped): BUS_UNAVAILABLE', async () => {
    const stopped = () => Promise.reject(new BusError({ code: 'STOPPED', message: 'stopped before publishing' }));
    expect(await reasonOf(stopped)).toMatchObject({ code: 'UNAVAILABLE', reason: ErrorReason.BUS_UNAVAILABLE });
  });

  it('breaker open: BUS_UNAVAILABLE, and nothing reaches the bus', async () => {
    const breaker = createBreaker({ name: 'open', timeoutMs: 1_000, volumeThreshold: 1, resetTimeoutMs: 60_000 });
    const failing = () => Promise.reject(new BusError({ code: 'UNAVAILABLE', message: 'down', retriable: true }));
    await reasonOf(failing, breaker);
    let called = 0;
    const counting = () => {
      called++;
      return Promise.reject(new Error('unreachable'));
    };
    expect(await reasonOf(counting, breaker)).toMatchObject({
      code: 'UNAVAILABLE',
      reason: ErrorReason.BUS_UNAVAILABLE,
    });
    expect(called).toBe(0);
  });
});
