// The handler wrapper both services use, on stand-in calls: admission in its order (service,
// authentication, role, then a stream's own opening), and every refusal or failure answered
// with its status — the handler never runs for a refused call.
import { EventEmitter } from 'node:events';

import {
  Metadata,
  status,
  type sendUnaryData,
  type ServerDuplexStream,
  type ServerUnaryCall,
  type ServiceError,
} from '@grpc/grpc-js';
import { ErrorReason, errorReasonOf, fromRpcStatus, rpcStatusFromError } from '@puente/proto';
import { describe, expect, it } from 'vitest';

import { IdentityError, type Authenticator, type Principal } from '../auth/identity.js';
import { GatewayError, shuttingDown } from './errors.js';
import { streamHandler, unaryHandler } from './handler.js';

const subscriber: Principal = { country: 'MX', agency: 'ANAM', roles: ['subscriber'], name: 'mx', via: 'token' };

/** Authenticates every call as `principal`, or refuses it when there is none; counts calls. */
function authenticatorOf(principal: Principal | undefined): Authenticator & { calls: number } {
  const authenticator = {
    calls: 0,
    authenticate: () => {
      authenticator.calls++;
      if (!principal) throw new IdentityError('no client certificate or bearer token');
      return principal;
    },
  };
  return authenticator;
}

const reasonOf = (error: ServiceError) => errorReasonOf(fromRpcStatus(rpcStatusFromError(error)!));

/** Calls a unary handler with `request`; resolves with what its callback got. */
function callUnary<Req, Res>(
  handler: (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>) => void,
  request: Req,
): Promise<{ error: ServiceError | null; response: Res | undefined }> {
  const call = { request, metadata: new Metadata() } as unknown as ServerUnaryCall<Req, Res>;
  return new Promise((resolve) =>
    handler(call, (error, response) =>
      resolve({ error: error as ServiceError | null, response: response ?? undefined }),
    ),
  );
}

describe('unaryHandler', () => {
  it('runs the handler for an admitted caller and answers with its result', async () => {
    const seen: { principal: Principal; request: string }[] = [];
    const handler = unaryHandler<string, { echo: string }>(
      { authenticator: authenticatorOf(subscriber), roles: ['subscriber', 'operator'] },
      async (principal, request) => {
        seen.push({ principal, request });
        return { echo: request };
      },
    );
    expect(await callUnary(handler, 'hello')).toEqual({ error: null, response: { echo: 'hello' } });
    expect(seen).toEqual([{ principal: subscriber, request: 'hello' }]);
  });

  it('refuses before the handler: UNAUTHENTICATED without credentials, PERMISSION_DENIED without the role', async () => {
    let ran = 0;
    const run = async () => void ran++;
    const anonymous = await callUnary(unaryHandler({ authenticator: authenticatorOf(undefined) }, run), {});
    expect(anonymous.error?.code).toBe(status.UNAUTHENTICATED);
    expect(reasonOf(anonymous.error!)).toBe(ErrorReason.CREDENTIALS_MISSING);
    const wrongRole = await callUnary(
      unaryHandler({ authenticator: authenticatorOf(subscriber), roles: ['operator'] }, run),
      {},
    );
    expect(wrongRole.error?.code).toBe(status.PERMISSION_DENIED);
    expect(reasonOf(wrongRole.error!)).toBe(ErrorReason.ROLE_NOT_ALLOWED);
    expect(ran).toBe(0);
  });

  it('refuses every call first when the service does not admit it, without authenticating', async () => {
    const authenticator = authenticatorOf(subscriber);
    const handler = unaryHandler(
      {
        admit: () => {
          throw shuttingDown();
        },
        authenticator,
      },
      async () => ({}),
    );
    const { error } = await callUnary(handler, {});
    expect(error?.code).toBe(status.UNAVAILABLE);
    expect(reasonOf(error!)).toBe(ErrorReason.SHUTTING_DOWN);
    expect(authenticator.calls).toBe(0);
  });

  it('answers what the handler throws with its status, and anything else as INTERNAL with a request id', async () => {
    const authenticator = authenticatorOf(subscriber);
    const refusing = unaryHandler({ authenticator }, async () => {
      throw new GatewayError({ code: 'NOT_FOUND', reason: ErrorReason.FEED_NOT_FOUND, message: 'no such feed' });
    });
    const refused = await callUnary(refusing, {});
    expect(refused.error).toMatchObject({ code: status.NOT_FOUND, details: 'no such feed' });
    expect(reasonOf(refused.error!)).toBe(ErrorReason.FEED_NOT_FOUND);
    const failing = unaryHandler({ authenticator }, () => {
      throw new Error('a secret stack detail');
    });
    const failed = await callUnary(failing, {});
    expect(failed.error?.code).toBe(status.INTERNAL);
    expect(failed.error?.details).toMatch(/^internal error \(logged by the gateway under request id [0-9a-f-]{36}\)$/);
  });

  it("tells `track` each admitted call's work, settled once the call is answered", async () => {
    const tracked: Promise<void>[] = [];
    let answered = false;
    let release: () => void = () => undefined;
    const handler = unaryHandler(
      { authenticator: authenticatorOf(subscriber), track: (work) => tracked.push(work) },
      () => new Promise<string>((resolve) => (release = () => resolve('done'))),
    );
    const call = { request: {}, metadata: new Metadata() } as unknown as ServerUnaryCall<object, string>;
    handler(call, () => (answered = true));
    expect(tracked).toHaveLength(1);
    release();
    await tracked[0];
    expect(answered).toBe(true);
    // A refused call has no work to track.
    await callUnary(
      unaryHandler({ authenticator: authenticatorOf(undefined), track: (w) => tracked.push(w) }, () => ''),
      {},
    );
    expect(tracked).toHaveLength(1);
  });
});

describe('streamHandler', () => {
  /** A stand-in stream: records the status it is ended with. */
  const streamCall = () => {
    const call = Object.assign(new EventEmitter(), { metadata: new Metadata() });
    const errors: ServiceError[] = [];
    call.on('error', (error: ServiceError) => errors.push(error));
    return { call: call as unknown as ServerDuplexStream<unknown, unknown>, errors };
  };

  it('opens an admitted stream and serves it with what opening returned', () => {
    const served: { principal: Principal; opened: string }[] = [];
    const handler = streamHandler(
      { authenticator: authenticatorOf(subscriber), roles: ['subscriber'], open: (p) => `opened for ${p.name}` },
      (_call, principal, opened) => served.push({ principal, opened }),
    );
    const { call, errors } = streamCall();
    handler(call);
    expect(served).toEqual([{ principal: subscriber, opened: 'opened for mx' }]);
    expect(errors).toEqual([]);
  });

  it('ends a refused stream with its status, before opening it or serving it', () => {
    let opened = 0;
    let served = 0;
    const rules = { open: () => void opened++ };
    const serve = () => void served++;
    const anonymous = streamCall();
    streamHandler({ ...rules, authenticator: authenticatorOf(undefined) }, serve)(anonymous.call);
    const wrongRole = streamCall();
    streamHandler(
      { ...rules, authenticator: authenticatorOf(subscriber), roles: ['publisher'] },
      serve,
    )(wrongRole.call);
    expect(anonymous.errors.map((e) => e.code)).toEqual([status.UNAUTHENTICATED]);
    expect(wrongRole.errors.map((e) => reasonOf(e))).toEqual([ErrorReason.ROLE_NOT_ALLOWED]);
    expect({ opened, served }).toEqual({ opened: 0, served: 0 });
  });

  it("ends the stream with the opening's refusal, and does not serve it", () => {
    let served = 0;
    const handler = streamHandler(
      {
        authenticator: authenticatorOf(subscriber),
        open: () => {
          throw new GatewayError({
            code: 'RESOURCE_EXHAUSTED',
            reason: ErrorReason.STREAM_LIMIT_REACHED,
            message: 'too many streams',
          });
        },
      },
      () => void served++,
    );
    const { call, errors } = streamCall();
    handler(call);
    expect(errors.map((e) => [e.code, reasonOf(e)])).toEqual([
      [status.RESOURCE_EXHAUSTED, ErrorReason.STREAM_LIMIT_REACHED],
    ]);
    expect(served).toBe(0);
  });
});
