// The full decoding of a published payload, for what the binary skim does not take: Avro binary
// in an older schema of the topic, and Avro JSON (which the gateway stamps with what a caller may
// leave out). Validates completely and refuses with the field-by-field verdict.
import { randomUUID } from 'node:crypto';

import { PayloadFormat, type PublishRequest } from '@puente/proto';
import { type AvroCodec, isAvroError } from '@puente/contracts';

import type { Principal } from '../auth/identity.js';
import { notAVersionOfTopic, notJson, schemaRejected, unsupportedFormat } from './event-refusals.js';

/** A decoded payload; `bytes` when they can go to Kafka as they came (the topic's current schema). */
export interface DecodedPayload {
  readonly value: unknown;
  readonly bytes?: Buffer;
}

/** Throws SCHEMA_NOT_FOUND unless `schemaId` is a version of the topic's schema. */
export function requireVersionOfTopic(codec: AvroCodec, topic: string, schemaId: number): void {
  const subject = codec.catalog.data.subjects[codec.catalog.subjectOf(topic)];
  if (subject?.versions.some((v) => v.id === schemaId)) return;
  throw notAVersionOfTopic(topic, schemaId);
}

export function decodePayload(codec: AvroCodec, principal: Principal, request: PublishRequest): DecodedPayload {
  switch (request.payloadFormat) {
    case PayloadFormat.AVRO_CONFLUENT: {
      const decoded = codec.decode(request.payload, { topic: request.topic });
      return decoded.schemaId === codec.schemaIdOf(request.topic)
        ? { value: decoded.value, bytes: request.payload }
        : { value: decoded.value };
    }
    case PayloadFormat.AVRO_JSON:
      return decodeJson(codec, principal, request);
    default:
      throw unsupportedFormat();
  }
}

/** An Avro JSON payload, validated against the schema it names (0: the topic's current one). */
export function decodeJson(codec: AvroCodec, principal: Principal, request: PublishRequest): DecodedPayload {
  let json: unknown;
  try {
    json = JSON.parse(request.payload.toString('utf8'));
  } catch (error) {
    throw notJson(error);
  }
  const schemaId = request.schemaId === 0 ? codec.schemaIdOf(request.topic) : request.schemaId;
  requireVersionOfTopic(codec, request.topic, schemaId);
  stampMetaDefaults(json, principal);
  try {
    return { value: codec.fromAvroJson(request.topic, json, { schemaId }) };
  } catch (error) {
    if (isAvroError(error, 'SCHEMA_VALIDATION')) throw schemaRejected(request.topic, schemaId, error.fieldErrors);
    throw error;
  }
}

/** Stamps what the caller may leave out: a new eventId, and the origin from its identity. */
export function stampMetaDefaults(json: unknown, principal: Principal): void {
  const meta = (json as { meta?: unknown } | null)?.meta;
  if (meta !== null && typeof meta === 'object' && !Array.isArray(meta)) {
    const m = meta as Record<string, unknown>;
    if (m['eventId'] === undefined || m['eventId'] === '') m['eventId'] = randomUUID();
    m['originCountry'] ??= principal.country;
    m['originAgency'] ??= principal.agency;
  }
}
