// Every migration, oldest first. Add a new module and list it here; never edit an applied one.
import { ledgerTables } from './0001-ledger-tables.js';
import type { LedgerMigration } from './context.js';

export const MIGRATIONS: readonly LedgerMigration[] = [ledgerTables];
export type { LedgerMigration, MigrationContext } from './context.js';
