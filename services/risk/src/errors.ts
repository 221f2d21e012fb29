// The risk package's one error type: a stable code, the cause, and whether retrying can help.
import { PuenteError } from '@puente/runtime';

export type RiskErrorCode = 'INVALID_RULES' | 'INVALID_REGISTRY' | 'CATCH_UP_FAILED' | 'NOT_STARTED';

export class RiskError extends PuenteError<RiskErrorCode> {
  override readonly name = 'RiskError';
}
