// What the publish path accepts: Avro binary fully validated (a non-UUID eventId is refused as
// the JSON path refuses it), a schema_id that must match the framing, older versions of the
// topic's schema resolved to the current one, and another subject's schema id not found.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { ErrorReason, PayloadFormat, type PublishRequest } from '@puente/proto';
import { type Bus, type BusRecord } from '@puente/bus';
import {
  type AvroCodec,
  type CatalogData,
  createCodec,
  createSchemaCatalog,
  embeddedCatalogData,
} from '@puente/contracts';
import { createBreaker } from '@puente/runtime';
import { afterEach, describe, expect, it } from 'vitest';

import { devGatewayParts } from '../dev/dev-wiring.js';
import type { Principal } from '../auth/identity.js';
import { createPublisher, type PublishOutcome } from './publisher.js';

const TOPIC = 'us.cargo-manifests.v1';
const SUBJECT = `${TOPIC}-value`;
const root = fileURLToPath(new URL('../../../../', import.meta.url));
const example = (
  JSON.parse(readFileSync(`${root}schemas/examples/cargo-manifests/us-northbound-laredo.json`, 'utf8')) as {
    value: Record<string, any>;
  }
).value;
const principal: Principal = { country: 'US', agency: 'CBP', roles: ['publisher'], name: 'p', via: 'token' };

/** The embedded catalog plus a v2 of the cargo subject (id 100) that adds an optional field. */
function catalogWithV2(): CatalogData {
  const v1Id = embeddedCatalogData.subjects[SUBJECT]!.versions.at(-1)!.id;
  const v1 = embeddedCatalogData.schemas[String(v1Id)]!;
  const v2 = JSON.parse(v1.schema) as { fields: object[] };
  v2.fields.push({ name: 'billOfLadingNumber', type: ['null', 'string'], default: null, doc: 'B/L number.' });
  return {
    ...embeddedCatalogData,
    subjects: {
      ...embeddedCatalogData.subjects,
      [SUBJECT]: {
        topic: TOPIC,
        versions: [
          { version: 1, id: v1Id, fingerprint: v1.fingerprint },
          { version: 2, id: 100, fingerprint: 'v2' },
        ],
      },
    },
    schemas: {
      ...embeddedCatalogData.schemas,
      '100': { type: v1.type, fingerprint: 'v2', schema: JSON.stringify(v2) },
    },
  };
}

const breakers: { shutdown(): void }[] = [];
afterEach(() => breakers.splice(0).forEach((b) => b.shutdown()));

function setup(codec: AvroCodec) {
  const written: BusRecord[] = [];
  const bus = {
    publish: async (_topic: string, records: readonly BusRecord[]) =>
      records.map((record) => {
        written.push(record);
        return { topic: TOPIC, partition: 0, offset: String(written.length - 1) };
      }),
  } as unknown as Bus;
  const breaker = createBreaker({ name: 'test', timeoutMs: 5_000 });
  breakers.push(breaker);
  const publisher = createPublisher({
    bus,
    codec,
    breaker,
    permissions: devGatewayParts(codec).permissions,
    maxPayloadBytes: 1_000_000,
    maxInFlight: 10_000,
    dedupeWindowMs: 60_000,
  });
  return {
    written,
    publish: async (request: PublishRequest): Promise<PublishOutcome> =>
      (await publisher.publishBatch(principal, [request]))[0]!,
  };
}

const binary = (payload: Buffer, schemaId = 0): PublishRequest => ({
  topic: TOPIC,
  key: '',
  payloadFormat: PayloadFormat.AVRO_CONFLUENT,
  payload,
  schemaId,
});
const json = (value: unknown, schemaId = 0): PublishRequest => ({
  topic: TOPIC,
  key: '',
  payloadFormat: PayloadFormat.AVRO_JSON,
  payload: Buffer.from(JSON.stringify(value)),
  schemaId,
});

/**
 * Bytes a producer wrote around the uuid logical type: a valid event framed with `schemaId`
 * whose eventId string (meta's first field) is replaced as a plain Avro string.
 */
function withEventId(codec: AvroCodec, schemaId: number, eventId: string): Buffer {
  const value = codec.fromFriendlyJson(TOPIC, example);
  const valid = codec.encodeWithSchemaId(schemaId, value);
  const old = Buffer.from(value.meta.eventId);
  // A string is its zig-zag length then its bytes; both lengths here fit one varint byte.
  expect(valid[5]).toBe(old.length * 2);
  const text = Buffer.from(eventId);
  return Buffer.concat([valid.subarray(0, 5), Buffer.from([text.length * 2]), text, valid.subarray(6 + old.length)]);
}

function refusal(outcome: PublishOutcome) {
  if (outcome.ok) throw new Error('expected a refusal');
  return {
    code: outcome.error.code,
    reason: outcome.error.reason,
    fields: outcome.error.fieldViolations.map((v) => v.field),
    metadata: outcome.error.metadata,
    message: outcome.error.message,
  };
}

describe('publish validation', () => {
  const codec = createCodec();
  const currentId = codec.schemaIdOf(TOPIC);

  it('refuses Avro binary whose meta.eventId is not a UUID, naming the field, as the JSON path does', async () => {
    const { publish, written } = setup(codec);
    const binaryRefusal = refusal(await publish(binary(withEventId(codec, currentId, 'not-a-uuid'))));
    expect(binaryRefusal).toMatchObject({
      code: 'INVALID_ARGUMENT',
      reason: ErrorReason.SCHEMA_REJECTED,
      fields: ['meta.eventId'],
      metadata: { topic: TOPIC, schemaId: String(currentId) },
    });
    const spec = codec.toAvroJson(TOPIC, codec.fromFriendlyJson(TOPIC, example)) as Record<string, any>;
    spec['meta'].eventId = 'not-a-uuid';
    const jsonRefusal = refusal(await publish(json(spec)));
    expect(jsonRefusal).toMatchObject({ reason: ErrorReason.SCHEMA_REJECTED, fields: ['meta.eventId'] });
    expect(written).toHaveLength(0);
  });

  it('refuses a non-zero schema_id that differs from the framing, and accepts 0 or the same id', async () => {
    const { publish, written } = setup(codec);
    const payload = codec.encode(TOPIC, codec.fromFriendlyJson(TOPIC, example));
    expect(refusal(await publish(binary(payload, currentId + 1)))).toMatchObject({
      code: 'INVALID_ARGUMENT',
      reason: ErrorReason.REQUEST_INVALID,
      fields: ['schema_id'],
    });
    expect(written).toHaveLength(0);
    expect((await publish(binary(payload, currentId))).ok).toBe(true);
    expect(written).toHaveLength(1);
  });

  it('answers SCHEMA_NOT_FOUND for a schema id of another subject or one not registered at all', async () => {
    const { publish } = setup(codec);
    const investigationId = codec.schemaIdOf('us.investigations.v1');
    const payload = Buffer.from(codec.encode(TOPIC, codec.fromFriendlyJson(TOPIC, example)));
    payload.writeInt32BE(investigationId, 1);
    expect(refusal(await publish(binary(payload)))).toMatchObject({
      code: 'NOT_FOUND',
      reason: ErrorReason.SCHEMA_NOT_FOUND,
      metadata: { schemaId: String(investigationId), topic: TOPIC },
    });
    payload.writeInt32BE(9_999, 1);
    expect(refusal(await publish(binary(payload)))).toMatchObject({
      reason: ErrorReason.SCHEMA_NOT_FOUND,
      metadata: { schemaId: '9999', topic: TOPIC },
    });
    const spec = codec.toAvroJson(TOPIC, codec.fromFriendlyJson(TOPIC, example));
    expect(refusal(await publish(json(spec, investigationId)))).toMatchObject({ reason: ErrorReason.SCHEMA_NOT_FOUND });
  });

  describe('with a v2 of the topic schema', () => {
    const v2 = createCodec({ catalog: createSchemaCatalog(catalogWithV2()) });

    it('resolves a payload written with the older version to the current one, validated', async () => {
      const { publish, written } = setup(v2);
      const olderBytes = v2.encodeWithSchemaId(currentId, v2.fromFriendlyJson(TOPIC, { ...example }));
      const outcome = await publish(binary(olderBytes));
      expect(outcome.ok).toBe(true);
      expect(written).toHaveLength(1);
      const stored = v2.decode(written[0]!.value!);
      expect(stored.schemaId).toBe(100);
      expect(stored.value).toMatchObject({ manifestId: example['manifestId'], billOfLadingNumber: null });

      expect(refusal(await publish(binary(withEventId(v2, currentId, 'nope'))))).toMatchObject({
        reason: ErrorReason.SCHEMA_REJECTED,
        fields: ['meta.eventId'],
        metadata: { schemaId: String(currentId) },
      });
    });

    it('reads Avro JSON written with the older version when schema_id names it', async () => {
      const { publish, written } = setup(v2);
      const older = codec.toAvroJson(TOPIC, codec.fromFriendlyJson(TOPIC, example));
      expect((await publish(json(older, currentId))).ok).toBe(true);
      expect(v2.decode(written[0]!.value!).schemaId).toBe(100);
      // Without schema_id it is read as the current version: the new field, absent, takes its default.
      expect((await publish(json(older))).ok).toBe(true);
    });
  });

  it('names meta.originCountry and meta.originAgency when the event claims another origin (ORIGIN_MISMATCH)', async () => {
    const { publish, written } = setup(codec);
    const claim = (originCountry: string, originAgency: string) =>
      codec.toAvroJson(
        TOPIC,
        codec.fromFriendlyJson(TOPIC, { ...example, meta: { ...example['meta'], originCountry, originAgency } }),
      );
    expect(refusal(await publish(json(claim('MX', 'CBP'))))).toMatchObject({
      code: 'PERMISSION_DENIED',
      reason: ErrorReason.ORIGIN_MISMATCH,
      fields: ['meta.originCountry'],
    });
    expect(refusal(await publish(json(claim('US', 'ICE'))))).toMatchObject({
      reason: ErrorReason.ORIGIN_MISMATCH,
      fields: ['meta.originAgency'],
    });
    expect(refusal(await publish(json(claim('MX', 'ANAM'))))).toMatchObject({
      reason: ErrorReason.ORIGIN_MISMATCH,
      fields: ['meta.originCountry', 'meta.originAgency'],
    });
    expect(written).toHaveLength(0);
  });

  it('refuses payload_format UNSPECIFIED naming payload_format (REQUEST_INVALID)', async () => {
    const { publish, written } = setup(codec);
    const request = { ...binary(codec.encode(TOPIC, codec.fromFriendlyJson(TOPIC, example))) };
    expect(refusal(await publish({ ...request, payloadFormat: PayloadFormat.UNSPECIFIED }))).toMatchObject({
      code: 'INVALID_ARGUMENT',
      reason: ErrorReason.REQUEST_INVALID,
      fields: ['payload_format'],
    });
    expect(written).toHaveLength(0);
  });
});
