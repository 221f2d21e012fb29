// The SQL port over PGlite, PostgreSQL compiled to WebAssembly and embedded in this process:
// in memory, or persisted in a data directory. PGlite runs one statement at a time and queues
// callers, so a transaction here excludes every other query until it ends.
import { PGlite } from '@electric-sql/pglite';

import type { SqlClient, SqlParam, SqlQueryable } from './sql-client.js';

export interface PgliteClientOptions {
  /** A directory to keep the database in; in memory when absent. */
  readonly dataDir?: string;
}

export async function createPgliteClient(options: PgliteClientOptions = {}): Promise<SqlClient> {
  const db = options.dataDir === undefined ? new PGlite() : new PGlite(options.dataDir);
  await db.waitReady;
  return wrapPglite(db, true);
}

/** The port over an existing PGlite instance; `owned` decides whether close() closes it. */
export function wrapPglite(db: PGlite, owned: boolean): SqlClient {
  const run = async <Row extends object>(
    on: Pick<PGlite, 'query'>,
    text: string,
    params: readonly SqlParam[] = [],
  ): Promise<Row[]> => (await on.query<Row>(text, params as unknown[])).rows;
  return {
    engine: 'pglite',
    query: (text, params) => run(db, text, params),
    transaction: (work) =>
      db.transaction((tx) => work({ query: (text, params) => run(tx, text, params) } satisfies SqlQueryable)),
    close: async () => {
      if (owned && !db.closed) await db.close();
    },
  };
}
