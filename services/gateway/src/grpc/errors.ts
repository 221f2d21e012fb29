// The gateway's one error type and the one place where any error becomes a gRPC status:
// a code, a message that names what is wrong (never a stack or a secret), an ErrorInfo reason,
// field violations for bad payloads and a retry hint when waiting can help. Details are bounded
// here, once, so that a status always fits in gRPC's default 8 KiB of metadata: a client with
// default limits must see the error, not a complaint about header size.
import { randomUUID } from 'node:crypto';

import { status, type ServiceError } from '@grpc/grpc-js';
import {
  ErrorReason,
  errorInfo,
  retryInfo,
  toRpcStatus,
  toServiceErrorObject,
  RpcStatus as RpcStatusCodec,
  type BadRequest_FieldViolation,
  type QuotaFailure,
  type ResourceInfo,
  type RpcStatus,
  type ErrorDetails,
} from '@puente/proto';
import { BusError } from '@puente/bus';
import { AvroError } from '@puente/contracts';
import { PolicyError } from '@puente/policy';
import { type Logger } from '@puente/runtime';

import { IdentityError } from '../auth/identity.js';

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
  readonly resourceInfo?: ResourceInfo;
  readonly quotaFailure?: QuotaFailure;
  readonly cause?: unknown;
}

export class GatewayError extends Error {
  override readonly name = 'GatewayError';
  readonly code: GatewayErrorCode;
  readonly reason: ErrorReason;
  readonly fieldViolations: readonly BadRequest_FieldViolation[];
  readonly retryAfterMs: number | undefined;
  readonly metadata: Readonly<Record<string, string>>;
  readonly resourceInfo: ResourceInfo | undefined;
  readonly quotaFailure: QuotaFailure | undefined;
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
    this.resourceInfo = options.resourceInfo;
    this.quotaFailure = options.quotaFailure;
  }

  /** The same error with more ErrorInfo metadata (keys already set win). */
  withMetadata(metadata: Readonly<Record<string, string>>): GatewayError {
    return new GatewayError({ ...this.options(), metadata: { ...metadata, ...this.metadata } });
  }

  private options(): GatewayErrorOptions {
    return {
      code: this.code,
      reason: this.reason,
      message: this.message,
      fieldViolations: this.fieldViolations,
      ...(this.retryAfterMs === undefined ? {} : { retryAfterMs: this.retryAfterMs }),
      metadata: this.metadata,
      ...(this.resourceInfo ? { resourceInfo: this.resourceInfo } : {}),
      ...(this.quotaFailure ? { quotaFailure: this.quotaFailure } : {}),
      ...(this.cause === undefined ? {} : { cause: this.cause }),
    };
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

/** How long a caller should wait before reconnecting when the gateway drains. */
export const SHUTDOWN_RETRY_AFTER_MS = 1_000;

let internalErrorLogger: Logger | undefined;

/** Where unexpected failures are logged, under the requestId their callers are told. */
export function logInternalErrorsTo(logger: Logger | undefined): void {
  internalErrorLogger = logger;
}

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
  if (error instanceof PolicyError && error.code === 'NO_AGREEMENT') {
    return new GatewayError({
      code: 'PERMISSION_DENIED',
      reason: ErrorReason.NO_AGREEMENT,
      message: error.message,
      cause: error,
    });
  }
  const requestId = randomUUID();
  internalErrorLogger?.error({ err: error, requestId }, 'internal error');
  return new GatewayError({
    code: 'INTERNAL',
    reason: ErrorReason.INTERNAL,
    message: `internal error (logged by the gateway under request id ${requestId})`,
    metadata: { requestId },
    cause: error,
  });
}

/** NOT_FOUND for a topic, named in metadata and in ResourceInfo as common.proto promises. */
export function topicNotFound(topic: string, message: string): GatewayError {
  return new GatewayError({
    code: 'NOT_FOUND',
    reason: ErrorReason.TOPIC_NOT_FOUND,
    message,
    metadata: { topic },
    resourceInfo: { resourceType: 'kafka.topic', resourceName: topic, owner: '', description: message },
  });
}

export function shuttingDown(): GatewayError {
  return new GatewayError({
    code: 'UNAVAILABLE',
    reason: ErrorReason.SHUTTING_DOWN,
    message: `the gateway is shutting down; reconnect after ${SHUTDOWN_RETRY_AFTER_MS} ms (to another instance)`,
    retryAfterMs: SHUTDOWN_RETRY_AFTER_MS,
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

/**
 * Bounds of a status's size; the ErrorReason comment in common.proto promises them. Text is
 * measured in UTF-8 bytes, as it travels. The message also travels percent-encoded in the
 * grpc-message header (up to three bytes per byte), hence its small budget.
 */
export const STATUS_LIMITS = {
  messageBytes: 512,
  violations: 20,
  textBytes: 200,
  metadataEntries: 16,
  metadataBytes: 256,
  /** Serialized google.rpc.Status, before base64 (which adds a third). */
  statusBytes: 3_000,
} as const;

/** Lone UTF-16 surrogates (a caller's malformed text echoed back), which grpc-js cannot send. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * At most `max` bytes of UTF-8, cut at a character boundary, marked with "…" when cut; a lone
 * surrogate becomes U+FFFD (grpc-js percent-encodes the message and throws URIError on one,
 * leaving the call without a status).
 */
function truncate(raw: string, max: number): string {
  const text = raw.replace(LONE_SURROGATE, '\uFFFD');
  if (Buffer.byteLength(text) <= max) return text;
  const budget = Math.max(0, max - 3); // "…" is three bytes
  let bytes = 0;
  let end = 0;
  for (const char of text) {
    const size = Buffer.byteLength(char);
    if (bytes + size > budget) break;
    bytes += size;
    end += char.length;
  }
  return `${text.slice(0, end)}…`;
}

function boundedViolations(violations: readonly BadRequest_FieldViolation[], keep: number, textBytes: number) {
  const shown = violations.slice(0, keep).map((v) => ({
    field: truncate(v.field, textBytes),
    description: truncate(v.description, textBytes),
    reason: truncate(v.reason, 64),
  }));
  const rest = violations.length - shown.length;
  if (rest > 0) shown.push({ field: '...', description: `and ${rest} more`, reason: violations[0]?.reason ?? '' });
  return shown;
}

function statusParts(error: unknown): { code: status; message: string; details: ErrorDetails } {
  const gatewayError = fromUnknown(error);
  const violations = gatewayError.fieldViolations;
  const message = truncate(gatewayError.message, STATUS_LIMITS.messageBytes);
  const code = GRPC_CODES[gatewayError.code];
  /** The details with `keep` violations and every text cut to `scale` of its budget. */
  const build = (keep: number, scale: number): ErrorDetails => {
    const text = Math.floor(STATUS_LIMITS.textBytes * scale);
    const metadata = Object.fromEntries(
      Object.entries(gatewayError.metadata)
        .slice(0, STATUS_LIMITS.metadataEntries)
        .map(([key, value]) => [truncate(key, 64), truncate(value, Math.floor(STATUS_LIMITS.metadataBytes * scale))]),
    );
    const details: ErrorDetails = { errorInfo: errorInfo(gatewayError.reason, metadata) };
    if (violations.length > 0) details.badRequest = { fieldViolations: boundedViolations(violations, keep, text) };
    if (gatewayError.resourceInfo) {
      const info = gatewayError.resourceInfo;
      details.resourceInfo = {
        resourceType: truncate(info.resourceType, text),
        resourceName: truncate(info.resourceName, text),
        owner: truncate(info.owner, text),
        description: truncate(info.description, text),
      };
    }
    if (gatewayError.quotaFailure) {
      details.quotaFailure = {
        violations: gatewayError.quotaFailure.violations.slice(0, STATUS_LIMITS.violations).map((v) => ({
          subject: truncate(v.subject, text),
          description: truncate(v.description, text),
        })),
      };
    }
    if (gatewayError.retryAfterMs !== undefined) details.retryInfo = retryInfo(gatewayError.retryAfterMs);
    return details;
  };
  // Within budget first by listing fewer violations, then (long multi-byte metadata) by shorter text.
  let keep = Math.min(violations.length, STATUS_LIMITS.violations);
  let scale = 1;
  let details = build(keep, scale);
  while (statusSize(code, message, details) > STATUS_LIMITS.statusBytes && (keep > 0 || scale > 1 / 64)) {
    if (keep > 0) keep--;
    else scale /= 2;
    details = build(keep, scale);
  }
  return { code, message, details };
}

const statusSize = (code: status, message: string, details: ErrorDetails): number =>
  RpcStatusCodec.encode(toRpcStatus(code, message, details)).finish().length;

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

/** INVALID_ARGUMENT (REQUEST_INVALID) with one field violation naming the request field. */
export function badRequest(field: string, description: string): GatewayError {
  return new GatewayError({
    code: 'INVALID_ARGUMENT',
    reason: ErrorReason.REQUEST_INVALID,
    message: `${field}: ${description}`,
    fieldViolations: [{ field, description, reason: 'REQUEST_INVALID' }],
  });
}
