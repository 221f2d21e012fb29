// Turns whatever a gateway call throws into a CliError: the gateway's reason (ErrorInfo) and
// message, the field violations it names (callFailureOf of @puente/proto, shared with the
// console), and the exit code of its status class.
import { status } from '@grpc/grpc-js';
import { callFailureOf, fromRpcStatus, isServiceError, type RpcStatus } from '@puente/proto';

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
  const failure = callFailureOf(error);
  if (
    failure.reason === undefined &&
    (failure.code === status.UNAVAILABLE || failure.code === status.DEADLINE_EXCEEDED)
  ) {
    return new CliError({
      exitCode: ExitCode.UNAVAILABLE,
      reason: status[failure.code],
      message: messages.t('error.unreachable', { address, message: failure.message }),
      cause: error,
    });
  }
  return new CliError({
    exitCode: exitCodeOf(failure.code),
    reason: failure.reason ?? status[failure.code] ?? 'UNKNOWN',
    message: failure.message,
    details: failure.violations.map((v) => `  ${v}`),
    cause: error,
  });
}

/** Reason and message of a status carried inside a message (PublishOutcome.rejected). */
export function rejectionOf(rejected: RpcStatus): { reason: string; message: string } {
  const reason = fromRpcStatus(rejected).errorInfo?.reason;
  return { reason: reason ?? status[rejected.code as status] ?? 'UNKNOWN', message: rejected.message };
}
