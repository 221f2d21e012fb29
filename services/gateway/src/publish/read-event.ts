// What the publish path needs of an event, and the bytes to produce. Avro in the topic's current
// schema is skimmed (fully validated without decoding, only meta and key read) and goes to Kafka
// as it came: the stamping changes nothing in it, since a differing origin is refused. Bytes the
// skim refuses are explained field by field; anything else (JSON, an older schema of the topic) is
// validated completely, decoded and written in the current schema (decode-payload.ts). A topic
// with domain rules (rules Avro cannot state, `domainRulesOf` in @puente/contracts) has its
// events decoded and checked against them too, whatever their format.
import { PayloadFormat, type PublishRequest } from '@puente/proto';
import { type AvroCodec, type DomainProblem, domainRulesOf, readSchemaId } from '@puente/contracts';

import type { Principal } from '../auth/identity.js';
import { decodePayload, requireVersionOfTopic } from './decode-payload.js';
import { domainRejected, malformedBytes, schemaIdDiffers, schemaRejected } from './event-refusals.js';

export interface PublishedEvent {
  readonly eventId: string;
  readonly originCountry: string;
  readonly originAgency: string;
  readonly key: string;
  readonly bytes: Buffer;
}

type DomainRules = (value: unknown) => DomainProblem[];

/** Reads events for one codec; remembers each topic's skim paths and domain rules. */
export interface EventReader {
  readonly codec: AvroCodec;
  readonly skimPathsByTopic: Map<string, readonly string[]>;
  readonly rulesByTopic: Map<string, DomainRules | null>;
}

export function createEventReader(codec: AvroCodec): EventReader {
  return { codec, skimPathsByTopic: new Map(), rulesByTopic: new Map() };
}

export function readEvent(reader: EventReader, principal: Principal, request: PublishRequest): PublishedEvent {
  const paths = skimPaths(reader, request.topic);
  const rules = domainRules(reader, request.topic);
  if (request.payloadFormat === PayloadFormat.AVRO_CONFLUENT) {
    const skimmed = skimBinary(reader.codec, request, paths);
    // Bytes the skim accepted conform to the schema; the rules need them decoded.
    if (skimmed) {
      if (rules) checkRules(reader.codec, request.topic, rules, reader.codec.decode(skimmed.bytes).value);
      return skimmed;
    }
  }
  return decodeEvent(reader.codec, principal, request, rules);
}

/** Throws the refusal naming every domain rule `value` breaks. */
function checkRules(codec: AvroCodec, topic: string, rules: DomainRules, value: unknown): void {
  const problems = rules(value);
  if (problems.length > 0) throw domainRejected(topic, codec.schemaIdOf(topic), problems);
}

/**
 * The event read by a skim of binary in the topic's current schema, or undefined when it must be
 * decoded (a valid value with an empty key or origin: decoding names what is missing). Throws the
 * refusal of bytes that full validation refuses, or of a schema id that is not the topic's.
 */
export function skimBinary(
  codec: AvroCodec,
  request: PublishRequest,
  paths: readonly string[],
): PublishedEvent | undefined {
  const writerId = framedSchemaId(request);
  if (writerId === codec.schemaIdOf(request.topic)) {
    const skimmed = codec.skim(request.topic, request.payload, paths);
    const [eventId, originCountry, originAgency, key] = skimmed ?? [];
    if (eventId && originCountry && originAgency && key) {
      return { eventId, originCountry, originAgency, key, bytes: request.payload };
    }
    // Valid but for an empty key or origin: decoding below names what is missing.
    if (skimmed === undefined) refuseBytes(codec, request, writerId);
  } else {
    requireVersionOfTopic(codec, request.topic, writerId);
    refuseBytes(codec, request, writerId);
  }
  return undefined;
}

/** The event decoded in full, and its bytes in the topic's current schema. */
function decodeEvent(
  codec: AvroCodec,
  principal: Principal,
  request: PublishRequest,
  rules: DomainRules | undefined,
): PublishedEvent {
  const { value: decoded, bytes } = decodePayload(codec, principal, request);
  if (rules) checkRules(codec, request.topic, rules, decoded);
  const value = decoded as { meta: Record<string, unknown> };
  const key = codec.keyOf(request.topic, value);
  return {
    eventId: String(value.meta['eventId']),
    originCountry: String(value.meta['originCountry']),
    originAgency: String(value.meta['originAgency']),
    key,
    bytes: bytes ?? codec.encode(request.topic, value),
  };
}

/** The schema id in the framing, which a non-zero `schema_id` must repeat. */
export function framedSchemaId(request: PublishRequest): number {
  const writerId = readSchemaId(request.payload);
  if (request.schemaId !== 0 && request.schemaId !== writerId) throw schemaIdDiffers(request.schemaId, writerId);
  return writerId;
}

/** Throws the field-by-field verdict on bytes that full validation refuses. */
function refuseBytes(codec: AvroCodec, request: PublishRequest, schemaId: number): void {
  const { errors, malformed } = codec.explainBytes(request.payload);
  if (errors.length === 0) return;
  if (malformed) throw malformedBytes(schemaId, errors);
  throw schemaRejected(request.topic, schemaId, errors);
}

/** The topic's domain rules, if its value type has any. */
function domainRules(reader: EventReader, topic: string): DomainRules | undefined {
  let rules = reader.rulesByTopic.get(topic);
  if (rules === undefined) {
    rules = domainRulesOf(reader.codec.catalog.topic(topic).valueType) ?? null;
    reader.rulesByTopic.set(topic, rules);
  }
  return rules ?? undefined;
}

/** What a skim reads: meta's eventId and origin, and the topic's key field. */
function skimPaths(reader: EventReader, topic: string): readonly string[] {
  let paths = reader.skimPathsByTopic.get(topic);
  if (!paths) {
    paths = ['meta.eventId', 'meta.originCountry', 'meta.originAgency', reader.codec.catalog.topic(topic).keyField];
    reader.skimPathsByTopic.set(topic, paths);
  }
  return paths;
}
