// The ledger's tiny SQL port: one dialect (PostgreSQL) spoken to a server through `pg` or to
// PGlite embedded. Row values differ slightly between the two drivers (int8 as string or number,
// bytea as Buffer or Uint8Array); the helpers at the bottom read either.

export type SqlParam = string | number | boolean | null | Buffer | Date | readonly (string | number | Buffer | null)[];

export interface SqlQueryable {
  query<Row extends object>(text: string, params?: readonly SqlParam[]): Promise<Row[]>;
}

export interface SqlClient extends SqlQueryable {
  /** Runs `work` in one transaction on one connection: committed when it resolves, rolled back when it throws. */
  transaction<T>(work: (tx: SqlQueryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
  /** Which engine, for messages and benchmarks. */
  readonly engine: 'postgres' | 'pglite';
}

/** A bytea value from either driver, as a Buffer sharing its memory. */
export function bufferOf(value: unknown): Buffer {
  if (Buffer.isBuffer(value)) return value;
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  throw new TypeError(`expected a bytea value, got ${typeof value}`);
}

export function nullableBufferOf(value: unknown): Buffer | null {
  return value === null || value === undefined ? null : bufferOf(value);
}

/** An int8 from either driver (pg: string; PGlite: number, or bigint beyond 2^53). */
export function numberOf(value: unknown): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new TypeError(`expected a safe integer, got ${String(value)}`);
  return n;
}
