// The publish path: authorise, decode and validate against the topic's schema, stamp `meta`
// from the caller's identity, drop repeats of an eventId, and produce through the circuit
// breaker. A result is returned only after Kafka acknowledged the record.
import { randomUUID } from 'node:crypto';

import {
  ErrorReason,
  PayloadFormat,
  type BadRequest_FieldViolation,
  type PublishRequest,
  type PublishResponse,
} from '@puente/proto';
import { type Bus, BusError, type BusRecord } from '@puente/bus';
import { type AvroCodec, type FieldError, isAvroError, readSchemaId } from '@puente/contracts';
import { type Breaker, BreakerOpenError } from '@puente/runtime';

import { authorizePublish, type PublishPermissions } from '../auth/authorization.js';
import { BUS_RETRY_AFTER_MS, busUnavailable, fromUnknown, GatewayError, topicNotFound } from '../grpc/errors.js';
import { DedupeWindow, type Acknowledged } from './dedupe-window.js';
import type { Principal } from '../auth/identity.js';

export interface PublisherOptions {
  readonly bus: Bus;
  readonly codec: AvroCodec;
  readonly breaker: Breaker;
  readonly permissions: PublishPermissions;
  /** Largest accepted payload, in bytes. */
  readonly maxPayloadBytes: number;
  /** Events being produced at once, over all callers; beyond it callers get RESOURCE_EXHAUSTED. */
  readonly maxInFlight: number;
  /** How long an eventId is remembered per publisher to drop repeats. */
  readonly dedupeWindowMs: number;
  /** At most this many eventIds are remembered (the oldest go first), bounding memory under load. */
  readonly dedupeMaxEntries?: number;
  readonly now?: () => number;
  readonly onPublished?: (topic: string, count: number) => void;
}

export type PublishOutcome =
  { readonly ok: true; readonly response: PublishResponse } | { readonly ok: false; readonly error: GatewayError };

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

interface Prepared {
  readonly index: number;
  readonly topic: string;
  readonly eventId: string;
  readonly dedupeKey: string;
  readonly record: BusRecord;
  readonly schemaId: number;
  readonly timestamp: Date;
}

const responseOf = (eventId: string, entry: Acknowledged, duplicate: boolean): PublishResponse => ({
  eventId,
  topic: entry.topic,
  partition: entry.partition,
  offset: entry.offset,
  schemaId: entry.schemaId,
  timestamp: new Date(entry.timestamp),
  duplicate,
});

/** Retry hint of PUBLISH_QUEUE_FULL: in-flight produces finish in about this long. */
export const QUEUE_FULL_RETRY_AFTER_MS = 100;

/**
 * What a failed produce tells the caller. Certainly not written: the breaker was open (nothing
 * was sent), or Kafka refused the request for what it is. Perhaps written: the breaker gave up
 * waiting while the produce went on, or the connection failed after the request may have left;
 * the caller finds out by publishing the same eventId again (a written one answers duplicate).
 */
function produceFailure(error: unknown): GatewayError {
  const unknown = (cause: unknown, why: string) =>
    new GatewayError({
      code: 'UNAVAILABLE',
      reason: ErrorReason.PUBLISH_OUTCOME_UNKNOWN,
      message: `${why}: the events may or may not have been written; publish them again with the same meta.eventId after ${BUS_RETRY_AFTER_MS} ms (a written one is answered as a duplicate)`,
      retryAfterMs: BUS_RETRY_AFTER_MS,
      cause,
    });
  if (error instanceof BreakerOpenError) {
    return error.reason === 'open'
      ? busUnavailable(error.message, error)
      : unknown(error, 'Kafka did not acknowledge in time');
  }
  if (
    error instanceof BusError &&
    (error.mayHaveWritten || error.code === 'UNAVAILABLE' || error.code === 'TIMEOUT' || error.code === 'INTERNAL')
  ) {
    return unknown(error, `the produce failed after it was sent (${error.message})`);
  }
  return fromUnknown(error);
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

export interface Publisher {
  /** Publishes a batch; one outcome per request, in order. Valid events of one topic go to Kafka together. */
  publishBatch(principal: Principal, requests: readonly PublishRequest[]): Promise<PublishOutcome[]>;
  inFlight(): number;
}

export function createPublisher(options: PublisherOptions): Publisher {
  const { bus, codec, breaker } = options;
  const now = options.now ?? Date.now;
  const remembered = new DedupeWindow(options.dedupeWindowMs, options.dedupeMaxEntries ?? 500_000);
  let inFlight = 0;

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
  ): Prepared | GatewayError => {
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
    inFlight: () => inFlight,
    async publishBatch(principal, requests) {
      remembered.expire(now());
      const outcomes: (PublishOutcome | undefined)[] = Array.from({ length: requests.length }, () => undefined);
      const toSend = new Map<string, Prepared[]>();
      /** Index of each eventId's first event in this batch; a repeat is answered as that one is. */
      const seenInBatch = new Map<string, number>();
      const repeats: { index: number; of: number; eventId: string }[] = [];
      // The events of a batch arrive together: one acceptance time for all of them.
      const at = new Date(now());
      const stamp: Stamp = { date: at, ms: at.getTime(), iso: at.toISOString() };
      const contexts = new Map<string, TopicContext | GatewayError>();
      requests.forEach((request, index) => {
        let context = contexts.get(request.topic);
        if (!context) contexts.set(request.topic, (context = topicOf(principal, request.topic, stamp)));
        const prepared = context instanceof GatewayError ? context : prepare(principal, request, index, context);
        if (prepared instanceof GatewayError) {
          outcomes[index] = { ok: false, error: withSchemaContext(prepared, request, (t) => codec.schemaIdOf(t)) };
          return;
        }
        const known = remembered.get(prepared.dedupeKey);
        if (known) {
          outcomes[index] = { ok: true, response: responseOf(prepared.eventId, known, true) };
          return;
        }
        const first = seenInBatch.get(prepared.dedupeKey);
        if (first !== undefined) {
          repeats.push({ index, of: first, eventId: prepared.eventId });
          return;
        }
        seenInBatch.set(prepared.dedupeKey, index);
        const list = toSend.get(prepared.topic) ?? [];
        list.push(prepared);
        toSend.set(prepared.topic, list);
      });
      const count = [...toSend.values()].reduce((n, list) => n + list.length, 0);
      if (count > 0 && inFlight + count > options.maxInFlight) {
        const error = new GatewayError({
          code: 'RESOURCE_EXHAUSTED',
          reason: ErrorReason.PUBLISH_QUEUE_FULL,
          message: `${inFlight} events are being published; the gateway accepts at most ${options.maxInFlight} at once`,
          retryAfterMs: QUEUE_FULL_RETRY_AFTER_MS,
          metadata: { limit: String(options.maxInFlight) },
          quotaFailure: {
            violations: [
              {
                subject: 'publish-in-flight',
                description: `${inFlight} of ${options.maxInFlight} events in flight; ${count} more do not fit`,
              },
            ],
          },
        });
        for (const list of toSend.values()) for (const p of list) outcomes[p.index] = { ok: false, error };
        toSend.clear();
      }
      inFlight += count;
      try {
        await Promise.all(
          [...toSend].map(async ([topic, prepared]) => {
            // The produce keeps going if the breaker times out: what Kafka acknowledges later is
            // remembered, so the caller's retry is answered as a duplicate, not written twice. It
            // starts inside the breaker: an open breaker must send nothing (BUS_UNAVAILABLE says
            // "certainly not written").
            let produced: Promise<(Acknowledged | undefined)[]> | undefined;
            const produce = () =>
              bus
                .publish(
                  topic,
                  prepared.map((p) => p.record),
                )
                .then((results) => {
                  const at = now();
                  const acknowledged = prepared.map((p, i): Acknowledged | undefined => {
                    const result = results[i];
                    if (!result) return undefined;
                    const entry = {
                      topic,
                      partition: result.partition,
                      offset: result.offset,
                      schemaId: p.schemaId,
                      timestamp: p.timestamp.getTime(),
                    };
                    remembered.add(p.dedupeKey, entry, at);
                    return entry;
                  });
                  options.onPublished?.(topic, results.length);
                  return acknowledged;
                });
            try {
              const acknowledged = await breaker.run(() => (produced = produce()));
              prepared.forEach((p, i) => {
                const entry = acknowledged[i];
                if (entry) outcomes[p.index] = { ok: true, response: responseOf(p.eventId, entry, false) };
              });
            } catch (error) {
              produced?.catch(() => undefined);
              const failure = produceFailure(error);
              for (const p of prepared) outcomes[p.index] = { ok: false, error: failure };
            }
          }),
        );
      } finally {
        inFlight -= count;
      }
      // A repeat within the batch has the original's position (share.proto: "those of the
      // original record"), or the original's failure.
      for (const repeat of repeats) {
        const original = outcomes[repeat.of];
        outcomes[repeat.index] = original?.ok
          ? { ok: true, response: { ...original.response, eventId: repeat.eventId, duplicate: true } }
          : original;
      }
      return outcomes.map(
        (outcome) =>
          outcome ?? {
            ok: false,
            error: new GatewayError({ code: 'INTERNAL', reason: ErrorReason.INTERNAL, message: 'no outcome' }),
          },
      );
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
