// Preparing events without a bus: what an accepted binary or JSON event becomes (record, key,
// CloudEvents headers, the batch's acceptance time), and each refusal the preparation gives.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { ErrorReason, PayloadFormat, type PublishRequest } from '@puente/proto';
import { createCodec } from '@puente/contracts';
import { describe, expect, it } from 'vitest';

import { loadPublishPermissions } from '../auth/authorization.js';
import type { Principal } from '../auth/identity.js';
import { PUBLISHERS_FILE } from '../dev/dev-wiring.js';
import { GatewayError } from '../grpc/errors.js';
import { createEventPreparer, type PreparedEvent } from './prepare-event.js';

const TOPIC = 'us.cargo-manifests.v1';
const root = fileURLToPath(new URL('../../../../', import.meta.url));
const codec = createCodec();
const example = (
  JSON.parse(readFileSync(`${root}schemas/examples/cargo-manifests/us-northbound-laredo.json`, 'utf8')) as {
    value: Record<string, any>;
  }
).value;
const value = codec.fromFriendlyJson(TOPIC, example);
const publisher: Principal = { country: 'US', agency: 'CBP', roles: ['publisher'], name: 'us-cbp', via: 'token' };
const at = new Date('2025-11-28T09:30:00.125Z');

const preparer = (maxPayloadBytes = 1_000_000) =>
  createEventPreparer({ codec, permissions: loadPublishPermissions(PUBLISHERS_FILE), maxPayloadBytes });

const binary = (payload: Buffer, overrides: Partial<PublishRequest> = {}): PublishRequest => ({
  topic: TOPIC,
  key: '',
  payloadFormat: PayloadFormat.AVRO_CONFLUENT,
  payload,
  schemaId: 0,
  ...overrides,
});
const json = (body: unknown, overrides: Partial<PublishRequest> = {}): PublishRequest => ({
  topic: TOPIC,
  key: '',
  payloadFormat: PayloadFormat.AVRO_JSON,
  payload: Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)),
  schemaId: 0,
  ...overrides,
});
/** The example as Avro JSON, with `meta` changed by `edit`. */
const avroJson = (edit: (meta: Record<string, unknown>) => void = () => undefined): Record<string, any> => {
  const spec = codec.toAvroJson(TOPIC, value) as Record<string, any>;
  edit(spec['meta'] as Record<string, unknown>);
  return spec;
};

function prepareOne(request: PublishRequest, principal = publisher, maxPayloadBytes?: number) {
  const [result] = preparer(maxPayloadBytes).prepareBatch(principal, [request], at);
  if (!result) throw new Error('no result');
  return result;
}
function accepted(request: PublishRequest): PreparedEvent {
  const result = prepareOne(request);
  if (result instanceof GatewayError) throw new Error(`expected acceptance, got ${result.reason}: ${result.message}`);
  return result;
}
function refused(request: PublishRequest, principal = publisher, maxPayloadBytes?: number) {
  const result = prepareOne(request, principal, maxPayloadBytes);
  if (!(result instanceof GatewayError)) throw new Error('expected a refusal');
  return {
    code: result.code,
    reason: result.reason,
    fields: result.fieldViolations.map((v) => v.field),
    metadata: result.metadata,
  };
}

describe('preparing an accepted event', () => {
  it('keeps Avro binary in the current schema as it came, keyed by its entity id', () => {
    const payload = codec.encode(TOPIC, value);
    const prepared = accepted(binary(payload));
    expect(prepared.record.value).toBe(payload);
    expect(prepared).toMatchObject({
      index: 0,
      topic: TOPIC,
      eventId: example['meta'].eventId,
      dedupeKey: `us-cbp\u0000${example['meta'].eventId}`,
      schemaId: codec.schemaIdOf(TOPIC),
      record: { key: example['manifestId'] },
    });
  });

  it('validates Avro JSON and writes it in the current schema', () => {
    const prepared = accepted(json(avroJson()));
    const written = codec.decode(prepared.record.value!);
    expect(written.schemaId).toBe(codec.schemaIdOf(TOPIC));
    expect(written.value).toEqual(value);
    expect(prepared).toMatchObject({ eventId: example['meta'].eventId, record: { key: example['manifestId'] } });
  });
});

describe('stamping', () => {
  it('stamps every record of a batch with its acceptance time and the CloudEvents headers of the caller', () => {
    const other = { ...value, meta: { ...value.meta, eventId: '6f1c9c52-2b64-4a0e-8d0e-7f3f5e1b2a90' } };
    const results = preparer().prepareBatch(
      publisher,
      [binary(codec.encode(TOPIC, value)), json(codec.toAvroJson(TOPIC, other))],
      at,
    );
    expect(results).toHaveLength(2);
    results.forEach((result, index) => {
      if (result instanceof GatewayError) throw new Error(result.message);
      expect(result.index).toBe(index);
      expect(result.timestamp).toEqual(at);
      expect(result.record.timestamp).toBe(at.getTime());
      expect(result.record.headers).toEqual({
        ce_specversion: '1.0',
        ce_id: result.eventId,
        ce_source: '/puente/US/CBP',
        ce_type: 'org.puente.v1.cargo-manifests',
        ce_time: '2025-11-28T09:30:00.125Z',
        'content-type': 'application/vnd.confluent.avro',
      });
    });
  });

  it("gives Avro JSON without an eventId a new UUID, and without an origin the caller's", () => {
    const prepared = accepted(
      json(
        avroJson((meta) => {
          meta['eventId'] = '';
          delete meta['originCountry'];
          delete meta['originAgency'];
        }),
      ),
    );
    expect(prepared.eventId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(prepared.eventId).not.toBe(example['meta'].eventId);
    const meta = (codec.decode(prepared.record.value!).value as { meta: Record<string, unknown> }).meta;
    expect(meta).toMatchObject({ eventId: prepared.eventId, originCountry: 'US', originAgency: 'CBP' });
  });
});

describe('refusals', () => {
  it('TOPIC_NOT_FOUND for a topic the catalog does not have', () => {
    expect(refused(json(avroJson(), { topic: 'us.nothing-here.v1' }))).toMatchObject({
      code: 'NOT_FOUND',
      reason: ErrorReason.TOPIC_NOT_FOUND,
      metadata: { topic: 'us.nothing-here.v1' },
    });
  });

  it('ROLE_NOT_ALLOWED for a caller without the publisher role', () => {
    const subscriber: Principal = { ...publisher, roles: ['subscriber'] };
    expect(refused(json(avroJson()), subscriber)).toMatchObject({
      code: 'PERMISSION_DENIED',
      reason: ErrorReason.ROLE_NOT_ALLOWED,
    });
  });

  it("ORIGIN_MISMATCH for another country's topic, naming the topic field", () => {
    expect(refused(json(avroJson(), { topic: 'mx.cargo-manifests.v1' }))).toMatchObject({
      code: 'PERMISSION_DENIED',
      reason: ErrorReason.ORIGIN_MISMATCH,
      fields: ['topic'],
    });
  });

  it('TOPIC_NOT_ALLOWED for a domain the agency may not publish', () => {
    expect(refused(json(avroJson(), { topic: 'us.prosecutions.v1' }))).toMatchObject({
      code: 'PERMISSION_DENIED',
      reason: ErrorReason.TOPIC_NOT_ALLOWED,
      metadata: { topic: 'us.prosecutions.v1' },
    });
  });

  it('PAYLOAD_TOO_LARGE beyond the payload limit, naming the limit', () => {
    const payload = codec.encode(TOPIC, value);
    expect(refused(binary(payload), publisher, payload.length - 1)).toMatchObject({
      code: 'INVALID_ARGUMENT',
      reason: ErrorReason.PAYLOAD_TOO_LARGE,
      metadata: { limit: String(payload.length - 1) },
    });
    expect(prepareOne(binary(payload), publisher, payload.length)).not.toBeInstanceOf(GatewayError);
  });

  it('ORIGIN_MISMATCH for an event claiming another origin, naming the meta fields', () => {
    const claim = (country: string, agency: string) =>
      json(
        avroJson((meta) => {
          meta['originCountry'] = country;
          meta['originAgency'] = agency;
        }),
      );
    expect(refused(claim('MX', 'ANAM'))).toMatchObject({
      code: 'PERMISSION_DENIED',
      reason: ErrorReason.ORIGIN_MISMATCH,
      fields: ['meta.originCountry', 'meta.originAgency'],
    });
    expect(refused(claim('US', 'HSI'))).toMatchObject({ fields: ['meta.originAgency'] });
  });

  it('REQUEST_INVALID for a key other than the entity id, a schema_id the framing contradicts, or no payload format', () => {
    const payload = codec.encode(TOPIC, value);
    expect(refused(binary(payload, { key: 'someone-else' }))).toMatchObject({
      code: 'INVALID_ARGUMENT',
      reason: ErrorReason.REQUEST_INVALID,
      fields: ['key'],
    });
    expect(refused(binary(payload, { schemaId: codec.schemaIdOf(TOPIC) + 1 }))).toMatchObject({
      reason: ErrorReason.REQUEST_INVALID,
      fields: ['schema_id'],
    });
    expect(refused(binary(payload, { payloadFormat: PayloadFormat.UNSPECIFIED }))).toMatchObject({
      reason: ErrorReason.REQUEST_INVALID,
      fields: ['payload_format'],
    });
  });

  it('PAYLOAD_UNDECODABLE for text that is not JSON, bytes that are not framed, and a truncated Avro value', () => {
    expect(refused(json('{"meta": '))).toMatchObject({
      code: 'INVALID_ARGUMENT',
      reason: ErrorReason.PAYLOAD_UNDECODABLE,
    });
    expect(refused(binary(Buffer.from('not avro at all')))).toMatchObject({
      reason: ErrorReason.PAYLOAD_UNDECODABLE,
    });
    const payload = codec.encode(TOPIC, value);
    expect(refused(binary(payload.subarray(0, payload.length - 10)))).toMatchObject({
      reason: ErrorReason.PAYLOAD_UNDECODABLE,
    });
  });

  it("SCHEMA_NOT_FOUND for a schema id that is not a version of the topic's schema, naming topic and id", () => {
    const payload = Buffer.from(codec.encode(TOPIC, value));
    const investigationId = codec.schemaIdOf('us.investigations.v1');
    payload.writeInt32BE(investigationId, 1);
    expect(refused(binary(payload))).toMatchObject({
      code: 'NOT_FOUND',
      reason: ErrorReason.SCHEMA_NOT_FOUND,
      metadata: { topic: TOPIC, schemaId: String(investigationId) },
    });
    expect(refused(json(avroJson(), { schemaId: 9_999 }))).toMatchObject({
      reason: ErrorReason.SCHEMA_NOT_FOUND,
      metadata: { topic: TOPIC, schemaId: '9999' },
    });
  });

  it('SCHEMA_REJECTED for a value the schema refuses, naming the field, the topic and the schema id', () => {
    const expected = {
      code: 'INVALID_ARGUMENT',
      reason: ErrorReason.SCHEMA_REJECTED,
      fields: ['meta.eventId'],
      metadata: { topic: TOPIC, schemaId: String(codec.schemaIdOf(TOPIC)) },
    };
    expect(refused(json(avroJson((meta) => (meta['eventId'] = 'not-a-uuid'))))).toMatchObject(expected);
    // The same in Avro binary: a plain string where the uuid logical type is expected.
    const valid = codec.encode(TOPIC, value);
    const old = Buffer.from(value.meta.eventId);
    const text = Buffer.from('not-a-uuid');
    const bytes = Buffer.concat([
      valid.subarray(0, 5),
      Buffer.from([text.length * 2]),
      text,
      valid.subarray(6 + old.length),
    ]);
    expect(refused(binary(bytes))).toMatchObject(expected);
  });

  it('refuses events one by one: a refused topic or event leaves the others of the batch prepared', () => {
    const results = preparer().prepareBatch(
      publisher,
      [
        json(avroJson(), { topic: 'us.prosecutions.v1' }),
        binary(codec.encode(TOPIC, value)),
        json('not json'),
        json(avroJson(), { topic: 'us.prosecutions.v1' }),
      ],
      at,
    );
    expect(results.map((r) => (r instanceof GatewayError ? r.reason : 'prepared'))).toEqual([
      ErrorReason.TOPIC_NOT_ALLOWED,
      'prepared',
      ErrorReason.PAYLOAD_UNDECODABLE,
      ErrorReason.TOPIC_NOT_ALLOWED,
    ]);
    expect((results[1] as PreparedEvent).index).toBe(1);
  });
});
