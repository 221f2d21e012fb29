// The console's one error type, and the single translation of a gateway's gRPC error into it: the
// HTTP status the API answers with, and the gateway's machine-readable reason, which the front end
// translates (its catalogs have a text per reason; the gateway's own message is shown beside it).
import { status as GrpcStatus } from '@grpc/grpc-js';
import { callFailureOf, isServiceError } from '@puente/proto';
import { PuenteError } from '@puente/runtime';

export type ConsoleErrorCode =
  | 'BAD_REQUEST'
  | 'PAYLOAD_TOO_LARGE'
  | 'NOT_SIGNED_IN'
  | 'SIGN_IN_REFUSED'
  | 'NOT_FOUND'
  | 'FORBIDDEN'
  | 'GATEWAY_ERROR'
  | 'GATEWAY_UNAVAILABLE';

export class ConsoleError extends PuenteError<ConsoleErrorCode> {
  override readonly name = 'ConsoleError';
  readonly httpStatus: number;
  /** The gateway's ErrorInfo reason (e.g. "NO_AGREEMENT") or the console's own (e.g. "NOT_OPERATOR"). */
  readonly reason: string;
  /** Fields at fault, `field: what is wrong`. */
  readonly violations: readonly string[];

  constructor(options: {
    code: ConsoleErrorCode;
    httpStatus: number;
    reason: string;
    message: string;
    violations?: readonly string[];
    retriable?: boolean;
    cause?: unknown;
  }) {
    super(options);
    this.httpStatus = options.httpStatus;
    this.reason = options.reason;
    this.violations = options.violations ?? [];
  }

  toJson(): { error: { code: string; reason: string; message: string; violations: readonly string[] } } {
    return { error: { code: this.code, reason: this.reason, message: this.message, violations: this.violations } };
  }
}

/** A request the console itself refuses: names the field and what is wrong with it. */
export function badInput(field: string, problem: string): ConsoleError {
  return new ConsoleError({
    code: 'BAD_REQUEST',
    httpStatus: 400,
    reason: 'REQUEST_INVALID',
    message: `${field}: ${problem}`,
    violations: [`${field}: ${problem}`],
  });
}

const httpByGrpc: Partial<Record<number, [number, ConsoleErrorCode]>> = {
  [GrpcStatus.INVALID_ARGUMENT]: [400, 'BAD_REQUEST'],
  [GrpcStatus.NOT_FOUND]: [404, 'NOT_FOUND'],
  [GrpcStatus.PERMISSION_DENIED]: [403, 'FORBIDDEN'],
  [GrpcStatus.UNAUTHENTICATED]: [401, 'NOT_SIGNED_IN'],
  [GrpcStatus.FAILED_PRECONDITION]: [409, 'GATEWAY_ERROR'],
  [GrpcStatus.UNAVAILABLE]: [503, 'GATEWAY_UNAVAILABLE'],
  [GrpcStatus.DEADLINE_EXCEEDED]: [504, 'GATEWAY_UNAVAILABLE'],
};

/** Any error at the console's boundary, as a ConsoleError (unknown errors hide their text). */
export function toConsoleError(error: unknown): ConsoleError {
  if (error instanceof ConsoleError) return error;
  if (isServiceError(error)) {
    const failure = callFailureOf(error);
    const [httpStatus, code] = httpByGrpc[error.code] ?? [502, 'GATEWAY_ERROR'];
    return new ConsoleError({
      code,
      httpStatus,
      reason: failure.reason ?? GrpcStatus[error.code] ?? 'UNKNOWN',
      message: failure.message,
      violations: failure.violations,
      retriable: error.code === GrpcStatus.UNAVAILABLE,
      cause: error,
    });
  }
  return new ConsoleError({
    code: 'GATEWAY_ERROR',
    httpStatus: 500,
    reason: 'INTERNAL',
    message: 'the console failed to answer; its log says why',
    cause: error,
  });
}
