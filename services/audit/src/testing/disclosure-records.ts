// Disclosure records as the gateway writes them, for the audit service's tests: batched (schema
// version 3) and single-event records of versions 1 and 2, framed with their own schema ids.
import { createHash, randomUUID } from 'node:crypto';

import type { AvroCodec, DisclosureRecord } from '@puente/contracts';
import { type Country, DISCLOSURE_TOPIC } from '@puente/runtime';

export interface DisclosureOptions {
  readonly origin?: Country;
  /** Number of events (batched record). */
  readonly events?: number;
  readonly disclosureId?: string;
  readonly kind?: DisclosureRecord['kind'];
  /** The topic disclosed from; `<origin>.cargo-manifests.v1` by default. */
  readonly sourceTopic?: string;
}

const partnerOf = (origin: Country): Country => (origin === 'US' ? 'MX' : 'US');

/** A batched (v3) disclosure record of `events` events of `origin`'s data to its partner. */
export function disclosureRecord(options: DisclosureOptions = {}): DisclosureRecord {
  const origin = options.origin ?? 'US';
  const partner = partnerOf(origin);
  const source = options.sourceTopic ?? `${origin.toLowerCase()}.cargo-manifests.v1`;
  const deliveredAt = new Date(Date.UTC(2026, 4, 1, 12, 0, 0));
  return {
    meta: {
      eventId: randomUUID(),
      occurredAt: deliveredAt,
      originCountry: origin,
      originAgency: 'PUENTE-GATEWAY',
      classification: 'LAW_ENFORCEMENT_SENSITIVE',
      releasableTo: [],
      purposes: ['CUSTOMS'],
      correlationId: null,
      supersedes: null,
    },
    disclosureId: options.disclosureId ?? randomUUID(),
    kind: options.kind ?? 'DELIVERY',
    sourceTopic: source,
    sourcePartition: null,
    sourceOffset: null,
    sourceEventId: null,
    entityId: null,
    recipient: {
      country: partner,
      agency: partner === 'MX' ? 'ANAM' : 'CBP',
      subscription: 'cargo',
      principal: 'CN=partner',
    },
    agreementId: `${origin.toLowerCase()}-to-${partner.toLowerCase()}`,
    agreementVersion: '1',
    ruleId: 'cargo-for-customs',
    viewSchemaId: null,
    declaredPurposes: ['CUSTOMS'],
    fieldsReleased: ['meta', 'manifestId', 'goods'],
    fieldsTransformed: [
      { path: 'driver.dateOfBirth', action: 'GENERALIZE', method: 'year', normalization: null, keyIds: [] },
    ],
    fieldsRemoved: ['driver.address'],
    events: Array.from({ length: options.events ?? 1 }, (_, i) => {
      const eventId = randomUUID();
      return {
        eventId,
        entityId: `MAN-${i}`,
        sourcePartition: i % 3,
        sourceOffset: 1000 + i,
        supersedes: null,
        digest: createHash('sha256').update(eventId).digest(),
      };
    }),
    deliveredAt,
  };
}

/** The schema id of version `version` of the disclosure topic's subject. */
export function disclosureSchemaId(codec: AvroCodec, version: number): number {
  const subject = codec.catalog.data.subjects[codec.catalog.subjectOf(DISCLOSURE_TOPIC)];
  const found = subject?.versions.find((v) => v.version === version);
  if (!found) throw new Error(`fixture: ${DISCLOSURE_TOPIC} has no schema version ${version}`);
  return found.id;
}

/**
 * A record written before batching, framed with schema version 1 (no purposes) or 2: one event
 * named by its legacy fields. Built from a batched record's first event.
 */
export function legacyDisclosureBytes(codec: AvroCodec, version: 1 | 2, record: DisclosureRecord): Buffer {
  const event = record.events[0];
  if (!event) throw new Error('fixture: a legacy record needs one event');
  const { meta, disclosureId, sourceTopic, recipient, agreementId, agreementVersion, ruleId, viewSchemaId } = record;
  const value = {
    meta,
    disclosureId,
    sourceTopic,
    sourcePartition: event.sourcePartition,
    sourceOffset: event.sourceOffset,
    sourceEventId: event.eventId,
    entityId: event.entityId,
    recipient,
    agreementId,
    agreementVersion,
    ruleId,
    viewSchemaId,
    ...(version === 2 ? { declaredPurposes: record.declaredPurposes } : {}),
    fieldsReleased: record.fieldsReleased,
    fieldsTransformed: record.fieldsTransformed,
    fieldsRemoved: record.fieldsRemoved,
    deliveredAt: record.deliveredAt,
  };
  return codec.encodeWithSchemaId(disclosureSchemaId(codec, version), value);
}
