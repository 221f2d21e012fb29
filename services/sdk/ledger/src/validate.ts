// Checks what append() is given before any of it reaches the database, so bad input gets an
// error naming the disclosure and the field, and never a half-understood SQL failure.
import { type Country, isCountry } from '@puente/runtime';

import { LedgerError } from './errors.js';
import type { ConsumedPosition, DisclosureInput } from './types.js';

const KINDS: ReadonlySet<string> = new Set(['DELIVERY', 'RETRACTION']);
const DECIMAL = /^(0|[1-9][0-9]{0,18})$/;
const INT64_MAX = 9_223_372_036_854_775_807n;
const INT32_MAX = 2_147_483_647;

/** Array.isArray without narrowing a typed array to any[] (inputs come from other code at runtime). */
export function isList(value: unknown): boolean {
  return Array.isArray(value);
}

function fail(where: string, message: string): never {
  throw LedgerError.invalid(`${where}: ${message}`);
}

/** A PostgreSQL text value: a string without NUL characters (text cannot hold them). */
function text(where: string, field: string, value: unknown, options: { empty?: boolean } = {}): void {
  if (typeof value !== 'string') fail(where, `${field} must be a string, got ${typeof value}`);
  if (!options.empty && value.length === 0) fail(where, `${field} must not be empty`);
  if (value.includes('\u0000')) fail(where, `${field} contains a NUL character`);
}

function optionalText(where: string, field: string, value: unknown): void {
  if (value !== null) text(where, field, value, { empty: true });
}

function texts(where: string, field: string, value: unknown): void {
  if (!Array.isArray(value)) fail(where, `${field} must be an array of strings`);
  value.forEach((item, i) => text(where, `${field}[${i}]`, item, { empty: true }));
}

/** A Kafka offset: a decimal int64 string without sign or leading zeros. */
export function isOffset(value: unknown): value is string {
  return typeof value === 'string' && DECIMAL.test(value) && BigInt(value) <= INT64_MAX;
}

function partition(where: string, field: string, value: unknown): void {
  if (!Number.isInteger(value) || (value as number) < 0 || (value as number) > INT32_MAX) {
    fail(where, `${field} must be an integer from 0 to ${INT32_MAX}, got ${String(value)}`);
  }
}

export function validateDisclosure(d: DisclosureInput, country: Country): void {
  const id: unknown = (d as { disclosureId?: unknown } | null)?.disclosureId;
  text('disclosure', 'disclosureId', id);
  const where = `disclosure ${String(id)}`;
  if (!KINDS.has(d.kind)) fail(where, `kind must be DELIVERY or RETRACTION, got ${String(d.kind)}`);
  if (!isCountry(d.originCountry)) fail(where, `originCountry must be US or MX, got ${String(d.originCountry)}`);
  if (d.originCountry !== country) {
    fail(where, `discloses ${d.originCountry} data and belongs in the ${d.originCountry} ledger, not ${country}'s`);
  }
  text(where, 'sourceTopic', d.sourceTopic);
  if (typeof d.recipient !== 'object' || d.recipient === null) fail(where, 'recipient is required');
  if (!isCountry(d.recipient.country))
    fail(where, `recipient.country must be US or MX, got ${String(d.recipient.country)}`);
  text(where, 'recipient.agency', d.recipient.agency);
  text(where, 'recipient.subscription', d.recipient.subscription, { empty: true });
  text(where, 'recipient.principal', d.recipient.principal, { empty: true });
  text(where, 'agreementId', d.agreementId);
  text(where, 'agreementVersion', d.agreementVersion, { empty: true });
  text(where, 'ruleId', d.ruleId, { empty: true });
  if (d.viewSchemaId !== null && !(Number.isInteger(d.viewSchemaId) && Math.abs(d.viewSchemaId) <= INT32_MAX)) {
    fail(where, `viewSchemaId must be null or a 32-bit integer, got ${String(d.viewSchemaId)}`);
  }
  texts(where, 'declaredPurposes', d.declaredPurposes);
  texts(where, 'fieldsReleased', d.fieldsReleased);
  texts(where, 'fieldsRemoved', d.fieldsRemoved);
  if (!isList(d.fieldsTransformed)) fail(where, 'fieldsTransformed must be an array');
  d.fieldsTransformed.forEach((t, i) => {
    const field = `fieldsTransformed[${i}]`;
    text(where, `${field}.path`, t.path);
    text(where, `${field}.action`, t.action);
    optionalText(where, `${field}.method`, t.method);
    optionalText(where, `${field}.normalization`, t.normalization);
    texts(where, `${field}.keyIds`, t.keyIds);
  });
  if (!(d.deliveredAt instanceof Date) || Number.isNaN(d.deliveredAt.getTime())) {
    fail(where, 'deliveredAt must be a valid Date');
  }
  if (!isList(d.events) || d.events.length === 0) fail(where, 'events must hold at least one event');
  d.events.forEach((e, i) => {
    const field = `events[${i}]`;
    text(where, `${field}.eventId`, e.eventId);
    text(where, `${field}.entityId`, e.entityId, { empty: true });
    partition(where, `${field}.sourcePartition`, e.sourcePartition);
    if (!isOffset(e.sourceOffset)) {
      fail(where, `${field}.sourceOffset must be a decimal int64 string, got ${JSON.stringify(e.sourceOffset)}`);
    }
    optionalText(where, `${field}.supersedes`, e.supersedes);
    if (e.digest !== null && !(e.digest instanceof Uint8Array && e.digest.length === 32)) {
      fail(where, `${field}.digest must be null or 32 bytes (SHA-256)`);
    }
  });
}

export function validatePosition(p: ConsumedPosition, i: number): void {
  const where = `positions[${i}]`;
  text(where, 'topic', p.topic);
  partition(where, 'partition', p.partition);
  if (!isOffset(p.offset)) fail(where, `offset must be a decimal int64 string, got ${JSON.stringify(p.offset)}`);
}
