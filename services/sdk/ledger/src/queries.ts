// The reader's questions: the head, one entry, every entry of an event ("who received it?"),
// whether a recipient received it, and disclosures by agreement, recipient and time, paged by
// entry number.
import type { Country } from '@puente/runtime';

import { LedgerError } from './errors.js';
import { type DisclosureRow, entryColumns, type EntryRow, ledgerEntryOf } from './rows.js';
import { bufferOf, numberOf, type SqlClient, type SqlParam } from './sql/sql-client.js';
import type { ConsumedPosition, DisclosureFilter, LedgerEntry, LedgerHead } from './types.js';

export const MAX_PAGE = 10_000;

export function createQueries(sql: SqlClient, schema: string) {
  const s = schema;
  const select = `SELECT ${entryColumns('e')}, d.disclosure_id, d.kind, d.origin_country, d.source_topic,
      d.recipient_country, d.recipient_agency, d.recipient_subscription, d.recipient_principal, d.agreement_id,
      d.agreement_version, d.rule_id, d.view_schema_id, d.declared_purposes, d.fields_released,
      d.fields_transformed, d.fields_removed, d.delivered_at`;
  const q = {
    head: `SELECT entry_count, head_hash FROM ${s}.head WHERE singleton`,
    entry: `${select} FROM ${s}.entries e JOIN ${s}.disclosures d ON d.disclosure_no = e.disclosure_no
            WHERE e.entry_no = $1`,
    ofEvent: `${select} FROM ${s}.entries e JOIN ${s}.disclosures d ON d.disclosure_no = e.disclosure_no
              WHERE e.event_id = $1 ORDER BY e.entry_no`,
    delivered: `SELECT EXISTS (
                  SELECT 1 FROM ${s}.entries e JOIN ${s}.disclosures d ON d.disclosure_no = e.disclosure_no
                  WHERE e.event_id = $1 AND d.kind = 'DELIVERY' AND d.recipient_country = $2
                    AND d.recipient_agency = $3 AND ($4::text IS NULL OR d.source_topic = $4)) AS delivered`,
    positions: `SELECT topic, partition, next_offset::text AS next_offset FROM ${s}.positions
                WHERE topic = $1 ORDER BY partition`,
  };

  const entries = async (text: string, params: readonly SqlParam[]): Promise<LedgerEntry[]> =>
    (await sql.query<EntryRow & DisclosureRow>(text, params)).map(ledgerEntryOf);

  return {
    async head(): Promise<LedgerHead> {
      const [row] = await sql.query<{ entry_count: unknown; head_hash: unknown }>(q.head);
      if (!row) return { entryCount: 0, headHash: null };
      return {
        entryCount: numberOf(row.entry_count),
        headHash: row.head_hash === null ? null : bufferOf(row.head_hash),
      };
    },

    async entry(entry: number): Promise<LedgerEntry | undefined> {
      if (!Number.isSafeInteger(entry) || entry < 1) return undefined;
      return (await entries(q.entry, [String(entry)]))[0];
    },

    recipientsOf: (eventId: string): Promise<LedgerEntry[]> => entries(q.ofEvent, [eventId]),

    async delivered(
      eventId: string,
      recipient: { country: Country; agency: string },
      sourceTopic?: string,
    ): Promise<boolean> {
      const [row] = await sql.query<{ delivered: boolean }>(q.delivered, [
        eventId,
        recipient.country,
        recipient.agency,
        sourceTopic ?? null,
      ]);
      return row?.delivered ?? false;
    },

    listDisclosures(filter: DisclosureFilter): Promise<LedgerEntry[]> {
      const { text, params } = listQuery(s, select, filter);
      return entries(text, params);
    },

    async positions(topic: string): Promise<ConsumedPosition[]> {
      const rows = await sql.query<{ topic: string; partition: number; next_offset: string }>(q.positions, [topic]);
      return rows.map((r) => ({ topic: r.topic, partition: r.partition, offset: r.next_offset }));
    },
  };
}

/**
 * Entries of the disclosures matching the filter, in entry order after `afterEntry`. The
 * disclosures are walked in first-entry order (their entries are one consecutive range each),
 * each joined to its range of entries through the primary key.
 */
function listQuery(s: string, select: string, filter: DisclosureFilter): { text: string; params: SqlParam[] } {
  if (!Number.isSafeInteger(filter.limit) || filter.limit < 1 || filter.limit > MAX_PAGE) {
    throw LedgerError.invalid(
      `listDisclosures: limit must be a whole number from 1 to ${MAX_PAGE}, got ${filter.limit}`,
    );
  }
  const after = filter.afterEntry ?? 0;
  if (!Number.isSafeInteger(after) || after < 0) {
    throw LedgerError.invalid(`listDisclosures: afterEntry must be a whole number ≥ 0, got ${after}`);
  }
  for (const [name, date] of [
    ['from', filter.from],
    ['to', filter.to],
  ] as const) {
    if (date !== undefined && (!(date instanceof Date) || Number.isNaN(date.getTime()))) {
      throw LedgerError.invalid(`listDisclosures: ${name} must be a valid Date`);
    }
  }
  const params: SqlParam[] = [String(after)];
  const where = ['e.entry_no > $1', 'd.first_entry + d.event_count > $1'];
  const add = (condition: string, value: SqlParam): void => {
    params.push(value);
    where.push(condition.replace('?', `$${params.length}`));
  };
  if (filter.agreementId !== undefined) add('d.agreement_id = ?', filter.agreementId);
  if (filter.recipientCountry !== undefined) add('d.recipient_country = ?', filter.recipientCountry);
  if (filter.recipientAgency !== undefined) add('d.recipient_agency = ?', filter.recipientAgency);
  if (filter.from !== undefined) add('d.delivered_at >= ?', filter.from.toISOString());
  if (filter.to !== undefined) add('d.delivered_at < ?', filter.to.toISOString());
  const text = `${select} FROM ${s}.disclosures d
    JOIN ${s}.entries e ON e.entry_no >= d.first_entry AND e.entry_no < d.first_entry + d.event_count
                       AND e.disclosure_no = d.disclosure_no
    WHERE ${where.join(' AND ')}
    ORDER BY d.first_entry, e.entry_no
    LIMIT ${filter.limit}`;
  return { text, params };
}
