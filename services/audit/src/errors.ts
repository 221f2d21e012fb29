// The audit package's one error type: a stable code, the cause, and whether retrying can help.
import { PuenteError } from '@puente/runtime';

export type AuditErrorCode =
  /** A record on the disclosure topic that is no disclosure the ledger can hold (dead-lettered). */
  | 'NOT_A_DISCLOSURE'
  /** A topic the service needs is missing or would expire what it keeps. */
  | 'TOPIC_UNFIT'
  | 'INVALID_OPTIONS';

export class AuditError extends PuenteError<AuditErrorCode> {
  override readonly name = 'AuditError';
}
