// The gateway's one error type and the one place where any error becomes a gRPC status:
// a code, a message that names what is wrong (never a stack or a secret), an ErrorInfo reason,
// field violations for bad payloads and a retry hint when waiting can help.
import { status, type ServiceError } from '@grpc/grpc-js';
import {
  ErrorReason,
  errorInfo,
  retryInfo,
  toRpcStatus,
  toServiceErrorObject,
  type BadRequest_FieldViolation,
  type RpcStatus,
  type ErrorDetails,
} from '@puente/proto';
import { AvroError, BusError, PolicyError } from '@puente/sdk';

import { IdentityError } from './identity.js';

export type GatewayErrorCode =
  | 'UNAUTHENTICATED'
  | 'PERMISSION_DENIED'
  | 'INVALID_ARGUMENT'
  | 'NOT_FOUND'
  | 'RESOURCE_EXHAUSTED'
  | 'UNAVAILABLE'
  | 'FAILED_PRECONDITION'
  | 'ABORTED'
  | 'INTERNAL';

export interface GatewayErrorOptions {
  readonly code: GatewayErrorCode;
  readonly reason: ErrorReason;
  readonly message: string;
  readonly fieldViolations?: readonly BadRequest_FieldViolation[];
  readonly retryAfterMs?: number;
  readonly metadata?: Readonly<Record<string, string>>;
  readonly cause?: unknown;
}

export class GatewayError extends Error {
  override readonly name = 'GatewayError';
  readonly code: GatewayErrorCode;
  readonly reason: ErrorReason;
  readonly fieldViolations: readonly BadRequest_FieldViolation[];
  readonly retryAfterMs: number | undefined;
  readonly metadata: Readonly<Record<string, string>>;
  get retriable(): boolean {
    return this.retryAfterMs !== undefined;
  }

  constructor(options: GatewayErrorOptions) {
    super(options.message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = options.code;
    this.reason = options.reason;
    this.fieldViolations = options.fieldViolations ?? [];
    this.retryAfterMs = options.retryAfterMs;
    this.metadata = options.metadata ?? {};
  }
}

const GRPC_CODES: Record<GatewayErrorCode, status> = {
  UNAUTHENTICATED: status.UNAUTHENTICATED,
  PERMISSION_DENIED: status.PERMISSION_DENIED,
  INVALID_ARGUMENT: status.INVALID_ARGUMENT,
  NOT_FOUND: status.NOT_FOUND,
  RESOURCE_EXHAUSTED: status.RESOURCE_EXHAUSTED,
  UNAVAILABLE: status.UNAVAILABLE,
  FAILED_PRECONDITION: status.FAILED_PRECONDITION,
  ABORTED: status.ABORTED,
  INTERNAL: status.INTERNAL,
};

/** How long a caller should wait before retrying when the bus is down. */
export const BUS_RETRY_AFTER_MS = 2_000;

/** Normalises anything thrown inside a handler into a GatewayError. */
export function fromUnknown(error: unknown): GatewayError {
  if (error instanceof GatewayError) return error;
  if (error instanceof IdentityError) {
    return new GatewayError({
      code: 'UNAUTHENTICATED',
      reason: /no client certificate or bearer token/.test(error.message)
        ? ErrorReason.CREDENTIALS_MISSING
        : ErrorReason.CREDENTIALS_INVALID,
      message: error.message,
      cause: error,
    });
  }
  if (error instanceof AvroError) {
    switch (error.code) {
      case 'SCHEMA_VALIDATION':
        return new GatewayError({
          code: 'INVALID_ARGUMENT',
          reason: ErrorReason.SCHEMA_REJECTED,
          message: error.message,
          fieldViolations: error.fieldErrors.map((f) => ({
            field: f.path,
            description: f.message,
            reason: 'SCHEMA_REJECTED',
          })),
          cause: error,
        });
      case 'UNKNOWN_TOPIC':
        return new GatewayError({
          code: 'NOT_FOUND',
          reason: ErrorReason.TOPIC_NOT_FOUND,
          message: error.message,
          cause: error,
        });
      case 'UNKNOWN_SCHEMA_ID':
        return new GatewayError({
          code: 'NOT_FOUND',
          reason: ErrorReason.SCHEMA_NOT_FOUND,
          message: error.message,
          cause: error,
        });
      default:
        return new GatewayError({
          code: 'INVALID_ARGUMENT',
          reason: ErrorReason.PAYLOAD_UNDECODABLE,
          message: error.message,
          cause: error,
        });
    }
  }
  if (error instanceof BusError) {
    switch (error.code) {
      case 'UNKNOWN_TOPIC':
        return new GatewayError({
          code: 'NOT_FOUND',
          reason: ErrorReason.TOPIC_NOT_FOUND,
          message: error.message,
          cause: error,
        });
      case 'RECORD_TOO_LARGE':
        return new GatewayError({
          code: 'INVALID_ARGUMENT',
          reason: ErrorReason.PAYLOAD_TOO_LARGE,
          message: error.message,
          cause: error,
        });
      case 'INVALID_ARGUMENT':
        return new GatewayError({
          code: 'INVALID_ARGUMENT',
          reason: ErrorReason.REQUEST_INVALID,
          message: error.message,
          cause: error,
        });
      default:
        return busUnavailable(error.message, error);
    }
  }
  if (error instanceof PolicyError) {
    return new GatewayError({
      code: 'FAILED_PRECONDITION',
      reason: ErrorReason.NO_AGREEMENT,
      message: error.message,
      cause: error,
    });
  }
  return new GatewayError({
    code: 'INTERNAL',
    reason: ErrorReason.UNSPECIFIED,
    message: 'internal error (logged by the gateway)',
    cause: error,
  });
}

export function busUnavailable(message: string, cause?: unknown): GatewayError {
  return new GatewayError({
    code: 'UNAVAILABLE',
    reason: ErrorReason.BUS_UNAVAILABLE,
    message: `the bus is unavailable: ${message}; retry after ${BUS_RETRY_AFTER_MS} ms`,
    retryAfterMs: BUS_RETRY_AFTER_MS,
    cause,
  });
}

function statusParts(error: unknown): { code: status; message: string; details: ErrorDetails } {
  const gatewayError = fromUnknown(error);
  const details: ErrorDetails = { errorInfo: errorInfo(gatewayError.reason, gatewayError.metadata) };
  if (gatewayError.fieldViolations.length > 0)
    details.badRequest = { fieldViolations: [...gatewayError.fieldViolations] };
  if (gatewayError.retryAfterMs !== undefined) details.retryInfo = retryInfo(gatewayError.retryAfterMs);
  return { code: GRPC_CODES[gatewayError.code], message: gatewayError.message, details };
}

/** The single translation to a gRPC status with google.rpc details. */
export function toServiceError(error: unknown): ServiceError {
  const { code, message, details } = statusParts(error);
  return toServiceErrorObject(code, message, details);
}

/** The same status as a google.rpc.Status message, for per-event outcomes inside a stream. */
export function toStatusMessage(error: unknown): RpcStatus {
  const { code, message, details } = statusParts(error);
  return toRpcStatus(code, message, details);
}
