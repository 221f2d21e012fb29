// The one error @puente/ledger throws: a stable code callers switch on (the gateway maps
// LEDGER_UNAVAILABLE to its gRPC status), whether a retry can help, and the cause.
import { messageOf, PuenteError } from '@puente/runtime';

export type LedgerErrorCode =
  /** The database cannot be reached or failed in a way a retry may fix. */
  | 'LEDGER_UNAVAILABLE'
  /** A caller passed something the ledger cannot store or answer (a bad disclosure, a bad filter). */
  | 'INVALID_INPUT'
  /** The schema could not be migrated to the version this code needs. */
  | 'MIGRATION_FAILED'
  /** A signing or verifying key could not be loaded. */
  | 'KEY_UNAVAILABLE';

export class LedgerError extends PuenteError<LedgerErrorCode> {
  override readonly name = 'LedgerError';

  /** Anything a database call threw, as a LedgerError (kept as is when it already is one). */
  static fromUnknown(error: unknown, doing: string): LedgerError {
    if (error instanceof LedgerError) return error;
    if (isRefusedValue(error)) {
      // The database refused a value it was given (out of range, malformed, a constraint): the
      // same input fails every time, so it is the caller's, never a reason to retry.
      return new LedgerError({
        code: 'INVALID_INPUT',
        message: `ledger: ${doing} refused a value: ${messageOf(error)}`,
        retriable: false,
        cause: error,
      });
    }
    return new LedgerError({
      code: 'LEDGER_UNAVAILABLE',
      message: `ledger: ${doing} failed: ${messageOf(error)}`,
      retriable: isTransient(error),
      cause: error,
    });
  }

  static invalid(message: string): LedgerError {
    return new LedgerError({ code: 'INVALID_INPUT', message, retriable: false });
  }
}

/**
 * Whether a database failure may pass on retry: no SQLSTATE at all (the connection failed), or a
 * class for connections (08), resources (53), operator intervention (57) or a rolled-back
 * transaction (40: serialization failure, deadlock). A syntax or constraint error will not.
 */
export function isTransient(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string' || !/^[0-9A-Z]{5}$/.test(code)) return true;
  return ['08', '53', '57', '40'].includes(code.slice(0, 2));
}

/** SQLSTATE class 22 (data exception: a value out of range or malformed) or 23 (a constraint). */
export function isRefusedValue(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^2[23][0-9A-Z]{3}$/.test(code);
}
