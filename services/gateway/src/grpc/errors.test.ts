// The one translation to a gRPC status keeps every status small enough for any gRPC client:
// violations, messages, metadata and multi-byte text are bounded, and the count of what was
// left out is said.
import { status } from '@grpc/grpc-js';
import { ErrorReason, fromRpcStatus, RpcStatus, rpcStatusFromError } from '@puente/proto';
import { AvroError } from '@puente/contracts';
import { describe, expect, it } from 'vitest';

import { fromUnknown, GatewayError, STATUS_LIMITS, toServiceError, toStatusMessage } from './errors.js';

const statusBytes = (error: unknown) => RpcStatus.encode(toStatusMessage(error)).finish().length;

describe('bounded error details', () => {
  it('lists the first violations and says how many more there were', () => {
    const fieldErrors = Array.from({ length: 500 }, (_, i) => ({
      path: `goods[${i}].hsCode`,
      expected: 'string',
      got: 'null',
      message: `goods[${i}].hsCode: expected string, got null`,
    }));
    const error = new AvroError({ code: 'SCHEMA_VALIDATION', message: 'x'.repeat(10_000), fieldErrors });
    const serviceError = toServiceError(error);
    expect(serviceError.code).toBe(status.INVALID_ARGUMENT);
    expect(Buffer.byteLength(serviceError.details)).toBeLessThanOrEqual(STATUS_LIMITS.messageBytes);
    const details = fromRpcStatus(rpcStatusFromError(serviceError)!);
    const violations = details.badRequest?.fieldViolations ?? [];
    expect(violations.slice(0, -1).map((v) => v.field)).toEqual(
      fieldErrors.slice(0, violations.length - 1).map((f) => f.path),
    );
    expect(violations.at(-1)).toMatchObject({ field: '...', description: `and ${500 - (violations.length - 1)} more` });
    expect(statusBytes(error)).toBeLessThanOrEqual(STATUS_LIMITS.statusBytes);
  });

  it('keeps long multi-byte descriptions, fields and metadata within the byte budget', () => {
    const long = '名前'.repeat(5_000);
    const error = new GatewayError({
      code: 'INVALID_ARGUMENT',
      reason: ErrorReason.REQUEST_INVALID,
      message: `🙂${long}`,
      fieldViolations: Array.from({ length: 50 }, (_, i) => ({
        field: `${long}${i}`,
        description: long,
        reason: 'REQUEST_INVALID',
      })),
      metadata: Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`key${i}`, long])),
      resourceInfo: { resourceType: long, resourceName: long, owner: long, description: long },
    });
    const rpc = toStatusMessage(error);
    expect(RpcStatus.encode(rpc).finish().length).toBeLessThanOrEqual(STATUS_LIMITS.statusBytes);
    const details = fromRpcStatus(rpc);
    expect(Object.keys(details.errorInfo?.metadata ?? {}).length).toBeLessThanOrEqual(STATUS_LIMITS.metadataEntries);
    expect(details.badRequest?.fieldViolations.at(-1)?.description).toMatch(/^and \d+ more$/);
    // Truncation never leaves half a surrogate pair: the text survives a UTF-8 round trip.
    expect(Buffer.from(rpc.message, 'utf8').toString('utf8')).toBe(rpc.message);
  });

  it('replaces lone surrogates a caller sent, which grpc-js could not percent-encode, and keeps pairs', () => {
    const lone = 'event_id must be a UUID, got \uD800x\uDC00 and \u{1F600}';
    const error = new GatewayError({
      code: 'INVALID_ARGUMENT',
      reason: ErrorReason.REQUEST_INVALID,
      message: lone,
      metadata: { eventId: '\uDBFF' },
    });
    const serviceError = toServiceError(error);
    expect(serviceError.details).toBe('event_id must be a UUID, got \uFFFDx\uFFFD and \u{1F600}');
    // What grpc-js does with the message before it sends it: it must not throw.
    expect(() => encodeURI(serviceError.details ?? '')).not.toThrow();
    expect(fromRpcStatus(toStatusMessage(error)).errorInfo?.metadata).toEqual({ eventId: '\uFFFD' });
  });

  it('leaves a small status as it is', () => {
    const error = new GatewayError({
      code: 'NOT_FOUND',
      reason: ErrorReason.FEED_NOT_FOUND,
      message: "no feed 'x/y'",
      metadata: { feed: 'x/y' },
      resourceInfo: { resourceType: 'puente.v1.Feed', resourceName: 'x/y', owner: '', description: 'none' },
    });
    const details = fromRpcStatus(toStatusMessage(error));
    expect(details.errorInfo?.metadata).toEqual({ feed: 'x/y' });
    expect(details.resourceInfo?.resourceName).toBe('x/y');
    expect(details.badRequest).toBeUndefined();
  });

  it('answers an unexpected failure INTERNAL with reason INTERNAL and a request id, never the cause', () => {
    const error = fromUnknown(new Error('secret stack detail'));
    expect(error).toMatchObject({ code: 'INTERNAL', reason: ErrorReason.INTERNAL });
    expect(error.metadata['requestId']).toMatch(/^[0-9a-f-]{36}$/);
    expect(error.message).not.toContain('secret');
    expect(error.message).toContain(error.metadata['requestId']);
  });
});
