// A record of audit.disclosures.v1 as the ledger takes it: decoded with the topic's current
// schema (records of every schema version resolve to it), then turned into a DisclosureInput.
// A batched record (v3) lists its events; one written before batching (v1, v2) names a single
// event in its legacy fields and becomes one event without a digest.
import { decodeChecked } from '@puente/bus';
import { AvroError, type AvroCodec, type DisclosureRecord } from '@puente/contracts';
import type { DisclosedEventInput, DisclosureInput } from '@puente/ledger';
import { DISCLOSURE_TOPIC } from '@puente/runtime';

import { AuditError } from './errors.js';

const notADisclosure = (record: DisclosureRecord, why: string): AuditError =>
  new AuditError({ code: 'NOT_A_DISCLOSURE', message: `disclosure ${record.disclosureId}: ${why}` });

/** The events of a record: its `events`, or the single legacy event of a record written before batching. */
function eventsOf(record: DisclosureRecord): DisclosedEventInput[] {
  if (record.events.length > 0) {
    return record.events.map((event) => ({
      eventId: event.eventId,
      entityId: event.entityId,
      sourcePartition: event.sourcePartition,
      sourceOffset: String(event.sourceOffset),
      supersedes: event.supersedes,
      digest: Buffer.from(event.digest),
    }));
  }
  const { sourceEventId, entityId, sourcePartition, sourceOffset } = record;
  if (sourceEventId === null || entityId === null || sourcePartition === null || sourceOffset === null) {
    const missing = Object.entries({ sourceEventId, entityId, sourcePartition, sourceOffset })
      .filter(([, value]) => value === null)
      .map(([name]) => name);
    throw notADisclosure(record, `lists no events and its single-event fields lack ${missing.join(', ')}`);
  }
  // Written before batching: no digest of the bytes sent was kept, and no supersedes either.
  return [
    {
      eventId: sourceEventId,
      entityId,
      sourcePartition,
      sourceOffset: String(sourceOffset),
      supersedes: null,
      digest: null,
    },
  ];
}

/** A decoded disclosure record as the ledger's input; throws AuditError NOT_A_DISCLOSURE when it cannot be one. */
export function toDisclosureInput(record: DisclosureRecord): DisclosureInput {
  if (record.kind !== 'DELIVERY' && record.kind !== 'RETRACTION') {
    throw notADisclosure(record, `kind ${record.kind} is neither DELIVERY nor RETRACTION (written by a newer schema?)`);
  }
  return {
    disclosureId: record.disclosureId,
    kind: record.kind,
    originCountry: record.meta.originCountry,
    sourceTopic: record.sourceTopic,
    recipient: {
      country: record.recipient.country,
      agency: record.recipient.agency,
      subscription: record.recipient.subscription,
      principal: record.recipient.principal,
    },
    agreementId: record.agreementId,
    agreementVersion: record.agreementVersion,
    ruleId: record.ruleId,
    viewSchemaId: record.viewSchemaId,
    declaredPurposes: [...record.declaredPurposes],
    fieldsReleased: [...record.fieldsReleased],
    fieldsTransformed: record.fieldsTransformed.map((transform) => ({
      path: transform.path,
      action: transform.action,
      method: transform.method,
      normalization: transform.normalization,
      keyIds: [...transform.keyIds],
    })),
    fieldsRemoved: [...record.fieldsRemoved],
    deliveredAt: record.deliveredAt,
    events: eventsOf(record),
  };
}

/**
 * Decodes a consumed value of the disclosure topic, whichever schema version wrote it, and
 * checks it completely. Throws AvroError (MALFORMED for no value or bytes that are not Avro,
 * UNKNOWN_SCHEMA_ID, INCOMPATIBLE_SCHEMA for another record type, SCHEMA_VALIDATION) or
 * AuditError NOT_A_DISCLOSURE: all of them the record's fault, so dead letters take it.
 */
export function decodeDisclosure(codec: AvroCodec, value: Buffer | null): DisclosureInput {
  if (value === null || value.length === 0) {
    throw new AvroError({ code: 'MALFORMED', message: `${DISCLOSURE_TOPIC}: the record has no value` });
  }
  return toDisclosureInput(decodeChecked(codec, DISCLOSURE_TOPIC, value));
}
