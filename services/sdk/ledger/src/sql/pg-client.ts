// The SQL port over a PostgreSQL server, through a `pg` connection pool.
import pg from 'pg';

import type { SqlClient, SqlParam, SqlQueryable } from './sql-client.js';

export interface PgClientOptions {
  readonly connectionString: string;
  /** Connections in the pool (default 4: one appender, readers beside it). */
  readonly max?: number;
}

export function createPgClient(options: PgClientOptions): SqlClient {
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.max ?? 4,
    // A server that stops answering fails the call (retriable: connection, or SQLSTATE 57014)
    // instead of holding a subscription's batch or the audit service forever.
    connectionTimeoutMillis: 10_000,
    statement_timeout: 60_000,
  });
  // An idle client's error (the server restarted) must not crash the host; the next query fails
  // with its own error instead.
  pool.on('error', () => undefined);
  const run = async <Row extends object>(
    on: pg.Pool | pg.PoolClient,
    text: string,
    params: readonly SqlParam[] = [],
  ): Promise<Row[]> => (await on.query<Row>(text, params as unknown[])).rows;
  return {
    engine: 'postgres',
    query: (text, params) => run(pool, text, params),
    async transaction(work) {
      const client = await pool.connect();
      const tx: SqlQueryable = { query: (text, params) => run(client, text, params) };
      let broken: Error | undefined;
      try {
        await client.query('BEGIN');
        const result = await work(tx);
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch((rollbackError: unknown) => {
          // The connection is unusable: drop it from the pool rather than hand it out again.
          broken = rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
        });
        throw error;
      } finally {
        client.release(broken);
      }
    },
    close: () => pool.end(),
  };
}
