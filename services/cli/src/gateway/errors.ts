// Turns whatever a gateway call throws into a CliError: the gateway's reason (ErrorInfo) and
// message, the field violations it names, and the exit code of its status class.
import { status } from '@grpc/grpc-js';
import { fromRpcStatus, rpcStatusFromError, type ErrorDetails, type RpcStatus } from '@puente/proto';

import { CliError, ExitCode } from '../exit-codes.js';
import type { Messages } from '../i18n/messages.js';

export function exitCodeOf(code: number): ExitCode {
  switch (code as status) {
    case status.UNAUTHENTICATED:
    case status.PERMISSION_DENIED:
      return ExitCode.DENIED;
    case status.NOT_FOUND:
      return ExitCode.NOT_FOUND;
    case status.INVALID_ARGUMENT:
    case status.OUT_OF_RANGE:
      return ExitCode.USAGE;
    default:
      // UNAVAILABLE, DEADLINE_EXCEEDED, FAILED_PRECONDITION (e.g. LEDGER_UNAVAILABLE),
      // RESOURCE_EXHAUSTED, INTERNAL …: the gateway could not serve the request now.
      return ExitCode.UNAVAILABLE;
  }
}

/** Reason and the extra lines (field violations) of a status's details. */
export function describeDetails(details: ErrorDetails): { reason: string | undefined; lines: string[] } {
  const lines = (details.badRequest?.fieldViolations ?? []).map((v) => `  ${v.field}: ${v.description}`);
  return { reason: details.errorInfo?.reason, lines };
}

function isServiceError(error: unknown): error is Error & { code: number; details: string; metadata: never } {
  return error instanceof Error && typeof (error as { code?: unknown }).code === 'number' && 'metadata' in error;
}

export function fromGatewayError(error: unknown, address: string, messages: Messages): CliError {
  if (error instanceof CliError) return error;
  if (!isServiceError(error)) {
    return new CliError({
      exitCode: ExitCode.UNAVAILABLE,
      reason: 'INTERNAL',
      message: error instanceof Error ? error.message : String(error),
      cause: error,
    });
  }
  const rpc = rpcStatusFromError(error);
  const { reason, lines } = describeDetails(rpc ? fromRpcStatus(rpc) : {});
  const code = error.code as status;
  if (reason === undefined && (code === status.UNAVAILABLE || code === status.DEADLINE_EXCEEDED)) {
    return new CliError({
      exitCode: ExitCode.UNAVAILABLE,
      reason: status[error.code] ?? 'UNAVAILABLE',
      message: messages.t('error.unreachable', { address, message: error.details }),
      cause: error,
    });
  }
  return new CliError({
    exitCode: exitCodeOf(error.code),
    reason: reason ?? status[error.code] ?? 'UNKNOWN',
    message: error.details,
    details: lines,
    cause: error,
  });
}

/** Reason and message of a status carried inside a message (PublishOutcome.rejected). */
export function rejectionOf(rejected: RpcStatus): { reason: string; message: string } {
  const { reason } = describeDetails(fromRpcStatus(rejected));
  return { reason: reason ?? status[rejected.code] ?? 'UNKNOWN', message: rejected.message };
}
