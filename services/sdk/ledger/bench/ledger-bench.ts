// `pnpm bench:audit`: appends BENCH_ENTRIES (default 1,000,000) disclosed events to a ledger on
// PGlite and on PostgreSQL (1,000 events per disclosure, ~40 field paths, 5 disclosures per
// append), beside the same rows inserted without hashing, chain lock or duplicate check (the
// baseline), interleaved in one run; then verifies the chain beside a plain read of the same
// rows. Prints entries/s and the ratios. Uses throwaway schemas and drops them.
import { performance } from 'node:perf_hooks';

import { appendStatements, disclosureRowOf, ENTRY_CHUNK, EntryColumns } from '../src/append.js';
import { migrateLedger } from '../src/migrate.js';
import { openLedger } from '../src/open-ledger.js';
import { packedChunkQuery, PackedChunkReader } from '../src/packed-chunk.js';
import { createPgClient } from '../src/sql/pg-client.js';
import { createPgliteClient } from '../src/sql/pglite-client.js';
import { bufferOf, type SqlClient } from '../src/sql/sql-client.js';
import { makeDisclosures, testDatabaseUrl, uniqueLedgerSchema } from '../src/testing/index.js';
import type { DisclosureInput } from '../src/types.js';

const ENTRIES = Number(process.env['BENCH_ENTRIES'] ?? 1_000_000);
const EVENTS_PER_DISCLOSURE = 1_000;
const DISCLOSURES_PER_APPEND = 5;
const DATABASE_URL = process.env['BENCH_DATABASE_URL'] ?? testDatabaseUrl();
const ENGINES = (process.env['BENCH_ENGINES'] ?? 'pglite,postgres').split(',');

if (!Number.isSafeInteger(ENTRIES) || ENTRIES < EVENTS_PER_DISCLOSURE || ENTRIES % EVENTS_PER_DISCLOSURE !== 0) {
  throw new Error(`BENCH_ENTRIES must be a positive multiple of ${EVENTS_PER_DISCLOSURE}, got ${ENTRIES}`);
}

const ZERO = Buffer.alloc(32);

/** The baseline: the same rows through the same statements, with no hashing, lock or duplicate check. */
async function insertUnhashed(sql: SqlClient, schema: string, batch: readonly DisclosureInput[], first: number) {
  const statements = appendStatements(schema);
  await sql.transaction(async (tx) => {
    let entry = first;
    let disclosureNo = Math.floor(first / EVENTS_PER_DISCLOSURE);
    const rows: object[] = [];
    let columns = new EntryColumns();
    for (const d of batch) {
      disclosureNo += 1;
      rows.push(disclosureRowOf(d, disclosureNo, entry + 1));
      for (const e of d.events) {
        entry += 1;
        columns.entryNo.push(String(entry));
        columns.disclosureNo.push(String(disclosureNo));
        columns.eventId.push(e.eventId);
        columns.entityId.push(e.entityId);
        columns.partition.push(e.sourcePartition);
        columns.offset.push(e.sourceOffset);
        columns.supersedes.push(e.supersedes);
        columns.digest.push(e.digest);
        columns.previousHash.push(ZERO);
        columns.hash.push(ZERO);
        if (columns.length >= ENTRY_CHUNK) {
          await tx.query(statements.insertEntries, columns.params());
          columns = new EntryColumns();
        }
      }
    }
    if (columns.length > 0) await tx.query(statements.insertEntries, columns.params());
    await tx.query(statements.insertDisclosures, [JSON.stringify(rows)]);
    await tx.query(statements.upsertPositions, [['audit.disclosures.v1'], [0], [String(disclosureNo)]]);
  });
}

/** Reads every entry in the verifier's packed chunks, without hashing: the floor verify stands on. */
async function scan(sql: SqlClient, schema: string): Promise<number> {
  let after = 0;
  let read = 0;
  for (;;) {
    const [row] = await sql.query<{ packed: unknown }>(packedChunkQuery(schema), [
      String(after),
      String(after + 20_000),
    ]);
    if (!row || row.packed === null) return read;
    const reader = new PackedChunkReader(bufferOf(row.packed));
    while (reader.next()) read += 1;
    after += 20_000;
  }
}

const rate = (n: number, ms: number) => Math.round((n / ms) * 1000);
const fmt = (n: number) => n.toLocaleString('en-US');

async function run(engine: string): Promise<void> {
  const sql = engine === 'postgres' ? createPgClient({ connectionString: DATABASE_URL }) : await createPgliteClient();
  const chained = uniqueLedgerSchema('US');
  const baseline = uniqueLedgerSchema('US');
  try {
    const store = await openLedger({ country: 'US', schema: chained, sql });
    await migrateLedger(sql, baseline);
    let appendMs = 0;
    let baselineMs = 0;
    const disclosures = ENTRIES / EVENTS_PER_DISCLOSURE;
    for (let start = 0; start < disclosures; start += DISCLOSURES_PER_APPEND) {
      const count = Math.min(DISCLOSURES_PER_APPEND, disclosures - start);
      const batch = makeDisclosures(count, { events: EVENTS_PER_DISCLOSURE, start });
      let t = performance.now();
      await store.append(batch, [{ topic: 'audit.disclosures.v1', partition: 0, offset: String(start + count) }]);
      appendMs += performance.now() - t;
      t = performance.now();
      await insertUnhashed(sql, baseline, batch, start * EVENTS_PER_DISCLOSURE);
      baselineMs += performance.now() - t;
    }
    let t = performance.now();
    const verified = await store.verify();
    const verifyMs = performance.now() - t;
    if (!verified.intact || verified.entriesChecked !== ENTRIES) {
      throw new Error(`verify did not pass: ${JSON.stringify({ ...verified, headHash: undefined })}`);
    }
    t = performance.now();
    const scanned = await scan(sql, baseline);
    const scanMs = performance.now() - t;
    const line = (label: string, ms: number, baseMs: number) =>
      console.log(
        `${engine.padEnd(9)} ${label.padEnd(8)} ${fmt(rate(ENTRIES, ms)).padStart(10)} entries/s   ` +
          `baseline ${fmt(rate(ENTRIES, baseMs)).padStart(10)} entries/s   ratio ${(baseMs / ms).toFixed(2)}`,
      );
    line('append', appendMs, baselineMs);
    line('verify', verifyMs, (scanMs * ENTRIES) / scanned);
  } finally {
    await sql.query(`DROP SCHEMA IF EXISTS ${chained} CASCADE`).catch(() => undefined);
    await sql.query(`DROP SCHEMA IF EXISTS ${baseline} CASCADE`).catch(() => undefined);
    await sql.close();
  }
}

console.log(
  `bench:audit — ${fmt(ENTRIES)} entries, ${EVENTS_PER_DISCLOSURE} events per disclosure, ` +
    `${DISCLOSURES_PER_APPEND} disclosures per append (baseline: the same rows unhashed; for verify, a plain read)`,
);
for (const engine of ENGINES) await run(engine);
