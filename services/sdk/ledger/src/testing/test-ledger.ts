// Isolated ledgers for tests: each call gets its own PostgreSQL schema (on the local server,
// or on one in-memory PGlite shared by the test file), dropped again by close().
import { randomBytes } from 'node:crypto';

import { PGlite } from '@electric-sql/pglite';
import type { Country } from '@puente/runtime';

import { openLedger, type OpenedLedger } from '../open-ledger.js';
import { createPgClient } from '../sql/pg-client.js';
import { wrapPglite } from '../sql/pglite-client.js';
import type { SqlClient } from '../sql/sql-client.js';

export type TestLedgerKind = 'pglite' | 'postgres';

/** The test PostgreSQL server: PUENTE_TEST_DATABASE_URL, or the local one (trust auth, database `test`). */
export function testDatabaseUrl(): string {
  return process.env['PUENTE_TEST_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
}

/** A fresh schema name, e.g. `ledger_us_t3f9a…`. */
export function uniqueLedgerSchema(country: Country): string {
  return `ledger_${country.toLowerCase()}_t${randomBytes(6).toString('hex')}`;
}

let sharedPglite: Promise<PGlite> | undefined;

/** One in-memory PGlite per test file (a fresh one takes seconds); schemas keep tests apart. */
function pglite(): Promise<PGlite> {
  sharedPglite ??= PGlite.create();
  return sharedPglite;
}

export interface TestLedger extends OpenedLedger {
  /** A raw connection to the same database, for tampering with the tables. */
  readonly sql: SqlClient;
  /** Where the ledger lives; the URL is set for 'postgres' (a child process can open it). */
  readonly databaseUrl: string | undefined;
  /** Another store over the same schema (its own pool on PostgreSQL), closed by the caller. */
  reopen(): Promise<OpenedLedger>;
  /** Closes the store and drops the schema (reopened stores are closed by whoever opened them). */
  close(): Promise<void>;
}

export async function openTestLedger(kind: TestLedgerKind, country: Country = 'US'): Promise<TestLedger> {
  const schema = uniqueLedgerSchema(country);
  const databaseUrl = kind === 'postgres' ? testDatabaseUrl() : undefined;
  const connect = async (): Promise<SqlClient> =>
    databaseUrl === undefined ? wrapPglite(await pglite(), false) : createPgClient({ connectionString: databaseUrl });
  const sql = await connect();
  const store = await openLedger({ country, schema, sql });
  return {
    ...store,
    sql,
    databaseUrl,
    async reopen() {
      const own = await connect();
      const reopened = await openLedger({ country, schema, sql: own });
      return {
        ...reopened,
        close: async () => {
          await reopened.close();
          await own.close();
        },
      };
    },
    async close() {
      await store.close();
      try {
        await sql.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      } finally {
        await sql.close();
      }
    },
  };
}
