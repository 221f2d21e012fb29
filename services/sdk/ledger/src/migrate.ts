// Brings a ledger schema to the version this code needs, with umzug: all pending migrations in
// one transaction under an advisory lock (two services starting together migrate once), and
// umzug's record of applied migrations kept in the schema's own `migrations` table.
import { messageOf } from '@puente/runtime';
import { Umzug, type UmzugStorage } from 'umzug';

import { isTransient, LedgerError } from './errors.js';
import { MIGRATIONS, type MigrationContext } from './migrations/index.js';
import type { SqlClient } from './sql/sql-client.js';

/** Storage of applied migration names in `<schema>.migrations`, written in the migrating transaction. */
const storage: UmzugStorage<MigrationContext> = {
  async executed({ context: { tx, schema } }) {
    const rows = await tx.query<{ name: string }>(`SELECT name FROM ${schema}.migrations ORDER BY name`);
    return rows.map((r) => r.name);
  },
  async logMigration({ name, context: { tx, schema } }) {
    await tx.query(`INSERT INTO ${schema}.migrations (name) VALUES ($1)`, [name]);
  },
  async unlogMigration({ name, context: { tx, schema } }) {
    await tx.query(`DELETE FROM ${schema}.migrations WHERE name = $1`, [name]);
  },
};

/** Applies every pending migration to `schema`; returns the names applied. */
export async function migrateLedger(sql: SqlClient, schema: string): Promise<string[]> {
  try {
    return await sql.transaction(async (tx) => {
      // Keyed by the schema's name, so ledgers in one database migrate independently.
      await tx.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [`puente-ledger-migrate:${schema}`]);
      await tx.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
      await tx.query(
        `CREATE TABLE IF NOT EXISTS ${schema}.migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`,
      );
      const umzug = new Umzug<MigrationContext>({
        migrations: MIGRATIONS.map((m) => ({
          name: m.name,
          up: ({ context }) => m.up(context),
          down: ({ context }) => m.down(context),
        })),
        context: { tx, schema },
        storage,
        logger: undefined,
      });
      const applied = await umzug.up();
      return applied.map((m) => m.name);
    });
  } catch (error) {
    const retriable = isTransient(error);
    throw new LedgerError({
      code: retriable ? 'LEDGER_UNAVAILABLE' : 'MIGRATION_FAILED',
      message: `ledger schema ${schema}: migrating failed: ${messageOf(error)}`,
      retriable,
      cause: error,
    });
  }
}
