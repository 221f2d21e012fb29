// The risk package's one error type: a stable code, the cause, and whether retrying can help.
import { PuenteError } from '@puente/runtime';

export type RiskErrorCode =
  | 'INVALID_RULES'
  | 'INVALID_REGISTRY'
  | 'CATCH_UP_FAILED'
  | 'NOT_STARTED'
  /** The gateway refused the partner feed for good (credentials, agreement, feed, superseded). */
  | 'PARTNER_FEED_REFUSED'
  | 'INVALID_OPTIONS'
  /** A record this service cannot act on (e.g. a malformed header): dead-lettered, not retried. */
  | 'INVALID_RECORD'
  /** A topic the process reads or writes does not exist. */
  | 'MISSING_TOPICS';

export class RiskError extends PuenteError<RiskErrorCode> {
  override readonly name = 'RiskError';
}
