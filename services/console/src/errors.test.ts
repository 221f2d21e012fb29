import { status } from '@grpc/grpc-js';
import { BadRequest, errorInfo, ErrorReason, toServiceErrorObject } from '@puente/proto';
import { describe, expect, it } from 'vitest';

import { ConsoleError, toConsoleError } from './errors.js';

describe('toConsoleError', () => {
  it('carries a gateway error’s reason, message and field violations, with the matching HTTP status', () => {
    const gatewayError = toServiceErrorObject(status.INVALID_ARGUMENT, 'bad selector', {
      errorInfo: errorInfo(ErrorReason.REQUEST_INVALID),
      badRequest: BadRequest.fromPartial({ fieldViolations: [{ field: 'limit', description: 'at most 500' }] }),
    });
    expect(toConsoleError(gatewayError).toJson()).toEqual({
      error: {
        code: 'BAD_REQUEST',
        reason: 'REQUEST_INVALID',
        message: 'bad selector',
        violations: ['limit: at most 500'],
      },
    });
    expect(toConsoleError(gatewayError).httpStatus).toBe(400);
  });

  it('names the gRPC status when the gateway gave no reason, and hides unknown errors’ text', () => {
    const unauthenticated = toConsoleError(toServiceErrorObject(status.UNAUTHENTICATED, 'who are you'));
    expect([unauthenticated.httpStatus, unauthenticated.code, unauthenticated.reason]).toEqual([
      401,
      'NOT_SIGNED_IN',
      'UNAUTHENTICATED',
    ]);
    const internal = toConsoleError(new Error('stack-revealing detail'));
    expect(internal).toBeInstanceOf(ConsoleError);
    expect(internal.httpStatus).toBe(500);
    expect(internal.message).not.toContain('stack-revealing');
  });
});
