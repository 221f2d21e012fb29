// Preparing published events for Kafka, before anything is produced: authorise the topic, skim
// or decode and validate the payload against the topic's schema, check the claimed origin and
// key, and stamp the record with the caller's identity and the batch's acceptance time. Pure
// work on a codec: no bus, so every refusal can be tested on its own.
import type { PublishRequest } from '@puente/proto';
import type { BusRecord } from '@puente/bus';
import type { AvroCodec } from '@puente/contracts';

import { authorizePublish, type PublishPermissions } from '../auth/authorization.js';
import type { Principal } from '../auth/identity.js';
import { fromUnknown, GatewayError, topicNotFound } from '../grpc/errors.js';
import { keyDiffers, originMismatch, payloadTooLarge, withSchemaContext } from './event-refusals.js';
import { createEventReader, type EventReader, type PublishedEvent, readEvent } from './read-event.js';

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

/** When the gateway accepted a batch, in the forms its records carry. */
export interface Stamp {
  readonly date: Date;
  readonly ms: number;
  readonly iso: string;
}

/** What a batch's events of one topic share: the record fields that do not depend on the event. */
export interface TopicContext {
  readonly topic: string;
  readonly schemaId: number;
  readonly ceSource: string;
  readonly ceType: string;
  readonly stamp: Stamp;
}

/** A preparer's options and its event reader (which remembers each topic's skim paths). */
interface Preparation {
  readonly options: EventPreparerOptions;
  readonly reader: EventReader;
}

export function createEventPreparer(options: EventPreparerOptions): EventPreparer {
  const preparation: Preparation = { options, reader: createEventReader(options.codec) };
  return {
    prepareBatch(principal, requests, at) {
      return prepareBatch(preparation, principal, requests, at);
    },
  };
}

function prepareBatch(
  preparation: Preparation,
  principal: Principal,
  requests: readonly PublishRequest[],
  at: Date,
): (PreparedEvent | GatewayError)[] {
  const { codec, permissions } = preparation.options;
  // The events of a batch arrive together: one acceptance time for all of them.
  const stamp: Stamp = { date: at, ms: at.getTime(), iso: at.toISOString() };
  const contexts = new Map<string, TopicContext | GatewayError>();
  return requests.map((request, index) => {
    let context = contexts.get(request.topic);
    if (!context)
      contexts.set(request.topic, (context = topicContextOf(codec, permissions, principal, request.topic, stamp)));
    const prepared =
      context instanceof GatewayError ? context : prepareEvent(preparation, principal, request, index, context);
    return prepared instanceof GatewayError
      ? withSchemaContext(prepared, request, (t) => codec.schemaIdOf(t))
      : prepared;
  });
}

/**
 * Whether the caller may publish the topic, and the record fields its events share. Worked out
 * once per topic and batch.
 */
export function topicContextOf(
  codec: AvroCodec,
  permissions: PublishPermissions,
  principal: Principal,
  topic: string,
  stamp: Stamp,
): TopicContext | GatewayError {
  try {
    if (!codec.topics().includes(topic)) return topicNotFound(topic, `unknown topic '${topic}'`);
    authorizePublish(principal, topic, permissions);
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
}

function prepareEvent(
  preparation: Preparation,
  principal: Principal,
  request: PublishRequest,
  index: number,
  context: TopicContext,
): PreparedEvent | GatewayError {
  try {
    const { maxPayloadBytes } = preparation.options;
    if (request.payload.length > maxPayloadBytes) return payloadTooLarge(request.payload.length, maxPayloadBytes);
    const event = readEvent(preparation.reader, principal, request);
    return claimRefusal(principal, request, event) ?? stampEvent(principal, index, context, event);
  } catch (error) {
    return fromUnknown(error);
  }
}

/** The refusal of an event that claims an origin other than the caller's, or a key other than its own. */
export function claimRefusal(
  principal: Principal,
  request: PublishRequest,
  event: PublishedEvent,
): GatewayError | undefined {
  const { originCountry, originAgency, key } = event;
  if (originCountry !== principal.country || originAgency !== principal.agency) {
    return originMismatch(principal, originCountry, originAgency);
  }
  if (request.key !== '' && request.key !== key) return keyDiffers(request.key, key);
  return undefined;
}

/** The event as a record stamped with the caller's identity and the batch's acceptance time. */
export function stampEvent(
  principal: Principal,
  index: number,
  context: TopicContext,
  event: PublishedEvent,
): PreparedEvent {
  const { eventId } = event;
  const { stamp } = context;
  return {
    index,
    topic: context.topic,
    eventId,
    dedupeKey: `${principal.name}\u0000${eventId}`,
    schemaId: context.schemaId,
    timestamp: stamp.date,
    record: {
      key: event.key,
      value: event.bytes,
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
}
