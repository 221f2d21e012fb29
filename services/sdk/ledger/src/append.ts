// append(): every new disclosure's events become chained entries, and the consumed positions are
// recorded, in one transaction. The head row is locked first, so appenders queue behind each
// other and the chain never forks; disclosures already stored are skipped (idempotent replay).
import { ChainHasher, ZERO_HASH } from './canonical.js';
import type { SqlQueryable } from './sql/sql-client.js';
import { bufferOf, numberOf } from './sql/sql-client.js';
import type { AppendResult, ConsumedPosition, DisclosureInput } from './types.js';

/** Rows per multi-row INSERT: big enough to amortise a round trip, small enough for PGlite. */
export const ENTRY_CHUNK = 5_000;

interface HeadRow {
  entry_count: unknown;
  head_hash: unknown;
  disclosure_count: unknown;
}

/** Columns of entries, one array each, for `INSERT … SELECT * FROM unnest(…)`. */
export class EntryColumns {
  readonly entryNo: string[] = [];
  readonly disclosureNo: string[] = [];
  readonly eventId: string[] = [];
  readonly entityId: string[] = [];
  readonly partition: number[] = [];
  readonly offset: string[] = [];
  readonly supersedes: (string | null)[] = [];
  readonly digest: (Buffer | null)[] = [];
  readonly previousHash: Buffer[] = [];
  readonly hash: Buffer[] = [];

  get length(): number {
    return this.entryNo.length;
  }

  params(): (string | number | Buffer | null)[][] {
    return [
      this.entryNo,
      this.disclosureNo,
      this.eventId,
      this.entityId,
      this.partition,
      this.offset,
      this.supersedes,
      this.digest,
      this.previousHash,
      this.hash,
    ];
  }
}

/** The statements of an append, for one schema (the benchmark's baseline runs them too). */
export function appendStatements(s: string) {
  return {
    lockHead: `SELECT entry_count, head_hash, disclosure_count FROM ${s}.head WHERE singleton FOR UPDATE`,
    existing: `SELECT disclosure_id FROM ${s}.disclosures WHERE disclosure_id = ANY($1::text[])`,
    insertDisclosures: `
      INSERT INTO ${s}.disclosures
      SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(
        disclosure_no bigint, disclosure_id text, kind text, origin_country text, source_topic text,
        recipient_country text, recipient_agency text, recipient_subscription text, recipient_principal text,
        agreement_id text, agreement_version text, rule_id text, view_schema_id integer,
        declared_purposes text[], fields_released text[], fields_transformed jsonb, fields_removed text[],
        delivered_at timestamptz, first_entry bigint, event_count integer)`,
    insertEntries: `
      INSERT INTO ${s}.entries
      SELECT * FROM unnest($1::int8[], $2::int8[], $3::text[], $4::text[], $5::int4[], $6::int8[], $7::text[],
                           $8::bytea[], $9::bytea[], $10::bytea[])`,
    updateHead: `UPDATE ${s}.head SET entry_count = $1, head_hash = $2, disclosure_count = $3 WHERE singleton`,
    upsertPositions: `
      INSERT INTO ${s}.positions (topic, partition, next_offset)
      SELECT * FROM unnest($1::text[], $2::int4[], $3::int8[])
      ON CONFLICT (topic, partition) DO UPDATE SET next_offset = excluded.next_offset`,
  };
}

export function createAppender(schema: string) {
  const s = schema;
  const sql = appendStatements(schema);
  const hasher = new ChainHasher();

  /** Runs inside the caller's transaction; inputs are already validated. */
  return async function append(
    tx: SqlQueryable,
    disclosures: readonly DisclosureInput[],
    positions: readonly ConsumedPosition[],
  ): Promise<AppendResult> {
    const [head] = await tx.query<HeadRow>(sql.lockHead);
    if (!head) throw new Error(`ledger schema ${s} has no head row`);
    let entryCount = numberOf(head.entry_count);
    let headHash = head.head_hash === null ? null : bufferOf(head.head_hash);
    let disclosureCount = numberOf(head.disclosure_count);

    // The first of each id in the batch, minus those already stored.
    const seen = new Set<string>();
    const unique = disclosures.filter((d) => !seen.has(d.disclosureId) && seen.add(d.disclosureId));
    const stored = unique.length
      ? new Set(
          (await tx.query<{ disclosure_id: string }>(sql.existing, [unique.map((d) => d.disclosureId)])).map(
            (r) => r.disclosure_id,
          ),
        )
      : new Set<string>();
    const fresh = unique.filter((d) => !stored.has(d.disclosureId));

    const disclosureRows: object[] = [];
    let columns = new EntryColumns();
    let previous = headHash ?? ZERO_HASH;
    for (const d of fresh) {
      disclosureCount += 1;
      const disclosureHash = hasher.disclosureHash(d);
      disclosureRows.push(disclosureRowOf(d, disclosureCount, entryCount + 1));
      for (const e of d.events) {
        entryCount += 1;
        const hash = hasher.entryHash(entryCount, e, disclosureHash, previous);
        columns.entryNo.push(String(entryCount));
        columns.disclosureNo.push(String(disclosureCount));
        columns.eventId.push(e.eventId);
        columns.entityId.push(e.entityId);
        columns.partition.push(e.sourcePartition);
        columns.offset.push(e.sourceOffset);
        columns.supersedes.push(e.supersedes);
        columns.digest.push(e.digest === null ? null : Buffer.from(e.digest));
        columns.previousHash.push(previous);
        columns.hash.push(hash);
        previous = hash;
        if (columns.length >= ENTRY_CHUNK) {
          await tx.query(sql.insertEntries, columns.params());
          columns = new EntryColumns();
        }
      }
    }
    if (columns.length > 0) await tx.query(sql.insertEntries, columns.params());
    if (disclosureRows.length > 0) {
      await tx.query(sql.insertDisclosures, [JSON.stringify(disclosureRows)]);
      headHash = previous;
      await tx.query(sql.updateHead, [String(entryCount), headHash, String(disclosureCount)]);
    }
    const latest = latestPositions(positions);
    if (latest.length > 0) {
      await tx.query(sql.upsertPositions, [
        latest.map((p) => p.topic),
        latest.map((p) => p.partition),
        latest.map((p) => p.offset),
      ]);
    }
    const appended = fresh.reduce((n, d) => n + d.events.length, 0);
    return { appended, duplicates: disclosures.length - fresh.length, entryCount, headHash };
  };
}

export function disclosureRowOf(d: DisclosureInput, disclosureNo: number, firstEntry: number): object {
  return {
    disclosure_no: disclosureNo,
    disclosure_id: d.disclosureId,
    kind: d.kind,
    origin_country: d.originCountry,
    source_topic: d.sourceTopic,
    recipient_country: d.recipient.country,
    recipient_agency: d.recipient.agency,
    recipient_subscription: d.recipient.subscription,
    recipient_principal: d.recipient.principal,
    agreement_id: d.agreementId,
    agreement_version: d.agreementVersion,
    rule_id: d.ruleId,
    view_schema_id: d.viewSchemaId,
    declared_purposes: d.declaredPurposes,
    fields_released: d.fieldsReleased,
    fields_transformed: d.fieldsTransformed.map((t) => ({
      path: t.path,
      action: t.action,
      method: t.method,
      normalization: t.normalization,
      keyIds: t.keyIds,
    })),
    fields_removed: d.fieldsRemoved,
    // ISO text keeps the milliseconds the hash covers; timestamptz holds microseconds.
    delivered_at: d.deliveredAt.toISOString(),
    first_entry: firstEntry,
    event_count: d.events.length,
  };
}

/** The last position given for each topic partition (one upsert may not touch a row twice). */
function latestPositions(positions: readonly ConsumedPosition[]): ConsumedPosition[] {
  const byKey = new Map<string, ConsumedPosition>();
  for (const p of positions) byKey.set(`${p.partition}\u0000${p.topic}`, p);
  return [...byKey.values()];
}
