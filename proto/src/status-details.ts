// The error model on the wire: a `google.rpc.Status` with typed details, carried in the
// `grpc-status-details-bin` trailer (or inline, as PublishOutcome.rejected). These helpers
// pack and unpack it so the gateway's one `toServiceError()` and every client agree.
import { Metadata, type ServiceError, type status } from '@grpc/grpc-js';
import type { BinaryWriter } from '@bufbuild/protobuf/wire';
import {
  BadRequest,
  ErrorInfo,
  PreconditionFailure,
  QuotaFailure,
  ResourceInfo,
  RetryInfo,
} from './generated/google/rpc/error_details.js';
import { Status } from './generated/google/rpc/status.js';
import { ErrorReason } from './generated/puente/v1/common.js';

/** `ErrorInfo.domain` of every error Puente raises. */
export const ERROR_DOMAIN = 'puente';

/** Binary trailer in which gRPC carries a serialized `google.rpc.Status`. */
export const STATUS_DETAILS_KEY = 'grpc-status-details-bin';

/** The detail messages Puente sends; at most one of each, as google.rpc recommends. */
export interface ErrorDetails {
  errorInfo?: ErrorInfo;
  badRequest?: BadRequest;
  retryInfo?: RetryInfo;
  quotaFailure?: QuotaFailure;
  preconditionFailure?: PreconditionFailure;
  resourceInfo?: ResourceInfo;
}

interface Codec<T> {
  encode(message: T): BinaryWriter;
  decode(input: Uint8Array): T;
}

const TYPE_URL_PREFIX = 'type.googleapis.com/';

// Order is the order details are written in; keys are ErrorDetails keys.
const detailTypes = {
  errorInfo: ['google.rpc.ErrorInfo', ErrorInfo],
  badRequest: ['google.rpc.BadRequest', BadRequest],
  resourceInfo: ['google.rpc.ResourceInfo', ResourceInfo],
  quotaFailure: ['google.rpc.QuotaFailure', QuotaFailure],
  preconditionFailure: ['google.rpc.PreconditionFailure', PreconditionFailure],
  retryInfo: ['google.rpc.RetryInfo', RetryInfo],
} as const satisfies { [K in keyof ErrorDetails]-?: readonly [string, Codec<NonNullable<ErrorDetails[K]>>] };

type DetailKey = keyof typeof detailTypes;
const detailKeys = Object.keys(detailTypes) as DetailKey[];

/** An ErrorInfo in Puente's domain; `reason` is the ErrorReason name without prefix. */
export function errorInfo(reason: ErrorReason, metadata: Readonly<Record<string, string>> = {}): ErrorInfo {
  return { reason: ErrorReason[reason], domain: ERROR_DOMAIN, metadata: { ...metadata } };
}

/** A RetryInfo advising the client to wait `delayMs` before retrying. */
export function retryInfo(delayMs: number): RetryInfo {
  const ms = Math.max(0, Math.round(delayMs));
  return { retryDelay: { seconds: String(Math.floor(ms / 1000)), nanos: (ms % 1000) * 1_000_000 } };
}

/** Builds a `google.rpc.Status` with its details packed as `Any`. */
export function toRpcStatus(code: status, message: string, details: ErrorDetails = {}): Status {
  const packed = [];
  for (const key of detailKeys) {
    const value = details[key];
    if (value === undefined) continue;
    const [typeName, codec] = detailTypes[key] as readonly [string, Codec<typeof value>];
    packed.push({ typeUrl: TYPE_URL_PREFIX + typeName, value: Buffer.from(codec.encode(value).finish()) });
  }
  return { code, message, details: packed };
}

/** Unpacks the details of a `google.rpc.Status`; detail types it does not know are skipped. */
export function fromRpcStatus(rpcStatus: Status): ErrorDetails {
  const details: ErrorDetails = {};
  for (const any of rpcStatus.details) {
    const typeName = any.typeUrl.slice(any.typeUrl.lastIndexOf('/') + 1);
    const key = detailKeys.find((k) => detailTypes[k][0] === typeName);
    if (key === undefined) continue;
    const codec = detailTypes[key][1] as Codec<unknown>;
    (details as Record<DetailKey, unknown>)[key] = codec.decode(any.value);
  }
  return details;
}

/** Trailing metadata that carries `rpcStatus`, for a failed call's status (see toServiceErrorObject). */
export function toStatusMetadata(rpcStatus: Status, metadata: Metadata = new Metadata()): Metadata {
  metadata.set(STATUS_DETAILS_KEY, Buffer.from(Status.encode(rpcStatus).finish()));
  return metadata;
}

/**
 * A `ServiceError`-shaped object for a failed call: a grpc-js handler passes it to its
 * callback (unary) or emits it, `call.emit('error', err)`, on a stream. (`destroy(err)`
 * would skip sending the status.)
 */
export function toServiceErrorObject(
  code: status,
  message: string,
  details: ErrorDetails = {},
): Error & { code: status; details: string; metadata: Metadata } {
  const metadata = toStatusMetadata(toRpcStatus(code, message, details));
  return Object.assign(new Error(message), { code, details: message, metadata });
}

/** The `google.rpc.Status` a client received in the trailers of a failed call, if any. */
export function rpcStatusFromError(error: Pick<ServiceError, 'metadata'>): Status | undefined {
  const raw = error.metadata.get(STATUS_DETAILS_KEY)[0];
  if (raw === undefined || typeof raw === 'string') return undefined;
  try {
    return Status.decode(raw);
  } catch {
    return undefined;
  }
}

const reasonsByName = new Map<string, ErrorReason>(
  Object.values(ErrorReason)
    .filter((value): value is ErrorReason => typeof value === 'number')
    .filter((value) => value !== ErrorReason.UNSPECIFIED && value !== ErrorReason.UNRECOGNIZED)
    .map((value) => [ErrorReason[value], value]),
);

/** The Puente ErrorReason of a status's ErrorInfo; undefined for other domains or unknown reasons. */
export function errorReasonOf(details: ErrorDetails): ErrorReason | undefined {
  const info = details.errorInfo;
  if (info === undefined || info.domain !== ERROR_DOMAIN) return undefined;
  return reasonsByName.get(info.reason);
}

/** Whether `error` is what grpc-js rejects a call with (a status code and trailers). */
export function isServiceError(error: unknown): error is ServiceError {
  return error instanceof Error && typeof (error as Partial<ServiceError>).code === 'number' && 'metadata' in error;
}

/** What a client shows of a failed call: the gateway's reason, its message and the fields it names. */
export interface CallFailure {
  readonly code: status;
  /** `ErrorInfo.reason` (e.g. "TOPIC_NOT_FOUND"); undefined when the status carries none. */
  readonly reason: string | undefined;
  readonly message: string;
  /** `BadRequest` field violations, each `<field>: <description>`. */
  readonly violations: readonly string[];
}

export function callFailureOf(error: ServiceError): CallFailure {
  const rpc = rpcStatusFromError(error);
  const details = rpc ? fromRpcStatus(rpc) : {};
  return {
    code: error.code,
    reason: details.errorInfo?.reason,
    message: error.details || error.message,
    violations: (details.badRequest?.fieldViolations ?? []).map((v) => `${v.field}: ${v.description}`),
  };
}
