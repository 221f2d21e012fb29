// Preparing published events for Kafka, before anything is produced: authorise the topic, skim
// or decode and validate the payload against the topic's schema, check the claimed origin and
// key, and stamp the record with the caller's identity and the batch's acceptance time. Pure
// work on a codec: no bus, so every refusal can be tested on its own.
import { randomUUID } from 'node:crypto';

import { ErrorReason, PayloadFormat, type BadRequest_FieldViolation, type PublishRequest } from '@puente/proto';
import type { BusRecord } from '@puente/bus';
import { type AvroCodec, type FieldError, isAvroError, readSchemaId } from '@puente/contracts';

import { authorizePublish, type PublishPermissions } from '../auth/authorization.js';
import type { Principal } from '../auth/identity.js';
import { fromUnknown, GatewayError, topicNotFound } from '../grpc/errors.js';

export interface EventPreparerOptions {
  readonly codec: AvroCodec;
  readonly permissions: PublishPermissions;
  /** Largest accepted payload, in bytes. */
  readonly maxPayloadBytes: number;
}

/** An event ready to produce: its record, and what its answer and deduplication need. */
export interface PreparedEvent {
  /** Position of its request in the batch. */
  readonly index: number;
  readonly topic: string;
  readonly eventId: string;
  /** Repeats are recognised per caller: the caller's name and the eventId. */
  readonly dedupeKey: string;
  readonly record: BusRecord;
  readonly schemaId: number;
  /** When the gateway accepted the batch (the record's timestamp and `ce_time`). */
  readonly timestamp: Date;
}

export interface EventPreparer {
  /**
   * Prepares a batch the gateway accepted at `at`: for each request, in order, its prepared
   * event or the refusal to answer it with. Schema refusals name the topic and schema id.
   */
  prepareBatch(principal: Principal, requests: readonly PublishRequest[], at: Date): (PreparedEvent | GatewayError)[];
}

interface PublishedEvent {
  readonly eventId: string;
  readonly originCountry: string;
  readonly originAgency: string;
  readonly key: string;
  readonly bytes: Buffer;
}

/** When the gateway accepted a batch, in the forms its records carry. */
interface Stamp {
  readonly date: Date;
  readonly ms: number;
  readonly iso: string;
}

interface TopicContext {
  readonly topic: string;
  readonly schemaId: number;
  readonly ceSource: string;
  readonly ceType: string;
  readonly stamp: Stamp;
}

/** Schema errors name the topic and the schema id they concern, as common.proto promises. */
function withSchemaContext(
  error: GatewayError,
  request: PublishRequest,
  latestOf: (topic: string) => number,
): GatewayError {
  if (error.reason !== ErrorReason.SCHEMA_REJECTED && error.reason !== ErrorReason.SCHEMA_NOT_FOUND) return error;
  const framed =
    request.payloadFormat === PayloadFormat.AVRO_CONFLUENT && request.payload.length >= 5 && request.payload[0] === 0;
  let schemaId = framed ? request.payload.readInt32BE(1) : request.schemaId;
  if (schemaId === 0) {
    try {
      schemaId = latestOf(request.topic);
    } catch {
      schemaId = 0; // a topic the catalog does not know: no schema to name
    }
  }
  return error.withMetadata({ topic: request.topic, schemaId: String(schemaId) });
}

export function createEventPreparer(options: EventPreparerOptions): EventPreparer {
  const { codec } = options;

  /**
   * What a batch's events of one topic share: whether the caller may publish it, and the
   * record fields that do not depend on the event. Worked out once per topic and batch.
   */
  const topicOf = (principal: Principal, topic: string, stamp: Stamp): TopicContext | GatewayError => {
    try {
      if (!codec.topics().includes(topic)) return topicNotFound(topic, `unknown topic '${topic}'`);
      authorizePublish(principal, topic, options.permissions);
      return {
        topic,
        schemaId: codec.schemaIdOf(topic),
        ceSource: `/puente/${principal.country}/${principal.agency}`,
        ceType: `org.puente.v1.${topic.split('.')[1] ?? 'event'}`,
        stamp,
      };
    } catch (error) {
      return fromUnknown(error);
    }
  };

  const prepare = (
    principal: Principal,
    request: PublishRequest,
    index: number,
    context: TopicContext,
  ): PreparedEvent | GatewayError => {
    try {
      if (request.payload.length > options.maxPayloadBytes) {
        return new GatewayError({
          code: 'INVALID_ARGUMENT',
          reason: ErrorReason.PAYLOAD_TOO_LARGE,
          message: `payload is ${request.payload.length} bytes; the limit is ${options.maxPayloadBytes}`,
          metadata: { limit: String(options.maxPayloadBytes) },
        });
      }
      const { eventId, originCountry, originAgency, key, bytes } = readEvent(principal, request);
      if (originCountry !== principal.country || originAgency !== principal.agency) {
        return new GatewayError({
          code: 'PERMISSION_DENIED',
          reason: ErrorReason.ORIGIN_MISMATCH,
          message: `the event claims origin ${originCountry}/${originAgency}, but the caller is ${principal.country}/${principal.agency}`,
          fieldViolations: [
            ...(originCountry !== principal.country
              ? [
                  {
                    field: 'meta.originCountry',
                    description: `must be ${principal.country}`,
                    reason: 'ORIGIN_MISMATCH',
                  },
                ]
              : []),
            ...(originAgency !== principal.agency
              ? [{ field: 'meta.originAgency', description: `must be ${principal.agency}`, reason: 'ORIGIN_MISMATCH' }]
              : []),
          ],
        });
      }
      if (request.key !== '' && request.key !== key) {
        return new GatewayError({
          code: 'INVALID_ARGUMENT',
          reason: ErrorReason.REQUEST_INVALID,
          message: `key '${request.key}' differs from the event's entity id '${key}'`,
          fieldViolations: [
            { field: 'key', description: 'must equal the entity id of the event', reason: 'REQUEST_INVALID' },
          ],
        });
      }
      const { stamp } = context;
      return {
        index,
        topic: context.topic,
        eventId,
        dedupeKey: `${principal.name}\u0000${eventId}`,
        schemaId: context.schemaId,
        timestamp: stamp.date,
        record: {
          key,
          value: bytes,
          timestamp: stamp.ms,
          headers: {
            ce_specversion: '1.0',
            ce_id: eventId,
            ce_source: context.ceSource,
            ce_type: context.ceType,
            ce_time: stamp.iso,
            'content-type': 'application/vnd.confluent.avro',
          },
        },
      };
    } catch (error) {
      return fromUnknown(error);
    }
  };

  /**
   * What the publish path needs of an event, and the bytes to produce. Avro in the topic's
   * current schema is skimmed (fully validated without decoding, only meta and key read) and
   * goes to Kafka as it came: the stamping changes nothing in it, since a differing origin is
   * refused. Bytes the skim refuses are explained field by field; anything else (JSON, an older
   * schema of the topic) is validated completely, decoded and written in the current schema.
   */
  const readEvent = (principal: Principal, request: PublishRequest): PublishedEvent => {
    const paths = skimPaths(request.topic);
    if (request.payloadFormat === PayloadFormat.AVRO_CONFLUENT) {
      const writerId = framedSchemaId(request);
      if (writerId === codec.schemaIdOf(request.topic)) {
        const skimmed = codec.skim(request.topic, request.payload, paths);
        const [eventId, originCountry, originAgency, key] = skimmed ?? [];
        if (eventId && originCountry && originAgency && key) {
          return { eventId, originCountry, originAgency, key, bytes: request.payload };
        }
        // Valid but for an empty key or origin: decoding below names what is missing.
        if (skimmed === undefined) refuseBytes(request, writerId);
      } else {
        requireVersionOfTopic(request.topic, writerId);
        refuseBytes(request, writerId);
      }
    }
    const { value: decoded, bytes } = decodePayload(principal, request);
    const value = decoded as { meta: Record<string, unknown> };
    const key = codec.keyOf(request.topic, value);
    return {
      eventId: String(value.meta['eventId']),
      originCountry: String(value.meta['originCountry']),
      originAgency: String(value.meta['originAgency']),
      key,
      bytes: bytes ?? codec.encode(request.topic, value),
    };
  };

  /** The schema id in the framing, which a non-zero `schema_id` must repeat. */
  const framedSchemaId = (request: PublishRequest): number => {
    const writerId = readSchemaId(request.payload);
    if (request.schemaId !== 0 && request.schemaId !== writerId) {
      throw new GatewayError({
        code: 'INVALID_ARGUMENT',
        reason: ErrorReason.REQUEST_INVALID,
        message: `schema_id ${request.schemaId} differs from schema id ${writerId} in the payload's framing`,
        fieldViolations: [
          {
            field: 'schema_id',
            description: `must be 0 or ${writerId}, the schema id in the payload's framing`,
            reason: 'REQUEST_INVALID',
          },
        ],
      });
    }
    return writerId;
  };

  const requireVersionOfTopic = (topic: string, schemaId: number): void => {
    const subject = codec.catalog.data.subjects[codec.catalog.subjectOf(topic)];
    if (subject?.versions.some((v) => v.id === schemaId)) return;
    throw new GatewayError({
      code: 'NOT_FOUND',
      reason: ErrorReason.SCHEMA_NOT_FOUND,
      message: `schema id ${schemaId} is not a version of ${topic}'s schema`,
      metadata: { schemaId: String(schemaId), topic },
    });
  };

  /** Throws the field-by-field verdict on bytes that full validation refuses. */
  const refuseBytes = (request: PublishRequest, schemaId: number): void => {
    const { errors, malformed } = codec.explainBytes(request.payload);
    if (errors.length === 0) return;
    if (malformed) {
      const listed = errors.slice(0, LISTED_VIOLATIONS).map((e) => e.message);
      throw new GatewayError({
        code: 'INVALID_ARGUMENT',
        reason: ErrorReason.PAYLOAD_UNDECODABLE,
        message: `payload is not one Avro value of schema id ${schemaId}: ${listed.join('; ')}`,
        fieldViolations: violations(errors, 'PAYLOAD_UNDECODABLE'),
      });
    }
    throw schemaRejected(request.topic, schemaId, errors);
  };

  const skimPathsByTopic = new Map<string, readonly string[]>();
  const skimPaths = (topic: string): readonly string[] => {
    let paths = skimPathsByTopic.get(topic);
    if (!paths) {
      paths = ['meta.eventId', 'meta.originCountry', 'meta.originAgency', codec.catalog.topic(topic).keyField];
      skimPathsByTopic.set(topic, paths);
    }
    return paths;
  };

  const decodePayload = (principal: Principal, request: PublishRequest): { value: unknown; bytes?: Buffer } => {
    switch (request.payloadFormat) {
      case PayloadFormat.AVRO_CONFLUENT: {
        const decoded = codec.decode(request.payload, { topic: request.topic });
        return decoded.schemaId === codec.schemaIdOf(request.topic)
          ? { value: decoded.value, bytes: request.payload }
          : { value: decoded.value };
      }
      case PayloadFormat.AVRO_JSON: {
        let json: unknown;
        try {
          json = JSON.parse(request.payload.toString('utf8'));
        } catch (error) {
          throw new GatewayError({
            code: 'INVALID_ARGUMENT',
            reason: ErrorReason.PAYLOAD_UNDECODABLE,
            message: `payload is not JSON: ${(error as Error).message}`,
          });
        }
        const schemaId = request.schemaId === 0 ? codec.schemaIdOf(request.topic) : request.schemaId;
        requireVersionOfTopic(request.topic, schemaId);
        // Stamp what the caller may leave out: a new eventId, and the origin from its identity.
        const meta = (json as { meta?: unknown } | null)?.meta;
        if (meta !== null && typeof meta === 'object' && !Array.isArray(meta)) {
          const m = meta as Record<string, unknown>;
          if (m['eventId'] === undefined || m['eventId'] === '') m['eventId'] = randomUUID();
          m['originCountry'] ??= principal.country;
          m['originAgency'] ??= principal.agency;
        }
        try {
          return { value: codec.fromAvroJson(request.topic, json, { schemaId }) };
        } catch (error) {
          if (isAvroError(error, 'SCHEMA_VALIDATION')) throw schemaRejected(request.topic, schemaId, error.fieldErrors);
          throw error;
        }
      }
      default:
        throw new GatewayError({
          code: 'INVALID_ARGUMENT',
          reason: ErrorReason.REQUEST_INVALID,
          message: 'payload_format must be AVRO_CONFLUENT or AVRO_JSON',
          fieldViolations: [
            { field: 'payload_format', description: 'AVRO_CONFLUENT or AVRO_JSON', reason: 'REQUEST_INVALID' },
          ],
        });
    }
  };

  return {
    prepareBatch(principal, requests, at) {
      // The events of a batch arrive together: one acceptance time for all of them.
      const stamp: Stamp = { date: at, ms: at.getTime(), iso: at.toISOString() };
      const contexts = new Map<string, TopicContext | GatewayError>();
      return requests.map((request, index) => {
        let context = contexts.get(request.topic);
        if (!context) contexts.set(request.topic, (context = topicOf(principal, request.topic, stamp)));
        const prepared = context instanceof GatewayError ? context : prepare(principal, request, index, context);
        return prepared instanceof GatewayError
          ? withSchemaContext(prepared, request, (t) => codec.schemaIdOf(t))
          : prepared;
      });
    },
  };
}

/** Messages quote this many violations; BadRequest carries them all. */
const LISTED_VIOLATIONS = 10;

function violations(errors: readonly FieldError[], reason: string): BadRequest_FieldViolation[] {
  return errors.map((e) => ({ field: e.path, description: e.message, reason }));
}

function schemaRejected(topic: string, schemaId: number, errors: readonly FieldError[]): GatewayError {
  const listed = errors.slice(0, LISTED_VIOLATIONS).map((e) => e.message);
  const more = errors.length > LISTED_VIOLATIONS ? `; … and ${errors.length - LISTED_VIOLATIONS} more` : '';
  return new GatewayError({
    code: 'INVALID_ARGUMENT',
    reason: ErrorReason.SCHEMA_REJECTED,
    message: `${topic}: ${errors.length} invalid field(s): ${listed.join('; ')}${more}`,
    fieldViolations: violations(errors, 'SCHEMA_REJECTED'),
    metadata: { topic, schemaId: String(schemaId) },
  });
}
