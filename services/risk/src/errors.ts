// The risk package's one error type: a stable code, the cause, and whether retrying can help.
export type RiskErrorCode = 'INVALID_RULES' | 'INVALID_REGISTRY' | 'CATCH_UP_FAILED' | 'NOT_STARTED';

export class RiskError extends Error {
  override readonly name = 'RiskError';
  readonly code: RiskErrorCode;
  readonly retriable: boolean;

  constructor(options: { code: RiskErrorCode; message: string; retriable?: boolean; cause?: unknown }) {
    super(options.message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = options.code;
    this.retriable = options.retriable ?? false;
  }
}
