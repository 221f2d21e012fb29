// Records as operators see them: decoded as their topic's current schema (never throwing), and
// rendered into a BrowsedRecord — raw for the own country, or the policy view an agreement
// releases, in Avro JSON or Confluent-framed Avro.
import { PayloadFormat, type BrowsedRecord } from '@puente/proto';
import type { ConsumedRecord } from '@puente/bus';
import type { AvroCodec } from '@puente/contracts';
import type { Decision } from '@puente/policy';

import type { InspectableTopic, InspectAccess } from '../auth/authorization.js';
import type { OperatorContext } from './context.js';

export interface Decoded {
  readonly value?: Record<string, unknown>;
  readonly schemaId?: number;
  readonly error?: string;
}

/** A record a browse selected, with what rendering it needs. */
export interface Match {
  readonly record: ConsumedRecord;
  readonly decoded: Decoded;
  /** For a view: the admitting decision; undefined for raw, or when the view failed (`viewError`). */
  readonly decision?: Extract<Decision, { admitted: true }>;
  readonly viewError?: string;
}

/** The topic whose schema a record of `topic` is written in: a dead letter's source topic. */
export function schemaTopicOf(topic: InspectableTopic): string {
  return topic.kind === 'dead-letter' ? topic.source : topic.topic;
}

/** Decodes as the topic's current schema (a dead letter as its source topic's); never throws. */
export function decode(codec: AvroCodec, topic: InspectableTopic, record: ConsumedRecord): Decoded {
  const readAs = schemaTopicOf(topic);
  try {
    if (!record.value) return { error: 'empty record value' };
    const decoded = codec.decode(record.value, { topic: readAs });
    return { value: decoded.value as Record<string, unknown>, schemaId: decoded.schemaId };
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error) };
  }
}

/** The event's `meta.eventId`; empty when there is none. */
export function eventIdOf(value: Record<string, unknown> | undefined): string {
  const meta = value?.['meta'] as { eventId?: unknown } | undefined;
  return typeof meta?.eventId === 'string' ? meta.eventId : '';
}

/** A view value in `format` (AVRO_CONFLUENT or AVRO_JSON), written in the view schema `schemaId`. */
export function renderView(
  codec: AvroCodec,
  schemaId: number,
  view: Record<string, unknown>,
  format: PayloadFormat,
): Buffer {
  return format === PayloadFormat.AVRO_CONFLUENT
    ? codec.encodeWithSchemaId(schemaId, view)
    : Buffer.from(JSON.stringify(codec.toAvroJsonWithSchemaId(schemaId, view)));
}

/** A selected record as the access shows it, its payload in `format` (AVRO_CONFLUENT or AVRO_JSON). */
export function toBrowsed(
  deps: Pick<OperatorContext, 'codec' | 'viewSchemaId'>,
  access: InspectAccess,
  match: Match,
  format: PayloadFormat,
): BrowsedRecord {
  return access.access === 'view'
    ? viewRecord(deps, access, match, format)
    : rawRecord(deps.codec, access, match, format);
}

function baseOf(match: Match): Pick<BrowsedRecord, 'topic' | 'partition' | 'offset' | 'timestamp' | 'eventId'> {
  const { record, decoded } = match;
  return {
    topic: record.topic,
    partition: record.partition,
    offset: record.offset,
    timestamp: new Date(record.timestamp),
    eventId: eventIdOf(decoded.value),
  };
}

function viewRecord(
  deps: Pick<OperatorContext, 'codec' | 'viewSchemaId'>,
  access: Extract<InspectAccess, { access: 'view' }>,
  match: Match,
  format: PayloadFormat,
): BrowsedRecord {
  const base = baseOf(match);
  const error = match.decoded.error ?? match.viewError;
  if (error !== undefined || !match.decision) {
    return {
      ...base,
      key: '',
      headers: {},
      schemaId: 0,
      payloadFormat: PayloadFormat.UNSPECIFIED,
      payload: Buffer.alloc(0),
      decodeError: error ?? 'no view',
    };
  }
  const schemaId = deps.viewSchemaId(access.feed.policy);
  const view = match.decision.view;
  return {
    ...base,
    key: releasedKey(view, match.record.key),
    headers: {},
    schemaId,
    payloadFormat: format,
    payload: renderView(deps.codec, schemaId, view, format),
    decodeError: '',
  };
}

function rawRecord(codec: AvroCodec, access: InspectAccess, match: Match, format: PayloadFormat): BrowsedRecord {
  const { record, decoded } = match;
  const raw = { ...baseOf(match), key: record.key ?? '', headers: textHeaders(record.headers) };
  if (decoded.error !== undefined || decoded.value === undefined) {
    return {
      ...raw,
      schemaId: 0,
      payloadFormat: PayloadFormat.UNSPECIFIED,
      payload: record.value ?? Buffer.alloc(0),
      decodeError: decoded.error ?? 'no value',
    };
  }
  const readAs = schemaTopicOf(access.topic);
  let payload: Buffer;
  try {
    payload =
      format === PayloadFormat.AVRO_CONFLUENT
        ? (record.value ?? Buffer.alloc(0))
        : Buffer.from(JSON.stringify(codec.toAvroJson(readAs, decoded.value)));
  } catch (error) {
    return {
      ...raw,
      schemaId: decoded.schemaId ?? 0,
      payloadFormat: PayloadFormat.UNSPECIFIED,
      payload: record.value ?? Buffer.alloc(0),
      decodeError: `cannot render as JSON: ${error instanceof Error ? error.message : String(error)}`,
    };
  }
  // JSON is written in the schema the value was read as (the topic's current one).
  const schemaId = format === PayloadFormat.AVRO_CONFLUENT ? (decoded.schemaId ?? 0) : codec.schemaIdOf(readAs);
  return { ...raw, schemaId, payloadFormat: format, payload, decodeError: '' };
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** Headers whose values are UTF-8 text; binary ones are left out. */
export function textHeaders(headers: Readonly<Record<string, Buffer>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    try {
      out[name] = UTF8.decode(value);
    } catch {
      // binary header: not shown
    }
  }
  return out;
}

/** The key is the entity id: shown with a view only when the view releases that value as is. */
export function releasedKey(view: Record<string, unknown>, key: string | null): string {
  if (key === null) return '';
  for (const value of Object.values(view)) if (value === key) return key;
  return '';
}
