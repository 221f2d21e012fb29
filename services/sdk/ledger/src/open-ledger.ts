// openLedger(): connects to PostgreSQL (a URL) or PGlite (embedded: a data directory, or in
// memory), migrates the country's schema (`ledger_us`, `ledger_mx`) and returns its store.
import { type Country, isCountry } from '@puente/runtime';

import { createAppender } from './append.js';
import { LedgerError } from './errors.js';
import { migrateLedger } from './migrate.js';
import { createQueries } from './queries.js';
import { createPgClient } from './sql/pg-client.js';
import { createPgliteClient } from './sql/pglite-client.js';
import type { SqlClient } from './sql/sql-client.js';
import type { LedgerStore } from './types.js';
import { isList, validateDisclosure, validatePosition } from './validate.js';
import { createVerifier } from './verify.js';

export interface OpenLedgerOptions {
  /** Whose disclosures the ledger holds. */
  readonly country: Country;
  /** A PostgreSQL server (`postgres://…`); PGlite embedded when absent. */
  readonly databaseUrl?: string;
  /** PGlite's data directory; in memory when absent. Not with `databaseUrl`. */
  readonly dataDir?: string;
  /** The PostgreSQL schema; `ledger_<country>` by default (tests use their own). */
  readonly schema?: string;
  /** An open connection to use instead of making one; close() leaves it open. */
  readonly sql?: SqlClient;
}

export interface OpenedLedger extends LedgerStore {
  readonly schema: string;
  readonly engine: SqlClient['engine'];
}

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

export const defaultLedgerSchema = (country: Country): string => `ledger_${country.toLowerCase()}`;

export async function openLedger(options: OpenLedgerOptions): Promise<OpenedLedger> {
  const { country } = options;
  if (!isCountry(country)) throw LedgerError.invalid(`openLedger: country must be US or MX, got ${String(country)}`);
  const schema = options.schema ?? defaultLedgerSchema(country);
  if (!IDENTIFIER.test(schema)) {
    throw LedgerError.invalid(`openLedger: schema must be a lower-case SQL identifier, got ${JSON.stringify(schema)}`);
  }
  const given = [options.databaseUrl, options.dataDir, options.sql].filter((o) => o !== undefined).length;
  if (given > 1) throw LedgerError.invalid('openLedger: give at most one of databaseUrl, dataDir and sql');

  let sql: SqlClient;
  try {
    sql =
      options.sql ??
      (options.databaseUrl === undefined
        ? await createPgliteClient(options.dataDir === undefined ? {} : { dataDir: options.dataDir })
        : createPgClient({ connectionString: options.databaseUrl }));
  } catch (error) {
    throw LedgerError.fromUnknown(error, 'opening the database');
  }
  const owned = options.sql === undefined;
  try {
    await migrateLedger(sql, schema);
  } catch (error) {
    if (owned) await sql.close().catch(() => undefined);
    throw error;
  }
  return createLedgerStore({ sql, schema, country, owned });
}

function createLedgerStore(options: {
  sql: SqlClient;
  schema: string;
  country: Country;
  owned: boolean;
}): OpenedLedger {
  const { sql, schema, country, owned } = options;
  const append = createAppender(schema);
  const verify = createVerifier(sql, schema);
  const queries = createQueries(sql, schema);
  let closed = false;

  /** Runs a database call, turning whatever it throws into a LedgerError. */
  const guard = async <T>(doing: string, work: () => Promise<T>): Promise<T> => {
    if (closed) throw new LedgerError({ code: 'LEDGER_UNAVAILABLE', message: `ledger ${schema} is closed` });
    try {
      return await work();
    } catch (error) {
      throw LedgerError.fromUnknown(error, `${doing} (${schema})`);
    }
  };

  return {
    country,
    schema,
    engine: sql.engine,
    append(disclosures, positions) {
      if (!isList(disclosures)) return Promise.reject(LedgerError.invalid('append: disclosures must be an array'));
      if (!isList(positions)) return Promise.reject(LedgerError.invalid('append: positions must be an array'));
      try {
        for (const d of disclosures) validateDisclosure(d, country);
        positions.forEach(validatePosition);
      } catch (error) {
        return Promise.reject(error instanceof Error ? error : new Error(String(error)));
      }
      return guard('append', () => sql.transaction((tx) => append(tx, disclosures, positions)));
    },
    head: () => guard('head', () => queries.head()),
    entry: (n) => guard('entry', () => queries.entry(n)),
    verify: (verifyOptions) => guard('verify', () => verify(verifyOptions)),
    recipientsOf: (eventId) => guard('recipientsOf', () => queries.recipientsOf(eventId)),
    delivered: (eventId, recipient, sourceTopic) =>
      guard('delivered', () => queries.delivered(eventId, recipient, sourceTopic)),
    listDisclosures: (filter) => guard('listDisclosures', () => queries.listDisclosures(filter)),
    positions: (topic) => guard('positions', () => queries.positions(topic)),
    async close() {
      if (closed) return;
      closed = true;
      if (owned) await sql.close();
    },
  };
}
