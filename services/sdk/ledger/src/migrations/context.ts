// What every migration receives: the transaction all pending migrations run in, and the schema
// (`ledger_us`, `ledger_mx`, or a test's own) whose tables it changes.
import type { SqlQueryable } from '../sql/sql-client.js';

export interface MigrationContext {
  readonly tx: SqlQueryable;
  /** A validated identifier, safe to interpolate. */
  readonly schema: string;
}

export interface LedgerMigration {
  /** Stored in the schema's `migrations` table once applied; never rename one. */
  readonly name: string;
  up(context: MigrationContext): Promise<void>;
  down(context: MigrationContext): Promise<void>;
}
