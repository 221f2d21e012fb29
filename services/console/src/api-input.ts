// The JSON API's inputs, checked before any call reaches the gateway: each problem names the field
// and what is wrong, so a bad link or a hand-made request gets a clear 400, never a stack trace.
import {
  type BrowseRecordsRequest,
  type ExplainPolicyRequest,
  type GetSubscriptionLagRequest,
  type ListDisclosuresRequest,
  PayloadFormat,
} from '@puente/proto';
import { isCountry } from '@puente/runtime';

import { badInput } from './errors.js';

const TOPIC = /^[A-Za-z0-9._-]{1,249}$/;
const AGREEMENT = /^[A-Za-z0-9._-]{1,128}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const NAME = /^[A-Za-z0-9._:/-]{1,256}$/;
/** Events pasted in the simulator: generous for a manifest, small enough to refuse a flood. */
export const MAX_EVENT_BYTES = 256 * 1024;

type Query = URLSearchParams;

function text(query: Query, field: string, pattern: RegExp, what: string): string {
  const value = query.get(field) ?? '';
  if (value !== '' && !pattern.test(value)) throw badInput(field, `'${value.slice(0, 64)}' is not ${what}`);
  return value;
}

function required(query: Query, field: string, pattern: RegExp, what: string): string {
  const value = text(query, field, pattern, what);
  if (value === '') throw badInput(field, 'is required');
  return value;
}

function integer(query: Query, field: string, min: number, max: number): number | undefined {
  const value = query.get(field);
  if (value === null || value === '') return undefined;
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
    throw badInput(field, `must be a whole number from ${min} to ${max}`);
  }
  return Number(value);
}

function offset(query: Query, field: string): string | undefined {
  const value = query.get(field);
  if (value === null || value === '') return undefined;
  if (!/^\d{1,19}$/.test(value)) throw badInput(field, 'must be an offset (a whole number ≥ 0)');
  return value;
}

function time(query: Query, field: string): Date | undefined {
  const value = query.get(field);
  if (value === null || value === '') return undefined;
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) throw badInput(field, `'${value.slice(0, 40)}' is not a date and time`);
  return date;
}

function pageToken(query: Query): string {
  const value = query.get('pageToken') ?? '';
  if (value.length > 4096) throw badInput('pageToken', 'is too long');
  return value;
}

export function topicsInput(query: Query): { prefix: string } {
  return { prefix: text(query, 'prefix', TOPIC, 'a topic prefix') };
}

export function topicInput(query: Query): { topic: string; viewAgreementId: string } {
  return {
    topic: required(query, 'topic', TOPIC, 'a topic name'),
    viewAgreementId: text(query, 'view', AGREEMENT, 'an agreement id'),
  };
}

/** BrowseRecords: exactly one selector of key, event id, time range or partition offsets (none: newest). */
export function recordsInput(query: Query): BrowseRecordsRequest {
  const { topic, viewAgreementId } = topicInput(query);
  const key = query.get('key') ?? '';
  if (key.length > 1024) throw badInput('key', 'is too long (at most 1,024 characters)');
  const eventId = text(query, 'eventId', UUID, 'an event id (a UUID)');
  const startTime = time(query, 'from');
  const endTime = time(query, 'to');
  const partition = integer(query, 'partition', 0, 100_000);
  const startOffset = offset(query, 'startOffset');
  const endOffset = offset(query, 'endOffset');
  if (startTime && endTime && startTime >= endTime) throw badInput('to', 'must be later than from');
  const chosen = [
    key !== '' && 'key',
    eventId !== '' && 'eventId',
    (startTime || endTime) && 'from/to',
    (partition !== undefined || startOffset || endOffset) && 'partition',
  ].filter(Boolean);
  if (chosen.length > 1)
    throw badInput(
      String(chosen[1]),
      `search by one of key, eventId, from/to or partition, not ${chosen.join(' and ')}`,
    );
  if ((startOffset || endOffset) && partition === undefined) throw badInput('partition', 'is required with offsets');
  let selector: BrowseRecordsRequest['selector'];
  if (key !== '') selector = { $case: 'key', value: key };
  else if (eventId !== '') selector = { $case: 'eventId', value: eventId };
  else if (startTime || endTime) selector = { $case: 'times', value: { startTime, endTime } };
  else if (partition !== undefined) selector = { $case: 'offsets', value: { partition, startOffset, endOffset } };
  return {
    topic,
    selector,
    limit: integer(query, 'limit', 1, 500) ?? 20,
    payloadFormat: PayloadFormat.AVRO_JSON,
    viewAgreementId,
    pageToken: pageToken(query),
  };
}

export function lagInput(query: Query): GetSubscriptionLagRequest {
  return {
    subscription: text(query, 'subscription', NAME, 'a subscription name'),
    topic: text(query, 'topic', TOPIC, 'a topic name'),
    consumerGroup: text(query, 'group', NAME, 'a consumer group id'),
  };
}

export function agreementsInput(query: Query): { topic: string; recipientCountry: string } {
  const recipientCountry = query.get('recipientCountry') ?? '';
  if (recipientCountry !== '' && !isCountry(recipientCountry)) throw badInput('recipientCountry', 'must be US or MX');
  return { topic: text(query, 'topic', TOPIC, 'a topic name'), recipientCountry };
}

/** The simulator's request body: a topic, a stored event id or pasted Avro JSON, an optional agreement. */
export function explainInput(body: unknown): Omit<ExplainPolicyRequest, 'target'> & { agreementId: string } {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw badInput('body', 'must be a JSON object');
  const fields = body as Record<string, unknown>;
  const query = new URLSearchParams();
  for (const name of ['topic', 'eventId', 'agreementId']) {
    const value = fields[name];
    if (value !== undefined && typeof value !== 'string') throw badInput(name, 'must be a string');
    if (typeof value === 'string') query.set(name, value);
  }
  const topic = required(query, 'topic', TOPIC, 'a topic name');
  const eventId = text(query, 'eventId', UUID, 'an event id (a UUID)');
  const agreementId = text(query, 'agreementId', AGREEMENT, 'an agreement id');
  const event = fields['event'];
  if (event !== undefined && typeof event !== 'string') throw badInput('event', 'must be the event as JSON text');
  const pasted = event?.trim() ?? '';
  if ((eventId === '') === (pasted === ''))
    throw badInput('event', 'give either a stored event id or an event, not both or neither');
  if (pasted !== '') {
    if (Buffer.byteLength(pasted) > MAX_EVENT_BYTES)
      throw badInput('event', `is larger than ${MAX_EVENT_BYTES / 1024} KiB`);
    let parsed: unknown;
    try {
      parsed = JSON.parse(pasted);
    } catch (error) {
      throw badInput('event', `is not valid JSON (${(error as Error).message.slice(0, 120)})`);
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
      throw badInput('event', 'must be a JSON object');
  }
  return {
    topic,
    event:
      pasted !== ''
        ? {
            $case: 'inline',
            value: { payloadFormat: PayloadFormat.AVRO_JSON, payload: Buffer.from(pasted), schemaId: 0 },
          }
        : { $case: 'eventId', value: eventId },
    agreementId,
    viewFormat: PayloadFormat.AVRO_JSON,
    purposes: [],
  };
}

export function whoReceivedInput(query: Query): { eventId: string } {
  return { eventId: required(query, 'eventId', UUID, 'an event id (a UUID)') };
}

export function verifyInput(query: Query): { fromCheckpointId: string } {
  return { fromCheckpointId: text(query, 'fromCheckpoint', NAME, 'a checkpoint id') };
}

export function disclosuresInput(query: Query): ListDisclosuresRequest {
  const recipientCountry = query.get('recipientCountry') ?? '';
  if (recipientCountry !== '' && !isCountry(recipientCountry)) throw badInput('recipientCountry', 'must be US or MX');
  const startTime = time(query, 'from');
  const endTime = time(query, 'to');
  if (startTime && endTime && startTime >= endTime) throw badInput('to', 'must be later than from');
  return {
    agreementId: text(query, 'agreement', AGREEMENT, 'an agreement id'),
    recipientCountry,
    recipientAgency: text(query, 'recipientAgency', /^[A-Z0-9]{1,16}$/, 'an agency code (e.g. ANAM)'),
    times: startTime || endTime ? { startTime, endTime } : undefined,
    limit: integer(query, 'limit', 1, 1000) ?? 100,
    pageToken: pageToken(query),
  };
}
