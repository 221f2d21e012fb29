// How every gRPC handler of the gateway (ShareService and OperatorService) starts and ends: a
// call is admitted (the service takes calls, the caller is authenticated, holds a role the method
// needs), then served; whatever it throws is answered through toServiceError, never by hand.
// Internal errors are logged there (fromUnknown), under the request id the caller is told.
import type {
  handleBidiStreamingCall,
  handleUnaryCall,
  sendUnaryData,
  ServerDuplexStream,
  ServerUnaryCall,
} from '@grpc/grpc-js';

import { requireRole } from '../auth/authorization.js';
import type { AuthenticatableCall, Authenticator, Principal, Role } from '../auth/identity.js';
import { toServiceError } from './errors.js';

/** Who may make a call, checked in this order before the handler runs. */
export interface CallRules {
  /** Throws to refuse every call first, e.g. SHUTTING_DOWN while the service drains. */
  readonly admit?: () => void;
  readonly authenticator: Authenticator;
  /** The caller must hold one of these roles; without them any authenticated caller may call. */
  readonly roles?: readonly [Role, ...Role[]];
}

/** The caller's principal once the call is admitted; throws what the call is refused with. */
function admitCall(call: AuthenticatableCall, rules: CallRules): Principal {
  rules.admit?.();
  const principal = rules.authenticator.authenticate(call);
  if (rules.roles) requireRole(principal, ...rules.roles);
  return principal;
}

export interface UnaryRules extends CallRules {
  /** Told the work of each admitted call, e.g. so draining waits for calls being answered. */
  readonly track?: (work: Promise<void>) => void;
}

/**
 * A unary handler: admits the call, runs `handler` and answers with its result, or with the
 * status of what was thrown (the refusal of admission included).
 */
export function unaryHandler<Req, Res>(
  rules: UnaryRules,
  handler: (principal: Principal, request: Req) => Res | Promise<Res>,
): handleUnaryCall<Req, Res> {
  return (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>) => {
    let principal: Principal;
    try {
      principal = admitCall(call, rules);
    } catch (error) {
      callback(toServiceError(error));
      return;
    }
    const work = (async () => {
      let response: Res;
      try {
        response = await handler(principal, call.request);
      } catch (error) {
        callback(toServiceError(error));
        return;
      }
      callback(null, response);
    })();
    rules.track?.(work);
  };
}

export interface StreamRules<Opened> extends CallRules {
  /** The last step of admission, e.g. counting the caller's open streams; throws to refuse. */
  readonly open: (principal: Principal) => Opened;
}

/**
 * A bidirectional-stream handler: admits the call and opens it (`rules.open`), or ends it with
 * the status of the refusal; then `serve` runs the stream.
 */
export function streamHandler<Req, Res, Opened>(
  rules: StreamRules<Opened>,
  serve: (call: ServerDuplexStream<Req, Res>, principal: Principal, opened: Opened) => void,
): handleBidiStreamingCall<Req, Res> {
  return (call: ServerDuplexStream<Req, Res>) => {
    let principal: Principal;
    let opened: Opened;
    try {
      principal = admitCall(call, rules);
      opened = rules.open(principal);
    } catch (error) {
      call.emit('error', toServiceError(error));
      return;
    }
    serve(call, principal, opened);
  };
}
