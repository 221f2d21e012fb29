// The ledger's rows as the drivers return them, and their mapping to the port's types. Both
// drivers are read: int8 may come as a string or a number, bytea as a Buffer or a Uint8Array.
import type { Country } from '@puente/runtime';

import type { DisclosureContent } from './canonical.js';
import { bufferOf, nullableBufferOf, numberOf } from './sql/sql-client.js';
import type { DisclosureKind, LedgerEntry, LedgerFieldTransform } from './types.js';

export interface DisclosureRow {
  disclosure_no: unknown;
  disclosure_id: string;
  kind: DisclosureKind;
  origin_country: Country;
  source_topic: string;
  recipient_country: Country;
  recipient_agency: string;
  recipient_subscription: string;
  recipient_principal: string;
  agreement_id: string;
  agreement_version: string;
  rule_id: string;
  view_schema_id: number | null;
  declared_purposes: string[];
  fields_released: string[];
  fields_transformed: LedgerFieldTransform[];
  fields_removed: string[];
  delivered_at: Date;
}

export interface EntryRow {
  entry_no: unknown;
  disclosure_no: unknown;
  event_id: string;
  entity_id: string;
  source_partition: number;
  source_offset: string;
  supersedes: string | null;
  digest: unknown;
  previous_hash: unknown;
  hash: unknown;
}

export const DISCLOSURE_COLUMNS = `disclosure_no, disclosure_id, kind, origin_country, source_topic, recipient_country,
  recipient_agency, recipient_subscription, recipient_principal, agreement_id, agreement_version, rule_id,
  view_schema_id, declared_purposes, fields_released, fields_transformed, fields_removed, delivered_at`;

/** Entry columns, each prefixed with `alias.`; the offset as text so no driver rounds it. */
export function entryColumns(alias: string): string {
  return ['entry_no', 'disclosure_no', 'event_id', 'entity_id', 'source_partition']
    .map((c) => `${alias}.${c}`)
    .concat([
      `${alias}.source_offset::text AS source_offset`,
      `${alias}.supersedes`,
      `${alias}.digest`,
      `${alias}.previous_hash`,
      `${alias}.hash`,
    ])
    .join(', ');
}

export function disclosureContentOf(row: DisclosureRow): DisclosureContent {
  return {
    disclosureId: row.disclosure_id,
    kind: row.kind,
    originCountry: row.origin_country,
    sourceTopic: row.source_topic,
    recipient: {
      country: row.recipient_country,
      agency: row.recipient_agency,
      subscription: row.recipient_subscription,
      principal: row.recipient_principal,
    },
    agreementId: row.agreement_id,
    agreementVersion: row.agreement_version,
    ruleId: row.rule_id,
    viewSchemaId: row.view_schema_id,
    declaredPurposes: row.declared_purposes,
    fieldsReleased: row.fields_released,
    fieldsTransformed: row.fields_transformed.map((t) => ({
      path: t.path,
      action: t.action,
      method: t.method,
      normalization: t.normalization,
      keyIds: t.keyIds,
    })),
    fieldsRemoved: row.fields_removed,
    deliveredAt: row.delivered_at,
  };
}

export function ledgerEntryOf(row: EntryRow & DisclosureRow): LedgerEntry {
  const { originCountry: _ledger, ...disclosure } = disclosureContentOf(row);
  return {
    ...disclosure,
    entry: numberOf(row.entry_no),
    eventId: row.event_id,
    entityId: row.entity_id,
    sourcePartition: row.source_partition,
    sourceOffset: row.source_offset,
    supersedes: row.supersedes,
    digest: nullableBufferOf(row.digest),
    previousHash: bufferOf(row.previous_hash),
    hash: bufferOf(row.hash),
  };
}
